import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GetCrawlerCommand, StartCrawlerCommand, type Crawler, type GlueClient } from '@aws-sdk/client-glue';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { Clock } from '@glue-cd/live-test';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
// The repository's copy of the shared TLC sample (glue-jobs/nyc-taxi/sample/SOURCE.md): present in every clone.
export const SAMPLE_FILE = resolve(
  REPO_ROOT,
  'glue-jobs',
  'nyc-taxi',
  'sample',
  'yellow_tripdata_7500_lines_sample_2019-01.csv',
);
export const SHARED_SAMPLE_FILE = resolve(
  REPO_ROOT,
  '..',
  'shared',
  'data',
  'yellow_tripdata_7500_lines_sample_2019-01.csv',
);
export const JOB_DIR = resolve(REPO_ROOT, 'glue-jobs', 'nyc-taxi');
export const MAPPING_FILE = join(JOB_DIR, 'mapping.json');
export const VALIDATION_FILE = join(JOB_DIR, 'validation.yaml');
export const JOB_SCRIPT = join(JOB_DIR, 'job.py');

export { makeTempDir } from '../../../test/support/temp-dirs';

/** The sample parsed independently of the engines: no quotes in it (asserted), one record per non-empty line. */
export const readSample = async (): Promise<{ header: string[]; rows: string[][] }> => {
  const text = await readFile(SAMPLE_FILE, 'utf8');
  if (text.includes('"')) throw new Error('sample has quotes; the simple parser in the tests no longer applies');
  const [headerLine, ...lines] = text.split(/\r\n|\n|\r/).filter((line) => line.length > 0);
  return { header: (headerLine ?? '').split(','), rows: lines.map((line) => line.split(',')) };
};

export const sampleColumn = (sample: { header: string[]; rows: string[][] }, column: string): string[] => {
  const index = sample.header.indexOf(column);
  if (index < 0) throw new Error(`sample has no column ${column}`);
  return sample.rows.map((row) => row[index] ?? '');
};

/** Stack outputs as the glue-etl stack of stage `test` would report them. */
export const STACK = 'glue-cd-glue-etl-test';
export const ACCOUNT = '000000000000';
export const outputs = {
  RawBucketName: `${STACK}-raw-${ACCOUNT}`,
  DataLakeBucketName: `${STACK}-lake-${ACCOUNT}`,
  AthenaResultsBucketName: `${STACK}-athena-${ACCOUNT}`,
  RawDatabaseName: 'glue_cd_glue_etl_test_raw',
  DataLakeDatabaseName: 'glue_cd_glue_etl_test_datalake',
  RawCrawlerName: `${STACK}-raw`,
  DataLakeCrawlerName: `${STACK}-datalake`,
  JobName: `${STACK}-nyc-taxi`,
  AthenaWorkGroupName: STACK,
};

/** A clock the test moves: `sleep` advances it at once, so polling loops run without real waiting. */
export const manualClock = (start = Date.parse('2026-03-04T05:06:07.000Z')): Clock & { advance(ms: number): void } => {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
};

/**
 * Glue crawlers as GetCrawler shows them: StartCrawler starts a crawl (stamped with `now()`), which reads RUNNING on
 * the next GetCrawler and READY with its LastCrawl SUCCEEDED after that.
 */
export const fakeCrawlers = (glue: AwsClientStub<GlueClient>, now: () => number = Date.now): { started: string[] } => {
  const crawlers = new Map<string, { polls: number; crawler: Crawler }>();
  const started: string[] = [];
  glue.on(StartCrawlerCommand).callsFake((input: { Name: string }) => {
    started.push(input.Name);
    crawlers.set(input.Name, {
      polls: 0,
      crawler: { Name: input.Name, State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(now()) } },
    });
    return {};
  });
  glue.on(GetCrawlerCommand).callsFake((input: { Name: string }) => {
    const entry = crawlers.get(input.Name);
    if (!entry) return { Crawler: { Name: input.Name, State: 'READY' } };
    entry.polls += 1;
    return { Crawler: entry.polls === 1 ? { ...entry.crawler, State: 'RUNNING' } : entry.crawler };
  });
  return { started };
};
