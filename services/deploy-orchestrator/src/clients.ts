import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { createClientFactory, type ClientDeadlines } from '@glue-cd/lambda-edge';

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  s3: S3Client;
}

export type SdkDeadlines = ClientDeadlines;

// Well inside the 60 s Lambda timeout: three attempts of a hung call still end before it.
export const SDK_DEADLINES: SdkDeadlines = { connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, maxAttempts: 3 };

/** The orchestrator's clients from the edge's one factory (deadlines, region, path-style S3 on a custom endpoint). */
export const createAwsClients = (deadlines: Partial<SdkDeadlines> = {}, env = process.env): AwsClients => {
  const factory = createClientFactory({ deadlines: { ...SDK_DEADLINES, ...deadlines }, env });
  return { cloudFormation: factory.create(CloudFormationClient), s3: factory.s3(S3Client) };
};

// Created once per Lambda container, on first use: importing a handler in a test builds nothing, and a handler's
// bundle holds only the clients it asks for (each task is packaged on its own).
let cloudFormation: CloudFormationClient | undefined;
let s3: S3Client | undefined;

export const cloudFormationClient = (): CloudFormationClient =>
  (cloudFormation ??= createClientFactory({ deadlines: SDK_DEADLINES }).create(CloudFormationClient));

export const s3Client = (): S3Client => (s3 ??= createClientFactory({ deadlines: SDK_DEADLINES }).s3(S3Client));

export const awsClients = (): AwsClients => ({ cloudFormation: cloudFormationClient(), s3: s3Client() });

/** Replaces the module's clients (tests, the local cloud). */
export const useAwsClients = (replacement: AwsClients): void => {
  cloudFormation = replacement.cloudFormation;
  s3 = replacement.s3;
};
