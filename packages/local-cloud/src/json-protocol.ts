import { AwsServiceError, isAwsServiceError, newRequestId } from './aws-error';
import type { LocalResponse, ServiceHandler } from './contracts';

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

export type JsonOperation = (input: Record<string, unknown>) => Promise<unknown>;

/**
 * A front end for an `awsJson1_0`/`awsJson1_1` service: the operation comes from `X-Amz-Target: <prefix>.<Operation>`,
 * the input is the JSON body, the output is JSON.
 */
export function createJsonService(options: {
  serviceName: string;
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, JsonOperation>;
}): ServiceHandler {
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  return async (request) => {
    const requestId = newRequestId();
    try {
      const target = request.headers['x-amz-target'] ?? '';
      const [prefix, operationName] = target.split('.', 2);
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
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new AwsServiceError(
          'SerializationException',
          `The request body of ${operationName} must be a JSON object`,
          400,
        );
      }
      const output = await operation(input as Record<string, unknown>);
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
        body: JSON.stringify(output ?? {}),
      };
    } catch (error) {
      if (isAwsServiceError(error)) return jsonErrorResponse(error, contentType, requestId);
      throw error;
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
