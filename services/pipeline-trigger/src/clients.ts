import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { PipelineJob } from '@glue-cd/core';
import { createClientFactory, deadlineConfig, type ClientDeadlines, type Environment } from '@glue-cd/lambda-edge';
import type * as ArtifactS3 from './artifact-s3';

export { s3PathStyle } from '@glue-cd/lambda-edge';

export type ArtifactCredentials = PipelineJob['artifactCredentials'];

export type ClientTimeouts = ClientDeadlines;

/**
 * The S3 client and GetObject, loaded on the first artifact read: continuation polls (most invocations) never read
 * an artifact, so a cold start neither reads nor compiles S3's ~270 KB (its own lazy chunk in the bundle).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const artifactS3Sdk = (): typeof ArtifactS3 => require('./artifact-s3') as typeof ArtifactS3;

/** Per-request limits of every trigger client: a hung call fails in seconds, well inside the Lambda's 30 s. */
export const CLIENT_TIMEOUTS: Readonly<ClientTimeouts> = {
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  maxAttempts: 3,
};

/** The deadline settings every trigger client gets (the edge's): timeouts that throw, bounded retries. */
export const clientConfig = (timeouts: Partial<ClientTimeouts> = {}) =>
  deadlineConfig({ ...CLIENT_TIMEOUTS, ...timeouts });

export interface TriggerClients {
  sfn: SFNClient;
  codePipeline: CodePipelineClient;
  secretsManager: SecretsManagerClient;
  /** The S3 client for artifacts: static credentials from the job, never the Lambda role's. */
  artifactS3: (credentials: ArtifactCredentials) => S3Client;
}

/** Every client the trigger uses, from the edge's one factory, with the trigger's deadlines. */
export const createTriggerClients = (
  options: {
    env?: Environment;
    timeouts?: Partial<ClientTimeouts>;
    /** Region, endpoint or credentials of the Lambda role's clients; default: the SDK's own resolution. */
    clientOptions?: { region?: string; endpoint?: string; credentials?: ArtifactCredentials };
  } = {},
): TriggerClients => {
  const { region, endpoint, credentials } = options.clientOptions ?? {};
  const factory = createClientFactory({
    deadlines: { ...CLIENT_TIMEOUTS, ...options.timeouts },
    ...(options.env ? { env: options.env } : {}),
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  return {
    sfn: factory.create(SFNClient),
    codePipeline: factory.create(CodePipelineClient),
    secretsManager: factory.create(SecretsManagerClient),
    artifactS3: (artifactCredentials) => factory.s3(artifactS3Sdk().S3Client, { credentials: artifactCredentials }),
  };
};
