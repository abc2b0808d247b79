import { randomUUID } from 'node:crypto';

/**
 * An error a local service answers with, shaped like AWS's: `name`/`code` is the AWS error code
 * (`NoSuchKey`, `ResourceNotFoundException` …) so callers inside the process (the CloudFormation engine)
 * can branch on it exactly as SDK callers do on `err.name`.
 */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Extra fields for the XML/JSON error body (S3's `<Key>`, `<BucketName>` …). */
  readonly details: Record<string, string>;

  constructor(code: string, message: string, statusCode = 400, details: Record<string, string> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

export const isAwsServiceError = (error: unknown): error is AwsServiceError => error instanceof AwsServiceError;

export const newRequestId = (): string => randomUUID();
