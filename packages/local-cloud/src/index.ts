export * from './contracts';
export { AwsServiceError, isAwsServiceError } from './aws-error';
export { decodeAwsChunked, isAwsChunked } from './aws-chunked';
export { startLocalCloud, serviceOfRequest, type LocalCloud, type LocalCloudOptions } from './server';
export * from './s3';
export * from './lambda';
export * from './stepfunctions';
export * from './codepipeline';
export * from './cloudformation'; // the integrator adds the CloudFormation engine here
