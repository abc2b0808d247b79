export * from './contracts';
export { AwsServiceError, isAwsServiceError } from './aws-error';
export { decodeAwsChunked, isAwsChunked } from './aws-chunked';
export { HEALTH_PATH, startLocalCloud, serviceOfRequest, type LocalCloud, type LocalCloudOptions } from './server';
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
