import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type ColumnInfo,
  type Row,
} from '@aws-sdk/client-athena';
import {
  GetCrawlerCommand,
  GetJobRunCommand,
  GlueClient,
  StartCrawlerCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sleep, type CrawlerRun, type JobRun, type LiveTestBackend, type QueryRow, type StoredObject } from './backend';
import { CrawlerRunError, JobRunError, LiveTestTimeoutError, QueryError } from './errors';

export interface AwsBackendOptions {
  glue: GlueClient;
  athena: AthenaClient;
  s3: S3Client;
  /** Athena workgroup (its configuration decides the results location). */
  workGroup: string;
  /** A fixed pause between polls; unset, polls back off from FIRST_POLL_INTERVAL_MS to DEFAULT_POLL_INTERVAL_MS. */
  pollIntervalMs?: number;
  /** Per crawler run, job run or query. */
  timeoutMs?: number;
  /** Time and waiting (default: the wall clock); tests pass a clock they move themselves. */
  clock?: Clock;
}

/** The backend's only view of time: when a crawl counts as ours, deadlines, and the pause between polls. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

export const DEFAULT_POLL_INTERVAL_MS = 5_000;
export const FIRST_POLL_INTERVAL_MS = 50;
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;

const FAILED_JOB_STATES = new Set(['FAILED', 'TIMEOUT', 'ERROR', 'STOPPED', 'EXPIRED']);
const NUMERIC_ATHENA_TYPES = new Set([
  'tinyint',
  'smallint',
  'integer',
  'int',
  'bigint',
  'double',
  'float',
  'real',
  'decimal',
]);
/** A crawl that started this long before StartCrawler was called still counts as ours (clock skew). */
export const CLOCK_SKEW_MS = 5_000;

/** Athena returns every value as text; numeric and boolean columns become JS numbers and booleans. */
const athenaValue = (text: string | undefined, column: ColumnInfo | undefined): unknown => {
  if (text === undefined) return null;
  const type = (column?.Type ?? 'varchar').toLowerCase();
  if (NUMERIC_ATHENA_TYPES.has(type)) return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
};

