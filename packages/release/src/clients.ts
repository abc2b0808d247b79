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

export const makeCloudClients = (
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
    accessKeyId: 'local',
    secretAccessKey: 'local',
  },
): CloudClients => {
  const config = { endpoint, region: 'us-east-1', credentials };
  return {
    cloudFormation: new CloudFormationClient(config),
    lambda: new LambdaClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    stepFunctions: new SFNClient(config),
  };
};
