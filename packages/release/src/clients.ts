import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

/** The real AWS SDK clients the release drives, all pointed at one endpoint (the local cloud). */
export interface CloudClients {
  cloudFormation: CloudFormationClient;
  lambda: LambdaClient;
  s3: S3Client;
  stepFunctions: SFNClient;
}

/** An access key the local cloud issued (the operator's, or a role's), or a session of one. */
export interface CloudCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const makeCloudClients = (endpoint: string, credentials: CloudCredentials): CloudClients => {
  const config = { endpoint, region: 'us-east-1', credentials };
  return {
    cloudFormation: new CloudFormationClient(config),
    lambda: new LambdaClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    stepFunctions: new SFNClient(config),
  };
};
