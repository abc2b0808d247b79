import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  s3: S3Client;
}

/** Deadlines of every orchestrator SDK call: a hung connection fails fast and the state's Retry takes over. */
export interface SdkDeadlines {
  /** Milliseconds to establish the TCP/TLS connection. */
  connectionTimeoutMs: number;
  /** Milliseconds a request may take, from sending to the full response, before it is abandoned. */
  requestTimeoutMs: number;
  /** SDK attempts per call (its own retries with backoff) before the task fails. */
  maxAttempts: number;
}

// Well inside the 60 s Lambda timeout: three attempts of a hung call still end before it.
export const SDK_DEADLINES: SdkDeadlines = { connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, maxAttempts: 3 };

const commonConfig = (deadlines: Partial<SdkDeadlines>) => {
  const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = { ...SDK_DEADLINES, ...deadlines };
  return {
    maxAttempts,
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Without it the SDK's node handler only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
};

const createCloudFormationClient = (deadlines: Partial<SdkDeadlines> = {}): CloudFormationClient =>
  new CloudFormationClient(commonConfig(deadlines));

// A custom endpoint (the local cloud on 127.0.0.1) has no bucket sub-domains.
const createS3Client = (deadlines: Partial<SdkDeadlines> = {}, env = process.env): S3Client =>
  new S3Client({
    ...commonConfig(deadlines),
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL),
  });

/** The one factory for the orchestrator's clients: timeouts on every client, path-style S3 on a custom endpoint. */
export const createAwsClients = (deadlines: Partial<SdkDeadlines> = {}, env = process.env): AwsClients => ({
  cloudFormation: createCloudFormationClient(deadlines),
  s3: createS3Client(deadlines, env),
});

// Created once per Lambda container, on first use: importing a handler in a test builds nothing, and a handler's
// bundle holds only the clients it asks for (each task is packaged on its own).
let cloudFormation: CloudFormationClient | undefined;
let s3: S3Client | undefined;

export const cloudFormationClient = (): CloudFormationClient => (cloudFormation ??= createCloudFormationClient());

export const s3Client = (): S3Client => (s3 ??= createS3Client());

export const awsClients = (): AwsClients => ({ cloudFormation: cloudFormationClient(), s3: s3Client() });

/** Replaces the module's clients (tests, the local cloud). */
export const useAwsClients = (replacement: AwsClients): void => {
  cloudFormation = replacement.cloudFormation;
  s3 = replacement.s3;
};
