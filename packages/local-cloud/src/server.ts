import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createAthenaService, type LocalAthena } from './athena';
import { AwsServiceError, isAwsServiceError, newRequestId } from './aws-error';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked';
import { type CloudFormationEngine, createCloudFormationService } from './cloudformation';
import { createCodePipelineService, type JobResultLog } from './codepipeline/job-results';
import type { LocalRequest, LocalResponse, ServiceHandler } from './contracts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './contracts';
import { createGlueService, type GlueJobEngine, type LocalGlue } from './glue';
import { jsonErrorResponse } from './json-protocol';
import { createFunctionRuntime, type LocalFunctionRuntime } from './lambda/function-runtime';
import { createLambdaService } from './lambda/lambda-service';
import { createObjectStore, type LocalObjectStore } from './s3/object-store';
import { createS3Service } from './s3/s3-service';
import { createSecretsManagerService } from './secretsmanager';
import { createStateMachines, type LocalStateMachines } from './stepfunctions/state-machines';
import { createStatesService } from './stepfunctions/states-service';
import { createStsService } from './sts/sts-service';
import { el, xmlDocument } from './xml';

export interface LocalCloudOptions {
  /** Everything persists here: `s3/<bucket>/<key>`, `state/*.json`, `lambda/<function>/<hash>/`. */
  stateDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Step Functions Wait seconds (and Retry intervals) are multiplied by this: 0.01 makes a 30 s Wait take 300 ms. */
  waitScale?: number;
  /** Local engines for Glue job scripts (a job run executes the engine whose `script` matches its ScriptLocation). */
  jobEngines?: readonly GlueJobEngine[];
  log?: (line: string) => void;
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
  /** The services served, by SigV4 signing name (what GET /_glue-cd/health lists). */
  services(): string[];
  /** Adds (or replaces) the front end of a service, keyed by its SigV4 signing name (`cloudformation` …). */
  registerService(service: string, handler: ServiceHandler): void;
  /** AWS_ENDPOINT_URL + region + fake credentials, for SDK clients in this process or in child processes. */
  environment(): Record<string, string>;
  close(): Promise<void>;
}

/** Services whose SDK protocols read XML error bodies (the rest are JSON protocols). */
const XML_PROTOCOL_SERVICES = new Set([
  's3',
  'cloudformation',
  'sts',
  'iam',
  'sqs',
  'sns',
  'ec2',
  'elasticloadbalancing',
  'rds',
]);
const JSON_TARGET_SERVICES: Record<string, string> = {
  AWSStepFunctions: 'states',
  CodePipeline_20150709: 'codepipeline',
  AWSGlue: 'glue',
  AmazonAthena: 'athena',
  secretsmanager: 'secretsmanager',
};

/** Not an AWS API: a liveness probe naming what the cloud serves (no signature needed). */
export const HEALTH_PATH = '/_glue-cd/health';

/**
 * The signing name from the SigV4 credential scope `AKID/<date>/<region>/<service>/aws4_request`
 * (Authorization header, or X-Amz-Credential of a presigned URL). Unsigned JSON requests fall back to X-Amz-Target.
 */
