import * as lambdaModel from '@aws-sdk/client-lambda';
import { AwsServiceError } from '../aws-error';
import type { ServiceHandler } from '../contracts';
import { functionArn } from '../contracts';
import { type LogSink, logLine } from '../log';
import { createRestJsonService } from '../protocols/rest-json';
import { functionNameOf, type FunctionRecord, type LocalFunctionRuntime } from './function-runtime';
import { memorySizeOf } from './invocation';

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
    MemorySize: memorySizeOf(def),
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

const invocationTypeError = (invocationType: string): AwsServiceError =>
  new AwsServiceError(
    'InvalidParameterValueException',
    `X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, got "${invocationType}"`,
    400,
    { Type: 'User' },
  );

/** The invocation event: the JSON payload (Lambda refuses one that is not JSON). */
const eventOf = (payload: unknown): unknown => {
  const text = payload instanceof Uint8Array ? Buffer.from(payload).toString('utf8') : '';
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AwsServiceError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${(error as Error).message}`,
      400,
      { Type: 'User' },
    );
  }
};

/** REST-JSON front end of the local Lambda: Invoke, GetFunction, GetFunctionConfiguration, ListFunctions. */
export function createLambdaService(runtime: LocalFunctionRuntime, options: { log?: LogSink } = {}): ServiceHandler {
  const requireFunction = (identifier: unknown): FunctionRecord => {
    const name = String(identifier ?? '');
    const record = runtime.getFunction(name);
    if (!record)
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Function not found: ${functionArn(functionNameOf(name))}`,
        404,
        { Type: 'User' },
      );
    return record;
  };

  return createRestJsonService({
    serviceName: 'Lambda',
    model: lambdaModel,
    ...(options.log ? { log: options.log } : {}),
    operations: {
      async Invoke(input, call) {
        const record = requireFunction(input.FunctionName);
        const invocationType = String(input.InvocationType ?? 'RequestResponse');
        const event = eventOf(input.Payload);
        if (invocationType === 'DryRun') return { StatusCode: 204 };
        if (invocationType === 'Event') {
          runtime.invoke(record.functionArn, event).catch((error: unknown) => {
            if (options.log)
              logLine(
                options.log,
                record.definition.functionName,
                `async invocation failed: ${(error as Error).message}`,
              );
          });
          return { StatusCode: 202 };
        }
        if (invocationType !== 'RequestResponse') throw invocationTypeError(invocationType);
        const result = await runtime.invoke(record.functionArn, event);
        call.requestId = result.requestId;
        const logs = Buffer.from(result.logs, 'utf8');
        return {
          StatusCode: result.statusCode,
          ExecutedVersion: '$LATEST',
          ...(result.functionError ? { FunctionError: result.functionError } : {}),
          ...(input.LogType === 'Tail'
            ? { LogResult: logs.subarray(Math.max(0, logs.length - LOG_TAIL_BYTES)).toString('base64') }
            : {}),
          Payload: Buffer.from(result.payload, 'utf8'),
        };
      },
      async GetFunction(input) {
        const record = requireFunction(input.FunctionName);
        return {
          Configuration: functionConfiguration(record),
          Code: {
            RepositoryType: 'S3',
            Location:
              's3Bucket' in record.definition.code
                ? `s3://${record.definition.code.s3Bucket}/${record.definition.code.s3Key}`
                : 'inline',
          },
          Tags: {},
        };
      },
      async GetFunctionConfiguration(input) {
        return functionConfiguration(requireFunction(input.FunctionName));
      },
      async ListFunctions(input) {
        const maxItems = Math.min(Math.max(Number(input.MaxItems ?? 50) || 50, 1), 50);
        const all = runtime.listFunctions();
        const marker = typeof input.Marker === 'string' ? input.Marker : undefined;
        const start = marker ? Number(Buffer.from(marker, 'base64').toString('utf8')) || 0 : 0;
        const next =
          start + maxItems < all.length ? Buffer.from(String(start + maxItems)).toString('base64') : undefined;
        return {
          Functions: all.slice(start, start + maxItems).map(functionConfiguration),
          ...(next ? { NextMarker: next } : {}),
        };
      },
    },
  });
}
