export * from './contracts';
export { AwsServiceError, isAwsServiceError, type AwsServiceErrorOptions } from './aws-error';
export { decodeAwsChunked, isAwsChunked } from './aws-chunked';
export { type LogSink, logLine } from './log';
export {
  cloudEnvironment,
  HEALTH_PATH,
  STATE_LOCK,
  StateFolderBusyError,
  startLocalCloud,
  serviceOfRequest,
  type LocalCloud,
  type LocalCloudOptions,
} from './server';
export { DEFAULT_MAX_REQUEST_BODY_BYTES } from './router';
export { LOCAL_RETRY_STEP_MS, LOCAL_WAITER_DELAYS, localRetryStrategy } from './sdk-pacing';
export {
  createFaultInjector,
  parseFaultPlan,
  type FaultAction,
  type FaultInjector,
  type FaultPlan,
  type FaultRule,
  type InjectedFault,
} from './faults';
export {
  createJsonService,
  jsonErrorResponse,
  optionalString,
  requireString,
  type JsonOperation,
  type JsonServiceOptions,
} from './protocols/json';
export { createQueryService, type QueryServiceOptions } from './protocols/query';
export { createRestJsonService, type RestJsonServiceOptions } from './protocols/rest-json';
export type { Operation, OperationCall } from './protocols/call';
export type { ServiceModel } from './protocols/shapes';
export * from './s3';
export * from './lambda';
export * from './stepfunctions';
export * from './codepipeline';
export * from './cloudformation';
export * from './glue';
export * from './athena';
export * from './secretsmanager';
export { createStsService } from './sts/sts-service';
export { resolveS3Url, type LocalS3Location } from './s3/s3-url';
export {
  CLOUD_USAGE,
  CloudUsageError,
  DEFAULT_PORT,
  DEFAULT_STATE_DIR,
  environmentLines,
  parseCloudArgs,
  runCloudCli,
  type CloudCliIo,
  type CloudCliSettings,
} from './cli';
export {
  acquireFolderLock,
  FolderLockError,
  withFolderLock,
  type FolderLockOptions,
  type HeldFolderLock,
  type LockOwner,
} from './folder-lock';
export { CredentialStore, ROOT_ARN, type AccessKey, type Identity } from './auth/credentials';
export { verifySignature } from './auth/sigv4';
export { iamRequestsOf, IAM_ACTION_TABLES, type IamLookups, type IamRequest } from './iam/actions';
export { createIamEnforcer, type IamEnforcer, type IamMode } from './iam/enforcer';
