import { randomUUID } from 'node:crypto';

export interface AwsServiceErrorOptions {
  /** Whether the caller is at fault (AWS's `Sender` error type, 4xx); defaults to `statusCode < 500`. */
  senderFault?: boolean;
  cause?: unknown;
}

/**
 * The one error type of the local cloud's services, shaped like AWS's: `name`/`code` is the AWS error code
 * (`NoSuchKey`, `ValidationError`, `ResourceNotFoundException` …) so callers inside the process (the CloudFormation
 * engine) branch on it exactly as SDK callers do on `err.name`; every protocol renders it (XML or JSON) from here.
 */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Extra fields for the XML/JSON error body (S3's `<Key>`, `<BucketName>` …). */
  readonly details: Record<string, string>;
  readonly senderFault: boolean;

  constructor(
    code: string,
    message: string,
    statusCode = 400,
    details: Record<string, string> = {},
    options: AwsServiceErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    this.senderFault = options.senderFault ?? statusCode < 500;
  }
}

export const isAwsServiceError = (error: unknown): error is AwsServiceError => error instanceof AwsServiceError;

export const newRequestId = (): string => randomUUID();

/** Any failure as an AwsServiceError: AWS errors as they are, anything else an `InternalFailure` (500) naming it. */
export const asAwsServiceError = (error: unknown, what: string): AwsServiceError =>
  isAwsServiceError(error)
    ? error
    : new AwsServiceError(
        'InternalFailure',
        `${what} failed: ${(error as Error)?.message ?? String(error)}`,
        500,
        {},
        {
          cause: error,
        },
      );
