// AWS SDK errors classified in one table: the orchestrator's task errors, the trigger's failure types and its
// "ask again on the next poll" all derive from it (pure: it reads the error's name, code and $metadata only).
import { type CodePipelineFailureType, GlueCdError, ThrottlingError, TransientAwsError } from './errors';

/** What went wrong with an AWS call, as far as retrying and reporting are concerned. */
export type AwsErrorKind =
  | 'throttling'
  /** 5xx: AWS's side. */
  | 'unavailable'
  /** The request or its connection took longer than the client's deadline. */
  | 'timeout'
  /** No HTTP response at all. */
  | 'network'
  | 'permission'
  /** The call names something that does not exist or is not valid: fixing it takes a person. */
  | 'configuration';

/** The kinds worth trying again: the same call may well succeed a little later. */
export const RETRYABLE_AWS_ERROR_KINDS: ReadonlySet<AwsErrorKind> = new Set([
  'throttling',
  'unavailable',
  'timeout',
  'network',
]);

/** Error names across the services glue-cd calls (CloudFormation, S3, Step Functions, CodePipeline, Secrets Manager). */
export const AWS_ERROR_KINDS: Readonly<Record<string, AwsErrorKind>> = {
  Throttling: 'throttling',
  ThrottlingException: 'throttling',
  ThrottledException: 'throttling',
  TooManyRequestsException: 'throttling',
  RequestLimitExceeded: 'throttling',
  RequestThrottled: 'throttling',
  RequestThrottledException: 'throttling',
  SlowDown: 'throttling',
  ProvisionedThroughputExceededException: 'throttling',
  ServiceUnavailable: 'unavailable',
  ServiceUnavailableException: 'unavailable',
  InternalServerError: 'unavailable',
  InternalFailure: 'unavailable',
  InternalError: 'unavailable',
  InternalErrorException: 'unavailable',
  TimeoutError: 'timeout',
  RequestTimeout: 'timeout',
  RequestTimeoutException: 'timeout',
  // Our own deadlines abort a call with an AbortError.
  AbortError: 'timeout',
  AccessDenied: 'permission',
  AccessDeniedException: 'permission',
  Forbidden: 'permission',
  InvalidAccessKeyId: 'permission',
  ExpiredToken: 'permission',
  ExpiredTokenException: 'permission',
  InvalidClientTokenId: 'permission',
  UnrecognizedClientException: 'permission',
  StateMachineDoesNotExist: 'configuration',
  StateMachineDeleting: 'configuration',
  InvalidArn: 'configuration',
  InvalidName: 'configuration',
  InvalidExecutionInput: 'configuration',
  NoSuchBucket: 'configuration',
  NoSuchKey: 'configuration',
};

/** Node's socket error codes: the request never got an HTTP response. */
export const NETWORK_ERROR_CODES: readonly string[] = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
];

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

const shapeOf = (error: unknown): AwsErrorShape | undefined =>
  typeof error === 'object' && error !== null ? (error as AwsErrorShape) : undefined;

/** The kind of an AWS SDK (or network) error, or undefined for anything else (ours, a bug, a 4xx we do not know). */
export const awsErrorKind = (error: unknown): AwsErrorKind | undefined => {
  const shape = shapeOf(error);
  if (!shape || error instanceof GlueCdError) return undefined;
  const byName = typeof shape.name === 'string' ? AWS_ERROR_KINDS[shape.name] : undefined;
  if (byName) return byName;
  if (shape.$retryable?.throttling === true) return 'throttling';
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 ? 'unavailable' : undefined;
  if (typeof shape.code === 'string' && NETWORK_ERROR_CODES.includes(shape.code)) return 'network';
  return undefined;
};

/** Worth trying again: a retryable named error, or an AWS error of a retryable kind. */
export const isRetryableError = (error: unknown): boolean => {
  if (error instanceof GlueCdError) return error.retryable;
  const kind = awsErrorKind(error);
  return kind !== undefined && RETRYABLE_AWS_ERROR_KINDS.has(kind);
};

/** The CodePipeline failure type for an error that ended a job: a named error's own, else by the AWS error's kind. */
export const codePipelineFailureType = (error: unknown): CodePipelineFailureType => {
  if (error instanceof GlueCdError) return error.failureType;
  switch (awsErrorKind(error)) {
    case 'permission':
      return 'PermissionError';
    case 'configuration':
      return 'ConfigurationError';
    default:
      return 'JobFailed';
  }
};

const describe = (error: unknown): string => {
  const shape = shapeOf(error) as { name?: unknown; message?: unknown } | undefined;
  return shape ? `${String(shape.name)}: ${String(shape.message)}` : String(error);
};

/**
 * The error a task fails with: a retryable AWS error becomes the named error the state machine retries
 * (ThrottlingError, TransientAwsError) with the original as its cause; anything else is returned unchanged.
 */
export const toTaskError = (error: unknown, operation: string): unknown => {
  const kind = awsErrorKind(error);
  if (kind === 'throttling') {
    return new ThrottlingError(`${operation}: AWS throttled the request (${describe(error)})`, { cause: error });
  }
  if (kind !== undefined && RETRYABLE_AWS_ERROR_KINDS.has(kind)) {
    const why =
      kind === 'unavailable'
        ? 'AWS failed the request'
        : kind === 'timeout'
          ? 'the request timed out'
          : 'the connection failed';
    return new TransientAwsError(`${operation}: ${why} (${describe(error)})`, { cause: error });
  }
  return error;
};

/** The SDK error name, for matching expected service errors (e.g. NoSuchBucket). */
export const errorName = (error: unknown): string | undefined => {
  const name = shapeOf(error)?.name;
  return typeof name === 'string' ? name : undefined;
};

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
