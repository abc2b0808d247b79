import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { PipelineJob } from '@glue-cd/core';

export type ArtifactCredentials = PipelineJob['artifactCredentials'];

export interface ClientTimeouts {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
}

/** Per-request limits of every trigger client: a hung call fails in seconds, well inside the Lambda's 30 s. */
export const CLIENT_TIMEOUTS: Readonly<ClientTimeouts> = {
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  maxAttempts: 3,
};

type Environment = Record<string, string | undefined>;

/** The shared SDK settings: timeouts that throw (the SDK only warns unless told to), bounded retries. */
export const clientConfig = (timeouts: Partial<ClientTimeouts> = {}) => {
  const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = { ...CLIENT_TIMEOUTS, ...timeouts };
  return {
    maxAttempts,
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
};

/** A custom endpoint (the local cloud on 127.0.0.1) has no bucket sub-domains: address buckets by path there. */
export const s3PathStyle = (env: Environment = process.env): boolean =>
  Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);

export interface TriggerClients {
  sfn: SFNClient;
  codePipeline: CodePipelineClient;
  secretsManager: SecretsManagerClient;
  /** The S3 client for artifacts: static credentials from the job, never the Lambda role's. */
  artifactS3: (credentials: ArtifactCredentials) => S3Client;
}

/** Every client the trigger uses, built in one place with the same timeouts. */
export const createTriggerClients = (
  options: {
    env?: Environment;
    timeouts?: Partial<ClientTimeouts>;
    /** Region, endpoint or credentials of the Lambda role's clients; default: the SDK's own resolution. */
    clientOptions?: { region?: string; endpoint?: string; credentials?: ArtifactCredentials };
  } = {},
): TriggerClients => {
  const config = { ...clientConfig(options.timeouts), ...options.clientOptions };
  const forcePathStyle = s3PathStyle(options.env);
  return {
    sfn: new SFNClient(config),
    codePipeline: new CodePipelineClient(config),
    secretsManager: new SecretsManagerClient(config),
    artifactS3: (credentials) =>
      new S3Client({
        ...config,
        forcePathStyle: forcePathStyle || options.clientOptions?.endpoint !== undefined,
        credentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        },
      }),
  };
};
