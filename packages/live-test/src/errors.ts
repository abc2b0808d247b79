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

/** Formats a zod issue path as `a.b[0].c` for error messages. */
export const formatIssuePath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment),
    '',
  );