export function serviceOfRequest(headers: Record<string, string>, query: URLSearchParams): string | undefined {
  const scope =
    /Credential=([^,\s]+)/.exec(headers.authorization ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  const service = scope?.split('/')[3];
  if (service) return service;
  const targetPrefix = (headers['x-amz-target'] ?? '').split('.')[0] ?? '';
  return JSON_TARGET_SERVICES[targetPrefix];
}

function errorForService(service: string | undefined, error: AwsServiceError): LocalResponse {
  if (service !== undefined && XML_PROTOCOL_SERVICES.has(service)) {
    const requestId = newRequestId();
    const body =
      service === 's3'
        ? el('Error', el('Code', error.code), el('Message', error.message), el('RequestId', requestId))
        : el(
            'ErrorResponse',
            el('Error', el('Type', 'Sender'), el('Code', error.code), el('Message', error.message)),
            el('RequestId', requestId),
          );
    return {
      status: error.statusCode,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: xmlDocument(body),
    };
  }
  return jsonErrorResponse(error, 'application/json');
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

function toLocalRequest(request: IncomingMessage, body: Buffer): LocalRequest {
  // Not `new URL()`: it would resolve `..` segments, and S3 keys such as `a/../b` must reach the service verbatim.
  const target = request.url ?? '/';
  const questionMark = target.indexOf('?');
  const rawPath = questionMark < 0 ? target : target.slice(0, questionMark);
  const query = new URLSearchParams(questionMark < 0 ? '' : target.slice(questionMark + 1));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    query,
    headers,
    body,
  };
}

/** Every service of the cloud over one state folder (reading the state each persisted). */
const createLocalServices = (
  stateDir: string,
  endpoint: string,
  options: LocalCloudOptions,
  log: (line: string) => void,
) => {
  const objects = createObjectStore(stateDir);
  const functions = createFunctionRuntime({ stateDir, objects, endpoint: () => endpoint, log });
  const stateMachines = createStateMachines({ stateDir, functions, waitScale: options.waitScale ?? 0.01, log });
  const codePipeline = createCodePipelineService(stateDir);
  const glue = createGlueService({ stateDir, objects, jobEngines: options.jobEngines ?? [], log });
  const athena = createAthenaService({ stateDir, objects, catalog: glue.catalog, log });
  const secretsManager = createSecretsManagerService({ stateDir });
  const cloudFormation = createCloudFormationService({
    stateDir,
    objects,
    functions,
    stateMachines,
    glue: glue.client,
    athena: athena.client,
    secretsManager: secretsManager.client,
  });

  const services = new Map<string, ServiceHandler>([
    ['s3', createS3Service(objects)],
    ['lambda', createLambdaService(functions, { log })],
    ['states', createStatesService(stateMachines)],
    ['codepipeline', codePipeline.handle],
    ['cloudformation', cloudFormation.handle],
    ['glue', glue.handle],
    ['athena', athena.handle],
    ['sts', createStsService()],
    ['secretsmanager', secretsManager.handle],
  ]);
  const serviceNames = (): string[] => [...services.keys()].sort();
  return {
    objects,
    functions,
    stateMachines,
    codePipeline,
    glue,
    athena,
    secretsManager,
    cloudFormation,
    services,
    serviceNames,
  };
};

type LocalServices = ReturnType<typeof createLocalServices>;

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const stateDir = path.resolve(options.stateDir);
  mkdirSync(path.join(stateDir, 'state'), { recursive: true });
  const log = options.log ?? ((): void => undefined);
  // The port is taken before any state is read: a second cloud on a busy port must not touch the first one's state.
  const router: { handle?: (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void> } = {};
  const server = createServer((incoming, outgoing) => {
    if (!router.handle) {
      outgoing.statusCode = 503;
      outgoing.end();
      return;
    }
    router.handle(incoming, outgoing).catch((error: unknown) => {
      log(`[local-cloud] request failed: ${(error as Error).stack ?? String(error)}`);
      if (!outgoing.headersSent) outgoing.statusCode = 500;
      outgoing.end();
    });
  });
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
    built = createLocalServices(stateDir, endpoint, options, log);
  } catch (error) {
    // State that cannot be read: give the port back before failing.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  const { objects, functions, stateMachines, codePipeline, glue, athena, cloudFormation, services, serviceNames } =
    built;

  router.handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    let service: string | undefined;
    let response: LocalResponse;
    const raw = await readBody(incoming);
    const request = toLocalRequest(incoming, raw);
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
    try {
      service = serviceOfRequest(request.headers, request.query);
      if (service === undefined) {
        throw new AwsServiceError(
          'MissingAuthenticationToken',
          `The local cloud routes requests by the service in the SigV4 credential scope (Authorization: ... Credential=AKID/<date>/${LOCAL_REGION}/<service>/aws4_request); ${request.method} ${request.path} carried none`,
          403,
        );
      }
      const handler = services.get(service);
      if (!handler) {
        throw new AwsServiceError(
          'UnsupportedService',
          `The local cloud does not serve "${service}" (it serves: ${serviceNames().join(', ')})`,
          400,
        );
      }
      if (service === 's3' && isAwsChunked(request.headers)) {
        request.body = decodeAwsChunked(raw, request.headers).payload;
        log(
          `[local-cloud] s3 ${request.method} ${request.path}: decoded aws-chunked body (${raw.length} → ${request.body.length} bytes)`,
        );
      }
      response = await handler(request);
    } catch (error) {
      if (isAwsServiceError(error)) response = errorForService(service, error);
      else {
        log(
          `[local-cloud] ${service ?? '?'} ${request.method} ${request.path} failed: ${(error as Error).stack ?? String(error)}`,
        );
        response = errorForService(
          service,
          new AwsServiceError(
            'InternalFailure',
            `The local ${service ?? 'cloud'} failed: ${(error as Error).message}`,
            500,
          ),
        );
      }
    }
    log(
      `[local-cloud] ${service ?? '?'} ${request.method} ${request.path}${request.headers['x-amz-target'] ? ` ${request.headers['x-amz-target']}` : ''} → ${response.status}`,
    );
    outgoing.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers ?? {})) outgoing.setHeader(name, value);
    if (request.method === 'HEAD' || response.body === undefined) {
      outgoing.end();
      return;
    }
    const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : Buffer.from(response.body);
    outgoing.setHeader('content-length', String(body.length));
    outgoing.end(body);
  };

  log(`[local-cloud] listening on ${endpoint} (state in ${stateDir})`);

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
    services: serviceNames,
    registerService(service, handler) {
      services.set(service, handler);
    },
    environment() {
      return {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: 'LOCALCLOUDACCESSKEY',
        AWS_SECRET_ACCESS_KEY: 'local-cloud-secret-access-key',
      };
    },
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
    },
  };
}
