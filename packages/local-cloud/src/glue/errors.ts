import { AwsServiceError } from '../aws-error';

// Glue's error codes, with the messages AWS gives (as far as they are known).

export const INVALID_INPUT = 'InvalidInputException';

export const entityNotFound = (message: string): AwsServiceError =>
  new AwsServiceError('EntityNotFoundException', message, 400);

export const alreadyExists = (message: string): AwsServiceError =>
  new AwsServiceError('AlreadyExistsException', message, 400);

export const invalidInput = (message: string): AwsServiceError => new AwsServiceError(INVALID_INPUT, message, 400);

export const crawlerRunning = (name: string): AwsServiceError =>
  new AwsServiceError('CrawlerRunningException', `Crawler with name ${name} has already started`, 400);

export const crawlerNotRunning = (name: string): AwsServiceError =>
  new AwsServiceError('CrawlerNotRunningException', `Crawler with name ${name} isn't running.`, 400);

export const crawlerStopping = (name: string): AwsServiceError =>
  new AwsServiceError('CrawlerStoppingException', `Crawler with name ${name} is stopping.`, 400);

export const concurrentRunsExceeded = (jobName: string): AwsServiceError =>
  new AwsServiceError('ConcurrentRunsExceededException', `Concurrent runs exceeded for ${jobName}`, 400);

/** Only this account's Data Catalog exists locally. */
export const foreignCatalog = (catalogId: string, account: string): AwsServiceError =>
  new AwsServiceError(
    'AccessDeniedException',
    `Cross-account access to catalog ${catalogId} is not supported by the local Glue (its catalog is ${account})`,
    400,
  );
