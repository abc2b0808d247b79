// Named errors: the class name is what Step Functions Retry/Catch and CodePipeline failure types match on.

/** Bad configuration or input (UserParameters, deploy input, policy): the message names the field. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** A continuation token that is malformed, tampered with, too long or not ours. */
export class ContinuationTokenError extends Error {
  override name = 'ContinuationTokenError';
}

/** A change set that would delete or replace resources, refused by the safety policy. */
export class UnsafeChangeSetError extends Error {
  override name = 'UnsafeChangeSetError';
}

/** A stack operation (create, update, delete) that ended in a failed or rolled-back status. */
export class StackOperationFailedError extends Error {
  override name = 'StackOperationFailedError';
}

/** A stack busy with another operation, or in a state that needs a person (e.g. UPDATE_ROLLBACK_FAILED). */
export class StackBusyError extends Error {
  override name = 'StackBusyError';
}

/** Formats a zod issue path as `a.b[0].c` for error messages. */
export const formatIssuePath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment),
    '',
  );
