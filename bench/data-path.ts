// The data path at scale: the local mapping job against DuckDB's own CSV->Parquet of the same file (parallel reading,
// the job's read and Parquet options), over the real TLC sample repeated to 1.5 M and 7.5 M rows in a temp folder.
// Each run is a child process of its own (its peak RSS is the job's), floor and job alternating.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { median, type Result, type Suite } from './measure';

const REPO_ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

/** Issue "Speed to the floors", item 4. */
const TARGETS = { ratioToFloor: 0.5, peakRssMb: 1024, linearity: 0.8 };
const SIZES = [
  { label: '1.5 M rows', copies: 200, rounds: 3 },
  { label: '7.5 M rows', copies: 1000, rounds: 2 },
];

interface ChildRun {
  ms: number;
  maxRssMb: number;
  records: number;
}

/** The sample's header, then its rows `copies` times over (line endings as published). */
const generate = async (file: string, copies: number): Promise<number> => {
  const text = await readFile(SAMPLE, 'utf8');
  const headerEnd = text.indexOf('\n') + 1;
  const rows = Buffer.from(text.slice(headerEnd));
  const out = createWriteStream(file);
  out.write(text.slice(0, headerEnd));
  for (let i = 0; i < copies; i += 1) if (!out.write(rows)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return copies * (text.slice(headerEnd).match(/\n/g)?.length ?? 0);
};

const runChild = async (mode: 'job' | 'floor', source: string, work: string): Promise<ChildRun> => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts/run-ts.cjs'), path.join(__dirname, 'data-path-child.ts'), mode, source, work],
    { cwd: REPO_ROOT, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as ChildRun;
};

export const dataPathSuite: Suite = {
  name: 'data path: mapping job vs DuckDB CSV->Parquet',
  run: async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'glue-cd-bench-data-path-'));
    const results: Result[] = [];
    const perMillionRows: number[] = [];
    try {
      for (const { label, copies, rounds } of SIZES) {
        const source = path.join(work, `${copies}x.csv`);
        const rows = await generate(source, copies);
        const runs = { floor: [] as ChildRun[], job: [] as ChildRun[] };
        for (let round = 0; round < rounds; round += 1) {
          for (const mode of ['floor', 'job'] as const) {
            const run = await runChild(mode, source, work);
            if (run.records !== rows) throw new Error(`${mode} wrote ${run.records} of ${rows} records (${label})`);
            runs[mode].push(run);
          }
        }
        const jobMs = median(runs.job.map(({ ms }) => ms));
        perMillionRows.push(jobMs / (rows / 1e6));
        results.push(
          {
            name: `mapping job, ${label}`,
            figure: { label: 'median', value: jobMs, unit: 'ms' },
            floor: { label: 'DuckDB CSV->Parquet', value: median(runs.floor.map(({ ms }) => ms)), unit: 'ms' },
            target: { ratioAtLeast: TARGETS.ratioToFloor },
          },
          {
            name: `mapping job peak RSS, ${label}`,
            figure: { label: 'max', value: Math.max(...runs.job.map(({ maxRssMb }) => maxRssMb)), unit: 'MB' },
            target: { atMost: TARGETS.peakRssMb },
          },
        );
        await rm(source, { force: true });
      }
      const [small, large] = perMillionRows;
      if (small !== undefined && large !== undefined) {
        results.push({
          name: `mapping job per M rows, ${SIZES[1]?.label} (linear)`,
          figure: { label: 'per M rows', value: large, unit: 'ms' },
          floor: { label: `${SIZES[0]?.label}`, value: small, unit: 'ms' },
          target: { ratioAtLeast: TARGETS.linearity },
        });
      }
      return results;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};
