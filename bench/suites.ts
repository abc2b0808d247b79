import { loadColumnMapping, runMappingJob } from '@glue-cd/data-lake';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPathSuite } from './data-path';
import { timeBenchmark, type Suite } from './measure';

const REPO_ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

/** The local twin of the Glue job over the real TLC sample as published (count, map, Parquet, rejects). */
const sampleSuite: Suite = {
  name: 'data path: mapping job over the TLC sample',
  run: async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'glue-cd-bench-'));
    try {
      const mapping = await loadColumnMapping(path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/mapping.json'));
      return [
        await timeBenchmark({
          name: 'NYC taxi mapping job, 7,500 real TLC rows → Parquet',
          targetMs: 2000,
          runs: 5,
          run: () =>
            runMappingJob({
              sourcePath: SAMPLE,
              targetPath: path.join(work, 'target'),
              rejectsPath: path.join(work, 'rejects'),
              mapping,
            }),
        }),
      ];
    } finally {
      // Every run of `pnpm bench` made one more of these on the machine.
      rmSync(work, { recursive: true, force: true });
    }
  },
};

export const suites: Suite[] = [sampleSuite, dataPathSuite];
