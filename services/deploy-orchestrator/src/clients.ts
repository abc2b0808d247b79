import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { createClientFactory, type ClientDeadlines } from '@glue-cd/lambda-edge';
import type * as S3Sdk from './s3-sdk';

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  s3: S3Client;
}

/** What a task asks of S3: requests (an S3Client, or the module's client created on the first one). */
export type S3Sender = Pick<S3Client, 'send'>;

/** The clients a task is handed: S3 through a sender, which loads the S3 SDK on its first request. */
export interface TaskClients {
  cloudFormation: CloudFormationClient;
  s3: S3Sender;
}

export type SdkDeadlines = ClientDeadlines;

// Well inside the 60 s Lambda timeout: three attempts of a hung call still end before it.
export const SDK_DEADLINES: SdkDeadlines = { connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, maxAttempts: 3 };

/**
 * The S3 client and commands, loaded on a task's first S3 request: PollChangeSet writes to S3 once a change set is
 * read (not on its waiting polls), PrepareTemplate for artifact and staged templates, EmptyBuckets for a stack with
 * buckets; a cold start neither reads nor compiles S3's ~110 KB (its own lazy chunk beside the bundle).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const s3Sdk = (): typeof S3Sdk => require('./s3-sdk') as typeof S3Sdk;

/** The orchestrator's clients from the edge's one factory (deadlines, region, path-style S3 on a custom endpoint). */
export const createAwsClients = (deadlines: Partial<SdkDeadlines> = {}, env = process.env): AwsClients => {
  const factory = createClientFactory({ deadlines: { ...SDK_DEADLINES, ...deadlines }, env });
  return { cloudFormation: factory.create(CloudFormationClient), s3: factory.s3(s3Sdk().S3Client) };
};

// Created once per Lambda container, on first use: importing a handler in a test builds nothing, and a handler's
// bundle holds only the clients it asks for (each task is packaged on its own).
let cloudFormation: CloudFormationClient | undefined;
let s3: S3Client | undefined;

export const cloudFormationClient = (): CloudFormationClient =>
  (cloudFormation ??= createClientFactory({ deadlines: SDK_DEADLINES }).create(CloudFormationClient));

export const s3Client = (): S3Client => (s3 ??= createClientFactory({ deadlines: SDK_DEADLINES }).s3(s3Sdk().S3Client));

/** The module's S3 client behind a sender: created (and the SDK loaded) on the first request, then reused. */
export const lazyS3Client: S3Sender = {
  send: ((...args: Parameters<S3Client['send']>) => s3Client().send(...args)) as S3Client['send'],
};

export const awsClients = (): TaskClients => ({ cloudFormation: cloudFormationClient(), s3: lazyS3Client });

/** Replaces the module's clients (tests, the local cloud). */
export const useAwsClients = (replacement: AwsClients): void => {
  cloudFormation = replacement.cloudFormation;
  s3 = replacement.s3;
};
