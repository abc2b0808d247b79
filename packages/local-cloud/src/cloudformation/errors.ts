import * as cloudFormationModel from '@aws-sdk/client-cloudformation';
import { AwsServiceError } from '../aws-error';
import { errorModel } from '../protocols/shapes';

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

/** An error CloudFormation itself would return: HTTP status and fault from the service model (`ChangeSetNotFound` is 404). */
export const cloudFormationError = (code: CloudFormationErrorCode, message: string): AwsServiceError => {
  const modelled = errorModel(cloudFormationModel, code);
  return new AwsServiceError(
    code,
    message,
    modelled?.status ?? 400,
    {},
    { senderFault: modelled?.senderFault ?? true },
  );
};

export const validationError = (message: string): AwsServiceError => cloudFormationError('ValidationError', message);

/** A template problem found before any resource is touched (AWS prefixes these with "Template format error:"). */
export const templateError = (message: string): AwsServiceError => validationError(`Template format error: ${message}`);

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