/** The live test's backend on AWS: Glue crawlers and jobs, Athena queries in one workgroup, S3 objects. */
export const createAwsBackend = ({
  glue,
  athena,
  s3,
  workGroup,
  pollIntervalMs,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  clock = systemClock,
}: AwsBackendOptions): LiveTestBackend => {
  /** Polls `check` until it returns a value; throws LiveTestTimeoutError after timeoutMs. */
  const pollUntil = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
    const deadline = clock.now() + timeoutMs;
    // Short runs (a small crawl, a query) answer within a second; long ones are polled every 5 s.
    let delay = pollIntervalMs ?? FIRST_POLL_INTERVAL_MS;
    for (;;) {
      const done = await check();
      if (done !== undefined) return done;
      if (clock.now() >= deadline) throw new LiveTestTimeoutError(`${what} did not finish within ${timeoutMs} ms`);
      await clock.sleep(delay);
      delay = pollIntervalMs ?? Math.min(delay * 2, DEFAULT_POLL_INTERVAL_MS);
    }
  };

  const startCrawler = async (name: string): Promise<void> => {
    try {
      await glue.send(new StartCrawlerCommand({ Name: name }));
    } catch (error) {
      if ((error as Error).name !== 'CrawlerRunningException') {
        throw new CrawlerRunError(`Crawler ${name} could not start: ${(error as Error).message}`);
      }
      // Someone else's crawl is running: let it finish, then start ours.
      await pollUntil(`Crawler ${name} (already running)`, async () => {
        const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
        return Crawler?.State === 'READY' ? true : undefined;
      });
      await glue.send(new StartCrawlerCommand({ Name: name }));
    }
  };

  return {
    async seed(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },

    async readObjects(bucket, prefix) {
      const objects: StoredObject[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
        );
        for (const { Key } of page.Contents ?? []) {
          if (!Key) continue;
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
          objects.push({ key: Key, text: (await object.Body?.transformToString('utf-8')) ?? '' });
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
      return objects;
    },

    async runCrawler(name): Promise<CrawlerRun> {
      const requestedAt = clock.now();
      await startCrawler(name);
      let sawRunning = false;
      return pollUntil(`Crawler ${name}`, async () => {
        const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
        if (!Crawler) throw new CrawlerRunError(`Crawler ${name} not found`);
        if (Crawler.State !== 'READY') {
          sawRunning = true;
          return undefined;
        }
        const lastCrawl = Crawler.LastCrawl;
        const ours =
          sawRunning ||
          (lastCrawl?.StartTime !== undefined && lastCrawl.StartTime.getTime() >= requestedAt - CLOCK_SKEW_MS);
        if (!ours || !lastCrawl) return undefined;
        if (lastCrawl.Status === 'SUCCEEDED') return { crawlerName: name, status: 'SUCCEEDED' as const };
        const logs = lastCrawl.LogGroup ? ` (logs: ${lastCrawl.LogGroup} ${lastCrawl.LogStream ?? ''})` : '';
        throw new CrawlerRunError(
          `Crawler ${name} ended ${lastCrawl.Status ?? 'without status'}: ${lastCrawl.ErrorMessage ?? 'no error message'}${logs}`,
        );
      });
    },

    async runJob(name): Promise<JobRun> {
      const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: name }));
      if (!JobRunId) throw new JobRunError(`Job ${name}: StartJobRun returned no JobRunId`);
      return pollUntil(`Job ${name} run ${JobRunId}`, async () => {
        const { JobRun } = await glue.send(new GetJobRunCommand({ JobName: name, RunId: JobRunId }));
        const state = JobRun?.JobRunState;
        if (state === 'SUCCEEDED') return { jobName: name, runId: JobRunId, state: 'SUCCEEDED' as const };
        if (state && FAILED_JOB_STATES.has(state)) {
          throw new JobRunError(
            `Job ${name} run ${JobRunId} ended ${state}: ${JobRun?.ErrorMessage ?? 'no error message'}`,
          );
        }
        return undefined;
      });
    },

    async query(databaseName, sql) {
      const { QueryExecutionId } = await athena.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Database: databaseName },
        }),
      );
      if (!QueryExecutionId) throw new QueryError(`Athena returned no QueryExecutionId for: ${sql}`);
      await pollUntil(`Athena query ${QueryExecutionId}`, async () => {
        const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
        const state = QueryExecution?.Status?.State;
        if (state === 'SUCCEEDED') return true;
        if (state === 'FAILED' || state === 'CANCELLED') {
          const reason =
            QueryExecution?.Status?.AthenaError?.ErrorMessage ??
            QueryExecution?.Status?.StateChangeReason ??
            'no reason given';
          throw new QueryError(
            `Athena query ${QueryExecutionId} ${state} in workgroup ${workGroup}: ${reason} (SQL: ${sql})`,
          );
        }
        return undefined;
      });

      const rows: QueryRow[] = [];
      let columns: ColumnInfo[] = [];
      let nextToken: string | undefined;
      let firstPage = true;
      do {
        const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken: nextToken }));
        if (firstPage) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        // For SELECT, the first row of the first page repeats the column labels.
        const pageRows: Row[] = (page.ResultSet?.Rows ?? []).slice(firstPage ? 1 : 0);
        for (const row of pageRows) {
          const data = row.Data ?? [];
          rows.push(
            Object.fromEntries(
              columns.map((column, index) => [
                column.Name ?? `_col${index}`,
                athenaValue(data[index]?.VarCharValue, column),
              ]),
            ),
          );
        }
        firstPage = false;
        nextToken = page.NextToken;
      } while (nextToken);
      return rows;
    },
  };
};
