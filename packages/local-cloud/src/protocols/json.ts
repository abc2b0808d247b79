import { AwsServiceError, newRequestId } from '../aws-error';
import type { LocalResponse, ServiceHandler } from '../contracts';
import type { LogSink } from '../log';
import { authorizeCall, failureOf, newCall, type OperationCall } from './call';
import { memberOf, operationModel, type ServiceModel, type Shape } from './shapes';

// The AWS JSON 1.0/1.1 protocols (Step Functions, CodePipeline, Glue, Athena …): `X-Amz-Target: <prefix>.<Operation>`,
// a JSON body in, a JSON body out; timestamps travel as epoch seconds, blobs as base64.

/** Body + headers of an AWS JSON-protocol error, which the SDK maps to an exception named `code`. */
export function jsonErrorResponse(
  error: AwsServiceError,
  contentType = 'application/x-amz-json-1.0',
  requestId = newRequestId(),
): LocalResponse {
  return {
    status: error.statusCode,
    headers: { 'content-type': contentType, 'x-amzn-errortype': error.code, 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: error.code, message: error.message, ...error.details }),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

const epochSeconds = (value: Date | string): number => new Date(value).getTime() / 1000;

/** A JSON output value as the protocol sends it: Dates (and timestamp members given as ISO text) as epoch seconds. */
export const encodeJsonValue = (value: unknown, shape?: Shape): unknown => {
  if (value instanceof Date) return epochSeconds(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'string' && shape?.isTimestampSchema()) return epochSeconds(value);
  if (Array.isArray(value)) {
    const item = shape?.isListSchema() ? shape.getValueSchema() : undefined;
    return value.map((child) => encodeJsonValue(child, item));
  }
  if (isObject(value)) {
    const valueShape = shape?.isMapSchema() ? shape.getValueSchema() : undefined;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== '$metadata')
        .map(([key, child]) => [key, encodeJsonValue(child, valueShape ?? memberOf(shape, key))]),
    );
  }
  return value;
};

export type JsonOperation = (input: Record<string, unknown>, call: OperationCall) => Promise<unknown>;

export interface JsonServiceOptions {
  serviceName: string;
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, JsonOperation>;
  /** The client package's model: output timestamps given as ISO text become epoch seconds where the shape says so. */
  model?: ServiceModel;
  /** Where internal failures are logged; without it they go up to the router, which logs them with the cloud's sink. */
  log?: LogSink;
}

/**
 * A front end for an `awsJson1_0`/`awsJson1_1` service: the operation comes from `X-Amz-Target: <prefix>.<Operation>`,
 * the input is the JSON body, the output is JSON.
 */
export function createJsonService(options: JsonServiceOptions): ServiceHandler {
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  return async (request) => {
    const call = newCall(request);
    const target = request.headers['x-amz-target'] ?? '';
    const [prefix, operationName] = target.split('.', 2);
    try {
      if (request.method !== 'POST' || prefix !== options.targetPrefix || !operationName) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local ${options.serviceName} expects POST with X-Amz-Target "${options.targetPrefix}.<Operation>", got ${request.method} with X-Amz-Target "${target}"`,
          400,
        );
      }
      const operation = Object.hasOwn(options.operations, operationName)
        ? options.operations[operationName]
        : undefined;
      if (!operation) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local ${options.serviceName} does not implement ${operationName} (supported: ${Object.keys(options.operations).join(', ')})`,
          400,
        );
      }
      let input: unknown = {};
      const text = request.body.toString('utf8').trim();
      if (text !== '') {
        try {
          input = JSON.parse(text);
        } catch {
          throw new AwsServiceError(
            'SerializationException',
            `The request body of ${operationName} is not valid JSON`,
            400,
          );
        }
      }
      if (!isObject(input)) {
        throw new AwsServiceError(
          'SerializationException',
          `The request body of ${operationName} must be a JSON object`,
          400,
        );
      }
      await authorizeCall(request, operationName, input);
      const output = await operation(input, call);
      const shape = options.model ? operationModel(options.model, operationName)?.output : undefined;
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': call.requestId, ...call.headers },
        body: JSON.stringify(encodeJsonValue(output ?? {}, shape)),
      };
    } catch (error) {
      return jsonErrorResponse(failureOf(error, options, operationName, call.requestId), contentType, call.requestId);
    }
  };
}

/** Input validation for JSON operations: the error names the member, as AWS's ValidationException does. */
export function requireString(input: Record<string, unknown>, member: string, code = 'ValidationException'): string {
  const value = input[member];
  if (typeof value !== 'string' || value === '') {
    throw new AwsServiceError(
      code,
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must not be null and must be a non-empty string`,
      400,
    );
  }
  return value;
}

export function optionalString(
  input: Record<string, unknown>,
  member: string,
  code = 'ValidationException',
): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new AwsServiceError(
      code,
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be a string`,
      400,
    );
  }
  return value;
}
