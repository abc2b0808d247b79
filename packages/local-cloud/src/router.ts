import type { IncomingMessage } from 'node:http';
import { AwsServiceError, asAwsServiceError, newRequestId } from './aws-error';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked';
import type { CredentialStore } from './auth/credentials';
import { verifySignature } from './auth/sigv4';
import type { AuthorizeHook, LocalRequest, LocalResponse, Principal, ServiceHandler } from './contracts';
import { LOCAL_REGION } from './contracts';
import type { FaultInjector } from './faults';
import { type LogSink, logLine } from './log';
import { errorResponse, protocolOfRequest } from './protocols/errors';

/** Big enough for a 50 MB Lambda package as a base64 JSON body, or streamed to S3 with aws-chunked framing. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 128 * 1024 * 1024;

const JSON_TARGET_SERVICES: Record<string, string> = {
  AWSStepFunctions: 'states',
  CodePipeline_20150709: 'codepipeline',
  AWSGlue: 'glue',
  AmazonAthena: 'athena',
  secretsmanager: 'secretsmanager',
};

const credentialScope = (headers: Record<string, string>, query: URLSearchParams): string | undefined =>
  /Credential=([^,\s]+)/.exec(headers.authorization ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? undefined;

/**
 * The signing name from the SigV4 credential scope `AKID/<date>/<region>/<service>/aws4_request`
 * (Authorization header, or X-Amz-Credential of a presigned URL). Unsigned JSON requests fall back to X-Amz-Target.
 */
export function serviceOfRequest(headers: Record<string, string>, query: URLSearchParams): string | undefined {
  const service = credentialScope(headers, query)?.split('/')[3];
  if (service) return service;
  const targetPrefix = (headers['x-amz-target'] ?? '').split('.')[0] ?? '';
  return JSON_TARGET_SERVICES[targetPrefix];
}

/** The access key id of the credential scope, before its signature is verified. */
export const principalOfRequest = (headers: Record<string, string>, query: URLSearchParams): Principal => {
  const accessKeyId = credentialScope(headers, query)?.split('/')[0];
  return accessKeyId ? { accessKeyId } : {};
};

/** Reads the body up to the limit; past it the rest is drained (not kept) and the request answered 413. */
export const readBody = (request: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge?: number }> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(size > limit ? { body: Buffer.alloc(0), tooLarge: size } : { body: Buffer.concat(chunks) }),
    );
    request.on('error', reject);
  });

export function toLocalRequest(request: IncomingMessage, body: Buffer): LocalRequest {
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

export interface RouterOptions {
  services: ReadonlyMap<string, ServiceHandler>;
  log: LogSink;
  maxRequestBodyBytes: number;
  /** Called with every decoded service call (operation, input, principal): where IAM enforcement plugs in. */
  authorize?: AuthorizeHook;
  /** The keys the cloud issued: every request's SigV4 signature is verified against them. */
  credentials: CredentialStore;
  /** Fault injection (`pnpm faults`); absent, requests pay nothing for it. */
  faults?: FaultInjector;
}

/**
 * Routes one HTTP request to its service by the SigV4 scope: the request gets its context (request id, principal,
 * the authorize hook), `aws-chunked` S3 bodies are decoded, and every failure becomes an AWS error in the protocol
 * the caller speaks.
 */
export async function routeRequest(
  request: LocalRequest,
  options: RouterOptions & { tooLarge?: number },
): Promise<LocalResponse> {
  const service = serviceOfRequest(request.headers, request.query);
  const requestId = newRequestId();
  const principal = principalOfRequest(request.headers, request.query);
  request.context = {
    requestId,
    service: service ?? '',
    principal,
    authorize: async (operation, input) => {
      if (service !== undefined) await options.authorize?.({ service, operation, input, principal });
    },
  };
  const { faults } = options;
  if (faults && service !== undefined) {
    const context = request.context;
    context.injectFault = async (operation, input) => {
      const outcome = await faults.beforeCall(service, operation, input);
      if (outcome === 'drop-after') context.afterwards = 'drop';
      if (outcome === 'kill-after') context.afterwards = 'kill';
      if (outcome === 'crash-caller') {
        context.afterwards = 'crash-caller';
        // Never executes: the server kills the caller and answers nothing.
        throw new AwsServiceError(
          'InternalFailure',
          `Injected fault: the caller of ${service}:${operation} crashed`,
          500,
        );
      }
    };
  }
  try {
    if (options.tooLarge !== undefined) {
      throw new AwsServiceError(
        'RequestEntityTooLarge',
        `The request body of ${options.tooLarge} bytes exceeds the local cloud's limit of ${options.maxRequestBodyBytes} bytes (maxRequestBodyBytes)`,
        413,
      );
    }
    if (service === undefined) {
      throw new AwsServiceError(
        'MissingAuthenticationToken',
        `The local cloud routes requests by the service in the SigV4 credential scope (Authorization: ... Credential=AKID/<date>/${LOCAL_REGION}/<service>/aws4_request); ${request.method} ${request.path} carried none`,
        403,
      );
    }
    const identity = verifySignature(request, protocolOfRequest(request, service), options.credentials);
    Object.assign(principal, { arn: identity.arn, kind: identity.kind });
    // A presigned URL's signature parameters are authentication, not operation input.
    for (const name of [...request.query.keys()]) if (/^x-amz-/i.test(name)) request.query.delete(name);
    const handler = options.services.get(service);
    if (!handler) {
      throw new AwsServiceError(
        'UnsupportedService',
        `The local cloud does not serve "${service}" (it serves: ${[...options.services.keys()].sort().join(', ')})`,
        400,
      );
    }
    if (service === 's3' && isAwsChunked(request.headers)) {
      const raw = request.body;
      request.body = decodeAwsChunked(raw, request.headers).payload;
      logLine(
        options.log,
        'local-cloud',
        `s3 ${request.method} ${request.path}: decoded aws-chunked body (${raw.length} → ${request.body.length} bytes)`,
      );
    }
    return await handler(request);
  } catch (error) {
    const failure = asAwsServiceError(error, `The local ${service ?? 'cloud'}`);
    if (failure !== error) {
      logLine(options.log, 'local-cloud', `${service ?? '?'} ${request.method} ${request.path} failed`, {
        error: (error as Error)?.stack ?? String(error),
      });
    }
    return errorResponse(protocolOfRequest(request, service), failure, requestId, request.method);
  }
}
