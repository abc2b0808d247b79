import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createAthenaService, type LocalAthena } from './athena';
import { type AccessKey, CredentialStore } from './auth/credentials';
import { type CloudFormationEngine, createCloudFormationService } from './cloudformation';
import { createCodePipelineService, type JobResultLog } from './codepipeline/job-results';
import type { AuthorizeHook, ServiceHandler } from './contracts';
import type { FaultInjector } from './faults';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './contracts';
import { createGlueService, type GlueJobEngine, type LocalGlue } from './glue';
import { createFunctionRuntime, type LocalFunctionRuntime } from './lambda/function-runtime';
import { createLambdaService } from './lambda/lambda-service';
import { type LogSink, logLine, silentLog } from './log';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, readBody, routeRequest, toLocalRequest } from './router';
import { createObjectStore, type LocalObjectStore } from './s3/object-store';
import { createS3Service } from './s3/s3-service';
import { createSecretsManagerService } from './secretsmanager';
import { createStateMachines, type LocalStateMachines } from './stepfunctions/state-machines';
import { createStatesService } from './stepfunctions/states-service';
import { createStsService } from './sts/sts-service';
import { createIamEnforcer, type IamEnforcer, type IamMode } from './iam/enforcer';
import type { AuthorizeAs } from './iam/service-principals';
import { acquireFolderLock, FolderLockError, type HeldFolderLock } from './folder-lock';

export { serviceOfRequest } from './router';

/** Not an AWS API: a liveness probe naming what the cloud serves (no signature needed). */
export const HEALTH_PATH = '/_glue-cd/health';

/** The lock a running cloud holds on its state folder (a directory naming the holder's pid, host and start). */
export const STATE_LOCK = '.lock';

/** One cloud per state folder: a second one is refused, naming the process that holds it. */
export class StateFolderBusyError extends Error {
  override name = 'StateFolderBusyError';
}

export interface LocalCloudOptions {
  /** Everything persists here: `s3/<bucket>/<key>`, `state/*.json`, `lambda/<function>/<hash>/`. */
  stateDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Step Functions Wait seconds (and Retry intervals) are multiplied by this: 0.01 makes a 30 s Wait take 300 ms. */
  waitScale?: number;
  /**
   * CloudFormation's pause between the status steps of a stack operation or change set, per resource (default 20 ms,
   * so that a poller sees the IN_PROGRESS statuses). Only pacing: every status and event is recorded whatever it is.
   */
  stackStepMs?: number;
  /** Days a closed Step Functions execution is kept before it is pruned (AWS: 90). */
  executionRetentionDays?: number;
  /** Larger request bodies are refused with 413 RequestEntityTooLarge (default 128 MiB). */
  maxRequestBodyBytes?: number;
  /** Sees every decoded call (service, operation, input, principal) after IAM, and may refuse it (AwsServiceError). */
  authorize?: AuthorizeHook;
  /**
   * `enforce` (the default): every call a role's key signs, and what the cloud does in-process as a role, is judged by
   * IAM against the policies the local CloudFormation declared. `off` is for unit tests of other layers only.
   */
  iam?: IamMode;
  /** Local engines for Glue job scripts (a job run executes the engine whose `script` matches its ScriptLocation). */
  jobEngines?: readonly GlueJobEngine[];
  /** The one log sink of every service (default: silent). */
  log?: LogSink;
  /**
   * Fault injection (src/faults.ts, `pnpm faults`): errors, delays, dropped answers and kills for matching calls,
   * crashes and timeouts for Lambda invocations. Off by default.
   */
  faults?: FaultInjector;
  /** Changes per DescribeChangeSet page (default 100, as AWS): smaller pages let a test page a small change set. */
  changeSetPageSize?: number;
}

export interface LocalCloud {
  endpoint: string;
  port: number;
  stateDir: string;
  objects: LocalObjectStore;
  functions: LocalFunctionRuntime;
  stateMachines: LocalStateMachines;
  jobResults: JobResultLog;
  cloudFormation: CloudFormationEngine;
  glue: LocalGlue;
  athena: LocalAthena;
  /** The cloud's log sink: hand it to services registered later. */
  log: LogSink;
  /** The services served, by SigV4 signing name (what GET /_glue-cd/health lists). */
  services(): string[];
  /** Adds (or replaces) the front end of a service, keyed by its SigV4 signing name (`cloudformation` …). */
  registerService(service: string, handler: ServiceHandler): void;
  /**
   * AWS_ENDPOINT_URL + region + the operator's access key (the account root), for SDK clients in this process or in
   * child processes.
   */
  environment(): Record<string, string>;
  /** The same variables with the access key issued to `roleArn`: what code running as that role gets. */
  environmentForRole(roleArn: string): Record<string, string>;
  /** The key issued to `roleArn` (created on first use, the same after a restart). */
  credentialsForRole(roleArn: string): AccessKey;
  close(): Promise<void>;
}

