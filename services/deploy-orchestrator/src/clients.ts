import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  s3: S3Client;
}

// Created once per Lambda container, on first use: importing a handler in a test builds nothing, and a handler's
// bundle holds only the clients it asks for (each task is packaged on its own).
let cloudFormation: CloudFormationClient | undefined;
let s3: S3Client | undefined;

export const cloudFormationClient = (): CloudFormationClient => (cloudFormation ??= new CloudFormationClient({}));

// A custom endpoint (the local cloud on 127.0.0.1) has no bucket sub-domains.
export const s3Client = (): S3Client =>
  (s3 ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL) }));

export const awsClients = (): AwsClients => ({ cloudFormation: cloudFormationClient(), s3: s3Client() });

/** Replaces the module's clients (tests, the local cloud). */
export const useAwsClients = (replacement: AwsClients): void => {
  cloudFormation = replacement.cloudFormation;
  s3 = replacement.s3;
};
