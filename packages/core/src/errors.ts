// Named errors carry their policy: the code (= the Step Functions Error name a state's Retry/Catch matches and the
// class name), whether Step Functions retries the task, and the CodePipeline failure type the trigger reports.
// Each error's policy is declared once, here; the ASL's Retry lists are checked against it
// (services/deploy-orchestrator/test/asl-error-policy.test.ts).

/** CodePipeline's `FailureDetails.type` values. */
export type CodePipelineFailureType =
  | 'JobFailed'
  | 'ConfigurationError'
  | 'PermissionError'
  | 'RevisionOutOfSync'
  | 'RevisionUnavailable'
  | 'SystemUnavailable';

export interface ErrorPolicy {
  /** The error's name wherever it travels: Step Functions Error, log `error.name`, class name. */
  code: string;
  /** Step Functions retries a task that fails with it (the state's Retry lists the code); otherwise Catch routes it. */
  retryable: boolean;
  /** How the pipeline trigger fails a CodePipeline job that ends with it. */
  failureType: CodePipelineFailureType;
}

/** The class of a named error: its policy is a static member. */
export interface NamedErrorClass {
  readonly policy: ErrorPolicy;
  new (message: string, options?: ErrorOptions): GlueCdError;
}

/** The base of every named error: `code`, `retryable`, `failureType` from the class's policy, `cause` (ES2022). */
export abstract class GlueCdError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly failureType: CodePipelineFailureType;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const { policy } = new.target as unknown as NamedErrorClass;
    // The code, not the constructor's name: bundles are minified.
    this.name = policy.code;
    this.code = policy.code;
    this.retryable = policy.retryable;
    this.failureType = policy.failureType;
  }
}

const policy = (code: string, retryable: boolean, failureType: CodePipelineFailureType): ErrorPolicy =>
  Object.freeze({ code, retryable, failureType });

/** Bad configuration or input (UserParameters, deploy input, policy): the message names the field. */
export class ConfigurationError extends GlueCdError {
  static readonly policy = policy('ConfigurationError', false, 'ConfigurationError');
}

/** A continuation token that is malformed, tampered with, too long or not ours: the job fails, nothing to retry. */
export class ContinuationTokenError extends GlueCdError {
  static readonly policy = policy('ContinuationTokenError', false, 'JobFailed');
}

/** GetJobDetails answered with something the trigger cannot bind a continuation token to. */
export class JobDetailsError extends GlueCdError {
  static readonly policy = policy('JobDetailsError', false, 'JobFailed');
}

/** A change set that would delete or replace resources, refused by the safety policy. */
export class UnsafeChangeSetError extends GlueCdError {
  static readonly policy = policy('UnsafeChangeSetError', false, 'JobFailed');
}

/** A stack operation (create, update, delete) that ended in a failed or rolled-back status. */
export class StackOperationFailedError extends GlueCdError {
  static readonly policy = policy('StackOperationFailedError', false, 'JobFailed');
}

/** A stack busy with another operation, or in a state that needs a person (e.g. UPDATE_ROLLBACK_FAILED). */
export class StackBusyError extends GlueCdError {
  static readonly policy = policy('StackBusyError', false, 'JobFailed');
}

/** The stack a deploy was about to create exists now (another deploy created it since): checked again, then updated. */
export class StackCreatedMeanwhileError extends GlueCdError {
  static readonly policy = policy('StackCreatedMeanwhileError', false, 'JobFailed');
}

/** AWS throttled an API call even after the SDK's own retries: the state retries the whole task later. */
export class ThrottlingError extends GlueCdError {
  static readonly policy = policy('ThrottlingError', true, 'JobFailed');
}

/** An AWS call that failed on AWS's side (5xx), timed out or lost its connection, after the SDK's own retries. */
export class TransientAwsError extends GlueCdError {
  static readonly policy = policy('TransientAwsError', true, 'JobFailed');
}

/** EmptyStackBuckets ran out of Lambda time with objects left: the state retries and carries on. */
export class BucketsNotEmptyYetError extends GlueCdError {
  static readonly policy = policy('BucketsNotEmptyYetError', true, 'JobFailed');
}

/** Every named error; a test checks each GlueCdError core exports is listed. */
export const NAMED_ERRORS: readonly NamedErrorClass[] = [
  ConfigurationError,
  ContinuationTokenError,
  JobDetailsError,
  UnsafeChangeSetError,
  StackOperationFailedError,
  StackBusyError,
  StackCreatedMeanwhileError,
  ThrottlingError,
  TransientAwsError,
  BucketsNotEmptyYetError,
];

// `sls invoke local` reports a failure's errorType as its class's name (Lambda: its `name`); bundles are minified
// without keepNames, so each class is named by its code.
for (const error of NAMED_ERRORS) Object.defineProperty(error, 'name', { value: error.policy.code });

/** The policy of a named error by its code (a Step Functions Error name), if it is one of ours. */
export const errorPolicy = (code: string): ErrorPolicy | undefined =>
  NAMED_ERRORS.find((error) => error.policy.code === code)?.policy;

/** Formats a zod issue path as `a.b[0].c` for error messages. */
export const formatIssuePath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment),
    '',
  );
