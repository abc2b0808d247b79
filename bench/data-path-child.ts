// One measured run of the data path in a process of its own, so that its peak RSS is its own:
//   node scripts/run-ts.cjs bench/data-path-child.ts <job|floor> <source.csv> <work dir>
// prints {"ms", "maxRssMb", "records"}: the run's wall time, the process's peak RSS, the records written.
import { copyCsvToParquet, loadColumnMapping, runMappingJob, scanCsvFile } from '@glue-cd/data-lake';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const REPO_ROOT = path.resolve(__dirname, '..');

const main = async (): Promise<void> => {
  const [mode, sourcePath, work] = process.argv.slice(2);
  if ((mode !== 'job' && mode !== 'floor') || !sourcePath || !work) {
    throw new Error('usage: data-path-child.ts <job|floor> <source.csv> <work dir>');
  }
  const mapping = await loadColumnMapping(path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/mapping.json'));
  // The floor gets, unmeasured, the line ending hint the job works out itself (DuckDB's own guess fails some files).
  const { lineEndings } = mode === 'floor' ? await scanCsvFile(sourcePath) : { lineEndings: { lf: 0, crlf: 0 } };
  const started = performance.now();
  let records: number;
  if (mode === 'floor') {
    const lineEnding = lineEndings.crlf > lineEndings.lf ? 'crlf' : 'lf';
    records = await copyCsvToParquet({ sourcePath, targetFile: path.join(work, 'floor.parquet'), lineEnding });
  } else {
    const result = await runMappingJob({
      sourcePath,
      targetPath: path.join(work, 'target'),
      rejectsPath: path.join(work, 'rejects'),
      mapping,
    });
    if (result.rejectedRecords !== 0) throw new Error(`the TLC sample has no rejects, got ${JSON.stringify(result)}`);
    records = result.transformedRecords;
  }
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, records })}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
