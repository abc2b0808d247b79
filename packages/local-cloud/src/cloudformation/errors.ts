/** AWS Query error codes this engine answers with (the SDK maps each to its exception class). */
export type CloudFormationErrorCode =
  | 'ValidationError'
  | 'AlreadyExistsException'
  | 'InsufficientCapabilitiesException'
  | 'ChangeSetNotFound'
  | 'InvalidChangeSetStatus'
  | 'TokenAlreadyExistsException'
  | 'InvalidAction'
  | 'MissingParameter';

const STATUS_BY_CODE: Partial<Record<CloudFormationErrorCode, number>> = { ChangeSetNotFound: 404 };

/** An error CloudFormation itself would return to the caller: code, message and HTTP status as AWS sends them. */
export class CloudFormationError extends Error {
  readonly status: number;
  constructor(
    readonly code: CloudFormationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
    this.status = STATUS_BY_CODE[code] ?? 400;
  }
}

export const validationError = (message: string): CloudFormationError =>
  new CloudFormationError('ValidationError', message);

/** A template problem found before any resource is touched (AWS prefixes these with "Template format error:"). */
export const templateError = (message: string): CloudFormationError =>
  validationError(`Template format error: ${message}`);

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
