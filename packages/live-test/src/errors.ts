// Named errors of the live test: each carries what a deploy engineer needs to find the failed run.

/** Missing or malformed live-test input: stack outputs, validation.yaml, CLI arguments, Glue definitions. */
export class LiveTestConfigurationError extends Error {
  override name = 'LiveTestConfigurationError';
}

/** A crawler run that ended FAILED or CANCELLED (or could not start). */
export class CrawlerRunError extends Error {
  override name = 'CrawlerRunError';
}

/** A Glue job run that ended FAILED, TIMEOUT, ERROR, STOPPED or EXPIRED; the message carries the run id and ErrorMessage. */
export class JobRunError extends Error {
  override name = 'JobRunError';
}

/** An Athena (or local) query that failed; the message carries the query execution id and the reason. */
export class QueryError extends Error {
  override name = 'QueryError';
}

/** A crawler, job or query that did not finish within timeoutMs. */
export class LiveTestTimeoutError extends Error {
  override name = 'LiveTestTimeoutError';
}

// One formatting of zod issue paths for every package's messages.
export { formatIssuePath } from '@glue-cd/core';
