import { loadColumnMapping, runMappingJob } from '@glue-cd/data-lake';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Benchmark } from './run';

const REPO_ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

/** The data path: the local twin of the Glue job over the real TLC sample (count, map, Parquet, rejects). */
export const benchmarks = (): Benchmark[] => {
  const work = mkdtempSync(path.join(tmpdir(), 'glue-cd-bench-'));
  let mapping: Awaited<ReturnType<typeof loadColumnMapping>> | undefined;
  return [
    {
      name: 'NYC taxi mapping job, 7,500 real TLC rows → Parquet',
      targetMs: 2000,
      runs: 5,
      setup: async () => {
        mapping = await loadColumnMapping(path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/mapping.json'));
      },
      run: () =>
        runMappingJob({
          sourcePath: SAMPLE,
          targetPath: path.join(work, 'target'),
          rejectsPath: path.join(work, 'rejects'),
          mapping: mapping!,
        }),
    },
  ];
};
