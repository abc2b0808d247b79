// Errors of the orchestrator's own, next to core's named errors. Step Functions retries these by name
// (see Retry in state-machines/deploy.asl.yaml); every other error fails the execution.

/** AWS throttled an API call even after the SDK's own retries: the state retries the whole task later. */
export class ThrottlingError extends Error {
  override name = 'ThrottlingError';
}

/** AWS answered a server error (5xx) or no answer at all even after the SDK's retries: retried like throttling. */
export class TransientAwsError extends Error {
  override name = 'TransientAwsError';
}

/** EmptyStackBuckets ran out of Lambda time with objects left: the state retries and carries on. */
export class BucketsNotEmptyYetError extends Error {
  override name = 'BucketsNotEmptyYetError';
}

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);

// Connection failures the SDK gave up on: the call may or may not have happened; every task is idempotent.
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: unknown };
  $fault?: unknown;
}

/**
 * Throttling errors from the SDK become ThrottlingError, server errors (5xx) and dropped connections
 * TransientAwsError; everything else is returned unchanged.
 */
export const toTaskError = (error: unknown, operation: string): unknown => {
  if (typeof error !== 'object' || error === null) return error;
  const sdk = error as SdkErrorShape;
  if ((typeof sdk.name === 'string' && THROTTLING_NAMES.has(sdk.name)) || sdk.$retryable?.throttling === true) {
    return new ThrottlingError(`${operation}: AWS throttled the request (${String(sdk.name)}: ${String(sdk.message)})`);
  }
  const status = sdk.$metadata?.httpStatusCode;
  if ((typeof status === 'number' && status >= 500) || (typeof sdk.code === 'string' && NETWORK_CODES.has(sdk.code))) {
    return new TransientAwsError(
      `${operation}: AWS failed the request after the SDK's retries (${String(sdk.name)}${typeof status === 'number' ? ` ${status}` : ''}: ${String(sdk.message)})`,
    );
  }
  return error;
};

/** The SDK error name, for matching expected service errors (e.g. NoSuchBucket). */
export const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
