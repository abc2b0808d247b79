import type { QueryRow } from '@glue-cd/data-lake';

export type { QueryRow };

export interface CrawlerRun {
  crawlerName: string;
  status: 'SUCCEEDED';
}

export interface JobRun {
  jobName: string;
  runId: string;
  state: 'SUCCEEDED';
}

export interface StoredObject {
  key: string;
  text: string;
}

/**
 * What the live test needs from a Glue/Athena-like environment. Every run method resolves only on success and
 * throws a named error (CrawlerRunError, JobRunError, QueryError, LiveTestTimeoutError) otherwise.
 */
export interface LiveTestBackend {
  /** Seeds one object (used unless runLiveTest is given its own S3 client). */
  seed(bucket: string, key: string, body: Uint8Array): Promise<void>;
  /** Objects under a prefix, as text (the job's rejects CSV). */
  readObjects(bucket: string, prefix: string): Promise<StoredObject[]>;
  runCrawler(name: string): Promise<CrawlerRun>;
  runJob(name: string): Promise<JobRun>;
  /** Runs SQL with `databaseName` as the default database; values as plain JS (numbers for numeric columns). */
  query(databaseName: string, sql: string): Promise<QueryRow[]>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
