import { AwsServiceError } from '../aws-error';

export const INVALID_REQUEST = 'InvalidRequestException';

/** Athena answers almost every client error with InvalidRequestException (and an AthenaErrorCode). */
export const invalidRequest = (message: string, athenaErrorCode = 'INVALID_INPUT'): AwsServiceError =>
  new AwsServiceError(INVALID_REQUEST, message, 400, { AthenaErrorCode: athenaErrorCode });
