// Errors of the orchestrator's own, next to core's named errors. Step Functions retries these by name
// (see Retry in state-machines/deploy.asl.yaml); every other error fails the execution.

/** AWS throttled an API call even after the SDK's own retries: the state retries the whole task later. */
export class ThrottlingError extends Error {
  override name = 'ThrottlingError';
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

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  $retryable?: { throttling?: boolean };
}

/** Throttling errors from the SDK become ThrottlingError; everything else is returned unchanged. */
export const toTaskError = (error: unknown, operation: string): unknown => {
  if (typeof error !== 'object' || error === null) return error;
  const sdk = error as SdkErrorShape;
  if ((typeof sdk.name === 'string' && THROTTLING_NAMES.has(sdk.name)) || sdk.$retryable?.throttling === true) {
    return new ThrottlingError(`${operation}: AWS throttled the request (${String(sdk.name)}: ${String(sdk.message)})`);
  }
  return error;
};

/** The SDK error name, for matching expected service errors (e.g. NoSuchBucket). */
export const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
