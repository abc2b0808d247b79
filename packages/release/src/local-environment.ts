import {
  startLocalCloud,
  type StackResourceView,
  type FaultInjector,
  type JobResult,
  type LocalCloud,
  type LocalJobData,
} from '@glue-cd/local-cloud';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { type CloudCredentials, makeCloudClients, type CloudClients } from './clients';
import { PROJECT_JOB_ENGINES } from './job-engines';
import { releaseRegion } from './release-packagings';

/** What the release's actions need of a local cloud, in this process or a separate `pnpm cloud`. */
export interface CloudConnection {
  endpoint: string;
  /** AWS_ENDPOINT_URL, region and credentials: the environment of the builds (the service role's). */
  environment(): Record<string, string>;
  /** CodePipeline's own part of a job: create it before invoking the worker, then read what the worker reported. */
  createJob(jobId: string, data: LocalJobData): Promise<void>;
  jobResult(jobId: string): Promise<JobResult | undefined>;
}

/** The local cloud the release runs on and SDK clients pointed at it. */
export interface ReleaseTarget {
  connection: CloudConnection;
  /** Clients signed with the operator's key (the account root), as an operator's `sls deploy` is. */
  clients: CloudClients;
  /**
   * The artifact credentials CodePipeline hands its job workers when the pipeline stack's role is not at hand (a
   * pipeline that is not deployed, a running `pnpm cloud`): the operator's key. With the deployed stack the
   * pipeline role's key is used (ActionEnvironment.roles).
   */
  artifactCredentials: CloudCredentials;
  /**
   * The key the cloud issued to a role and the environment of code running as it (`cloud.credentialsForRole`,
   * `cloud.environmentForRole`): what the pipeline stack's roles act with. A cloud in this process only.
   */
  roleKeys?(roleArn: string): { credentials: CloudCredentials; environment: Record<string, string> };
  /** A live stack's resources with their resolved properties, as the local CloudFormation recorded them. */
  stackResources?(stackName: string): StackResourceView[];
  /**
   * Resolves when a Step Functions execution has ended (at once when it already has): a cloud in this process only,
   * where CodePipeline's re-invoke of a polling job waits for it instead of a fixed delay.
   */
  executionEnded?(executionArn: string): Promise<void>;
  /**
   * Initializes up to `count` execution environments of a function before its invocations (the local Lambda's
   * `functions.prewarm`); how many initialized. A cloud in this process only.
   */
  prewarm?(functionName: string, count: number): Promise<number>;
  /** Loads the local CloudFormation's lazy indexes ahead of the first stack operation (a cloud in this process). */
  warmUp?(): void;
  /** A deployed state machine's definition (ASL JSON), when this cloud runs in the process. */
  stateMachineDefinition?(stateMachineArn: string): string | undefined;
  close(): Promise<void>;
}

/** A local cloud started in this process (every service, the project's Glue job engines). */
export interface ReleaseCloud extends ReleaseTarget {
  cloud: LocalCloud;
  cloudFormation: LocalCloud['cloudFormation'];
}

export const startReleaseCloud = async (options: {
  stateDir: string;
  port?: number;
  waitScale?: number;
  /** The local CloudFormation's pause per status step (LocalCloudOptions.stackStepMs; default 20 ms). */
  stackStepMs?: number;
  log?: (line: string) => void;
  /** Fault injection for the fault suite (`pnpm faults`); off by default. */
  faults?: FaultInjector;
}): Promise<ReleaseCloud> => {
  const cloud = await startLocalCloud({
    stateDir: options.stateDir,
    port: options.port ?? 0,
    jobEngines: PROJECT_JOB_ENGINES,
    ...(options.waitScale !== undefined ? { waitScale: options.waitScale } : {}),
    ...(options.stackStepMs !== undefined ? { stackStepMs: options.stackStepMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const environment = cloud.environment();
  const operator = { accessKeyId: environment.AWS_ACCESS_KEY_ID!, secretAccessKey: environment.AWS_SECRET_ACCESS_KEY! };
  return {
    cloud,
    cloudFormation: cloud.cloudFormation,
    connection: {
      endpoint: cloud.endpoint,
      environment: () => cloud.environment(),
      createJob: async (jobId, data) => cloud.jobResults.createJob(jobId, data),
      jobResult: async (jobId) => cloud.jobResults.get(jobId),
    },
    clients: makeCloudClients(cloud.endpoint, operator),
    artifactCredentials: operator,
    roleKeys: (roleArn) => ({
      credentials: cloud.credentialsForRole(roleArn),
      environment: cloud.environmentForRole(roleArn),
    }),
    stackResources: (stackName) => cloud.cloudFormation.stackResources(stackName),
    executionEnded: async (executionArn) => {
      await cloud.stateMachines.waitForExecution(executionArn);
    },
    prewarm: (functionName, count) => cloud.functions.prewarm(functionName, count),
    warmUp: () => cloud.cloudFormation.warmUp(),
    stateMachineDefinition: (arn) => cloud.stateMachines.getStateMachine(arn)?.definition,
    close: () => cloud.close(),
  };
};

export class CloudConnectionError extends Error {
  override name = 'CloudConnectionError';
}

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/**
 * An already running `pnpm cloud` at `endpoint`, with the credentials it printed (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, optionally AWS_SESSION_TOKEN, from `env`). Closing it leaves the cloud running.
 */
export const connectReleaseCloud = async (endpoint: string, env: NodeJS.ProcessEnv): Promise<ReleaseTarget> => {
  const missing = CREDENTIAL_VARIABLES.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new CloudConnectionError(
      `--endpoint ${endpoint}: ${missing.join(' and ')} not set; paste the export lines \`pnpm cloud\` printed`,
    );
  }
  const region = releaseRegion(endpoint, env);
  const credentials = {
    accessKeyId: env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
  const signer = new SignatureV4({ service: 'codepipeline', region, credentials, sha256: Hash.bind(null, 'sha256') });
  // CodePipeline's internals are not an AWS API: the local cloud's LocalCreateJob / LocalGetJobResult operations.
  const codePipeline = async (operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const url = new URL(endpoint);
    const body = JSON.stringify(input);
    // Signed with the connected key like every call: the cloud verifies it and lets only its operator (root) in.
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `CodePipeline_20150709.${operation}`,
        },
        body,
      }),
    );
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
    } catch (error) {
      throw new CloudConnectionError(`${endpoint} does not answer (is \`pnpm cloud\` running?): ${String(error)}`);
    }
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      throw new CloudConnectionError(
        `${endpoint} ${operation}: ${String(answer.__type ?? response.status)}: ${String(answer.message ?? answer.Message ?? '')}`,
      );
    }
    return answer;
  };
  const clients = makeCloudClients(endpoint, credentials);
  // Fails early, naming the endpoint, when nothing (or not a local cloud) listens there.
  await codePipeline('LocalGetJobResult', { jobId: '00000000-0000-0000-0000-000000000000' });
  return {
    connection: {
      endpoint,
      environment: () => ({
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
      }),
      createJob: async (jobId, data) => {
        await codePipeline('LocalCreateJob', { jobId, data });
      },
      jobResult: async (jobId) => (await codePipeline('LocalGetJobResult', { jobId })).result as JobResult | undefined,
    },
    clients,
    // A running cloud hands out no role keys: the connected (operator's) key stands in for the pipeline role's.
    artifactCredentials: credentials,
    close: async () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
};
