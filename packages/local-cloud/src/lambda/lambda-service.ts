import { AwsServiceError, isAwsServiceError, newRequestId } from '../aws-error';
import type { LocalResponse, ServiceHandler } from '../contracts';
import { functionArn } from '../contracts';
import { jsonErrorResponse } from '../json-protocol';
import { functionNameOf, type FunctionRecord, type LocalFunctionRuntime } from './function-runtime';

const JSON_TYPE = 'application/json';
/** Lambda returns at most the last 4 KB of the log in X-Amz-Log-Result. */
const LOG_TAIL_BYTES = 4096;

/** `2026-11-25T11:52:31.000+0000`, Lambda's LastModified format. */
const lambdaTimestamp = (iso: string): string => iso.replace('Z', '+0000');

export function functionConfiguration(record: FunctionRecord): Record<string, unknown> {
  const def = record.definition;
  return {
    FunctionName: def.functionName,
    FunctionArn: record.functionArn,
    Runtime: def.runtime,
    Role: def.role ?? '',
    Handler: def.handler,
    CodeSize: record.codeSize,
    Description: '',
    Timeout: def.timeoutSeconds,
    MemorySize: def.memorySize ?? 128,
    LastModified: lambdaTimestamp(record.lastModified),
    CodeSha256: record.codeSha256,
    Version: '$LATEST',
    Environment: { Variables: def.environment },
    RevisionId: record.revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
  };
}

const jsonResponse = (body: unknown, status = 200): LocalResponse => ({
  status,
  headers: { 'content-type': JSON_TYPE },
  body: JSON.stringify(body),
});

/** REST-JSON front end of the local Lambda: Invoke, GetFunction, GetFunctionConfiguration, ListFunctions. */
export function createLambdaService(
  runtime: LocalFunctionRuntime,
  options: { log?: (line: string) => void } = {},
): ServiceHandler {
  const requireFunction = (identifier: string): FunctionRecord => {
    const record = runtime.getFunction(identifier);
    if (!record)
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Function not found: ${functionArn(functionNameOf(identifier))}`,
        404,
        { Type: 'User' },
      );
    return record;
  };

  return async (request) => {
    const requestId = newRequestId();
    try {
      const segments = request.path
        .split('/')
        .filter((segment) => segment !== '')
        .map((segment) => decodeURIComponent(segment));
      if (segments[0] !== '2015-03-31' || segments[1] !== 'functions') {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local Lambda does not implement ${request.method} ${request.path}`,
          400,
        );
      }
      const identifier = segments[2];
      const action = segments[3];

      if (identifier === undefined && request.method === 'GET') {
        const marker = request.query.get('Marker');
        const maxItems = Math.min(Math.max(Number(request.query.get('MaxItems') ?? 50) || 50, 1), 50);
        const all = runtime.listFunctions();
        const start = marker ? Number(Buffer.from(marker, 'base64').toString('utf8')) || 0 : 0;
        const page = all.slice(start, start + maxItems);
        const next =
          start + maxItems < all.length ? Buffer.from(String(start + maxItems)).toString('base64') : undefined;
        return jsonResponse({ Functions: page.map(functionConfiguration), ...(next ? { NextMarker: next } : {}) });
      }
      if (identifier !== undefined && action === 'invocations' && request.method === 'POST') {
        const record = requireFunction(identifier);
        const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
        const text = request.body.toString('utf8');
        let event: unknown = {};
        if (text.trim() !== '') {
          try {
            event = JSON.parse(text);
          } catch (error) {
            throw new AwsServiceError(
              'InvalidRequestContentException',
              `Could not parse request body into json: ${(error as Error).message}`,
              400,
              { Type: 'User' },
            );
          }
        }
        if (invocationType === 'DryRun') return { status: 204, headers: { 'x-amzn-requestid': requestId } };
        if (invocationType === 'Event') {
          runtime
            .invoke(record.functionArn, event)
            .catch((error: unknown) =>
              options.log?.(`[${record.definition.functionName}] async invocation failed: ${(error as Error).message}`),
            );
          return { status: 202, headers: { 'x-amzn-requestid': requestId } };
        }
        if (invocationType !== 'RequestResponse') {
          throw new AwsServiceError(
            'InvalidParameterValueException',
            `X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, got "${invocationType}"`,
            400,
            { Type: 'User' },
          );
        }
        const result = await runtime.invoke(record.functionArn, event);
        const headers: Record<string, string> = {
          'content-type': JSON_TYPE,
          'x-amzn-requestid': result.requestId,
          'x-amz-executed-version': '$LATEST',
        };
        if (result.functionError) headers['x-amz-function-error'] = result.functionError;
        if (request.headers['x-amz-log-type'] === 'Tail') {
          const logBytes = Buffer.from(result.logs, 'utf8');
          headers['x-amz-log-result'] = logBytes
            .subarray(Math.max(0, logBytes.length - LOG_TAIL_BYTES))
            .toString('base64');
        }
        return { status: result.statusCode, headers, body: result.payload };
      }
      if (identifier !== undefined && action === undefined && request.method === 'GET') {
        const record = requireFunction(identifier);
        return jsonResponse({
          Configuration: functionConfiguration(record),
          Code: {
            RepositoryType: 'S3',
            Location:
              's3Bucket' in record.definition.code
                ? `s3://${record.definition.code.s3Bucket}/${record.definition.code.s3Key}`
                : 'inline',
          },
          Tags: {},
        });
      }
      if (identifier !== undefined && action === 'configuration' && request.method === 'GET') {
        return jsonResponse(functionConfiguration(requireFunction(identifier)));
      }
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local Lambda does not implement ${request.method} ${request.path} (supported: Invoke, GetFunction, GetFunctionConfiguration, ListFunctions)`,
        400,
      );
    } catch (error) {
      if (isAwsServiceError(error)) return jsonErrorResponse(error, JSON_TYPE, requestId);
      throw error;
    }
  };
}