/** Every service of the cloud over one state folder (reading the state each persisted). */
const createLocalServices = (
  stateDir: string,
  endpoint: string,
  options: LocalCloudOptions,
  log: LogSink,
  credentials: CredentialStore,
  iam: { current?: IamEnforcer },
) => {
  const objects = createObjectStore(stateDir);
  const functions = createFunctionRuntime({
    stateDir,
    objects,
    endpoint: () => endpoint,
    credentialsForRole: (roleArn) => credentials.forRole(roleArn),
    log,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const stateMachines = createStateMachines({
    stateDir,
    functions,
    waitScale: options.waitScale ?? 0.01,
    ...(options.executionRetentionDays === undefined ? {} : { executionRetentionDays: options.executionRetentionDays }),
    authorizeInvoke: async (roleArn, arn) =>
      iam.current?.require(
        { kind: 'role', arn: roleArn },
        [{ action: 'lambda:InvokeFunction', resource: arn }],
        'lambda',
      ),
    log,
  });
  const codePipeline = createCodePipelineService(stateDir, { log });
  // Crawls, job runs and queries act as their roles (src/iam/service-principals.ts).
  const authorizeAs: AuthorizeAs = async (actor, requests, service) => iam.current?.require(actor, requests, service);
  const glue = createGlueService({ stateDir, objects, jobEngines: options.jobEngines ?? [], authorizeAs, log });
  const athena = createAthenaService({ stateDir, objects, catalog: glue.catalog, authorizeAs, log });
  const secretsManager = createSecretsManagerService({ stateDir });
  const cloudFormation = createCloudFormationService({
    stateDir,
    objects,
    functions,
    stateMachines,
    glue: glue.client,
    athena: athena.client,
    secretsManager: secretsManager.client,
    authorizeAs: async (roleArn, requests, service) =>
      iam.current?.require({ kind: 'role', arn: roleArn }, requests, service),
    log,
    ...(options.changeSetPageSize === undefined ? {} : { changeSetPageSize: options.changeSetPageSize }),
    ...(options.stackStepMs === undefined ? {} : { stepDelayMs: options.stackStepMs }),
  });

  const services = new Map<string, ServiceHandler>([
    ['s3', createS3Service(objects)],
    ['lambda', createLambdaService(functions, { log })],
    ['states', createStatesService(stateMachines, { log })],
    ['codepipeline', codePipeline.handle],
    ['cloudformation', cloudFormation.handle],
    ['glue', glue.handle],
    ['athena', athena.handle],
    ['sts', createStsService()],
    ['secretsmanager', secretsManager.handle],
  ]);
  const serviceNames = (): string[] => [...services.keys()].sort();
  if ((options.iam ?? 'enforce') === 'enforce') {
    iam.current = createIamEnforcer({
      resources: () =>
        cloudFormation.engine.api.store.stacks
          .filter((stack) => stack.status !== 'DELETE_COMPLETE')
          .flatMap((stack) => Object.values(stack.resources))
          .filter(
            (resource) => resource.physicalId !== '' && !/^(DELETE_COMPLETE|CREATE_FAILED)$/.test(resource.status),
          ),
      lookups: {
        stackOfChangeSet: (arn) =>
          cloudFormation.engine.api.store.changeSets.find((changeSet) => changeSet.changeSetId === arn)?.stackName,
        workGroupOfQuery: (id) => {
          try {
            return athena.queries.get(id).WorkGroup;
          } catch {
            return undefined;
          }
        },
        secretArn: (id) => secretsManager.arnOf(id),
      },
      log,
    });
  }
  return { objects, functions, stateMachines, codePipeline, glue, athena, cloudFormation, services, serviceNames };
};

type LocalServices = ReturnType<typeof createLocalServices>;

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const stateDir = path.resolve(options.stateDir);
  // The state holds the cloud's keys and secrets: the folder is the owner's only (0700), its files 0600.
  mkdirSync(path.join(stateDir, 'state'), { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  chmodSync(path.join(stateDir, 'state'), 0o700);
  const lock = await lockStateFolder(stateDir);
  try {
    return await startOnLockedFolder(stateDir, options, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

const lockStateFolder = async (stateDir: string): Promise<HeldFolderLock> => {
  try {
    return await acquireFolderLock(path.join(stateDir, STATE_LOCK), { timeoutMs: 0, what: 'local cloud' });
  } catch (error) {
    if (!(error instanceof FolderLockError)) throw error;
    throw new StateFolderBusyError(
      `Another local cloud uses the state folder ${stateDir}: ${error.message}. Stop it, or start this one with another state folder (--state-dir).`,
    );
  }
};

async function startOnLockedFolder(
  stateDir: string,
  options: LocalCloudOptions,
  lock: HeldFolderLock,
): Promise<LocalCloud> {
  const credentials = new CredentialStore(stateDir);
  const iam: { current?: IamEnforcer } = {};
  const log = options.log ?? silentLog;
  const maxRequestBodyBytes = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
  // The port is taken before any state is read: a second cloud on a busy port must not touch the first one's state.
  const router: { handle?: (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void> } = {};
  const server = createServer((incoming, outgoing) => {
    if (!router.handle) {
      outgoing.statusCode = 503;
      outgoing.end();
      return;
    }
    router.handle(incoming, outgoing).catch((error: unknown) => {
      logLine(log, 'local-cloud', 'request failed', { error: (error as Error)?.stack ?? String(error) });
      if (!outgoing.headersSent) outgoing.statusCode = 500;
      outgoing.end();
    });
  });
  // As AWS endpoints do, keep idle connections longer than Node's 5 s: the SDK reuses them, and a socket the server
  // closes just as a client sends on it is an ECONNRESET the caller sees.
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}`;

  let built: LocalServices;
  try {
    built = createLocalServices(stateDir, endpoint, options, log, credentials, iam);
  } catch (error) {
    // State that cannot be read: give the port back before failing.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  const { objects, functions, stateMachines, codePipeline, glue, athena, cloudFormation, services, serviceNames } =
    built;

  const { faults } = options;
  router.handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    // A cloud an injected kill "killed" answers nothing, as a dead process would.
    if (faults?.killed) {
      incoming.socket.destroy();
      return;
    }
    const { body, tooLarge } = await readBody(incoming, maxRequestBodyBytes);
    const request = toLocalRequest(incoming, body);
    if (request.method === 'GET' && request.path === HEALTH_PATH) {
      outgoing.statusCode = 200;
      outgoing.setHeader('content-type', 'application/json');
      outgoing.end(
        JSON.stringify({
          status: 'ok',
          endpoint,
          region: LOCAL_REGION,
          account: LOCAL_ACCOUNT_ID,
          stateDir,
          services: serviceNames(),
        }),
      );
      return;
    }
    const response = await routeRequest(request, {
      services,
      log,
      maxRequestBodyBytes,
      credentials,
      ...(tooLarge === undefined ? {} : { tooLarge }),
      authorize: async (call) => {
        await iam.current?.authorize(call);
        await options.authorize?.(call);
      },
      ...(faults ? { faults } : {}),
    });
    const target = request.headers['x-amz-target'];
    const afterwards = request.context?.afterwards;
    if (afterwards !== undefined) {
      // The call executed and its answer is lost (with `kill` the process dies here); with `crash-caller` its caller dies.
      logLine(
        log,
        'local-cloud',
        `fault: ${request.context?.service} ${request.method} ${request.path} → ${afterwards}`,
      );
      if (afterwards === 'kill') faults?.killNow();
      if (afterwards === 'crash-caller') {
        const killed = functions.crashInvocationsOf(request.context?.principal.accessKeyId ?? '');
        logLine(log, 'local-cloud', `fault: ${killed} running Lambda invocation(s) of the caller killed`);
      }
      incoming.socket.destroy();
      return;
    }
    logLine(
      log,
      'local-cloud',
      `${request.context?.service || '?'} ${request.method} ${request.path}${target ? ` ${target}` : ''} → ${response.status}`,
    );
    outgoing.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers ?? {})) outgoing.setHeader(name, value);
    if (request.method === 'HEAD' || response.body === undefined) {
      outgoing.end();
      return;
    }
    const payload = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : Buffer.from(response.body);
    outgoing.setHeader('content-length', String(payload.length));
    outgoing.end(payload);
  };
  logLine(log, 'local-cloud', `listening on ${endpoint} (state in ${stateDir})`);

  return {
    endpoint,
    port,
    stateDir,
    objects,
    functions,
    stateMachines,
    jobResults: codePipeline.jobResults,
    cloudFormation: cloudFormation.engine,
    glue,
    athena,
    log,
    services: serviceNames,
    registerService(service, handler) {
      services.set(service, handler);
    },
    environment: () => cloudEnvironment(endpoint, credentials.operator()),
    environmentForRole: (roleArn) => cloudEnvironment(endpoint, credentials.forRole(roleArn)),
    credentialsForRole: (roleArn) => credentials.forRole(roleArn),
    // Stack operations finish first (they call the other services), then runs and queries end, then the rest.
    async close() {
      await cloudFormation.engine.waitForIdle();
      await Promise.all([glue.close(), athena.close()]);
      await stateMachines.close();
      await functions.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await lock.release();
    },
  };
}

/** The variables an SDK client (or the AWS CLI) needs to reach the cloud as the holder of `key`. */
export const cloudEnvironment = (endpoint: string, key: AccessKey): Record<string, string> => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: key.accessKeyId,
  AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
});
