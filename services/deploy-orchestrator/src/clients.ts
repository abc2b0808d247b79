import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  s3: S3Client;
}

// Created once per Lambda container (on first use, so importing a handler in a test builds nothing).
let clients: AwsClients | undefined;

export const awsClients = (): AwsClients =>
  (clients ??= {
    cloudFormation: new CloudFormationClient({}),
    // A custom endpoint (the local cloud on 127.0.0.1) has no bucket sub-domains.
    s3: new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL) }),
  });

/** Replaces the module's clients (tests, the local cloud). */
export const useAwsClients = (replacement: AwsClients): void => {
  clients = replacement;
};
