import { AwsServiceError, newRequestId } from './aws-error';
import type { LocalServiceClient } from './contracts';
import { jsonCopy } from './json-input';
import type { OperationCall } from './protocols/call';
import type { JsonOperation } from './protocols/json';

/** An in-process call has no HTTP request behind it: an empty one, with its own request id. */
const inProcessCall = (): OperationCall => ({
  request: { method: 'POST', path: '/', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) },
  requestId: newRequestId(),
  headers: {},
});

/** An in-process client over a JSON service's operations; input and output are copied as over the wire. */
export const localServiceClient = (
  serviceName: string,
  operations: Record<string, JsonOperation>,
): LocalServiceClient => ({
  async call(operation, input) {
    const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (!handler) {
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local ${serviceName} does not implement ${operation}`,
        400,
      );
    }
    return jsonCopy(((await handler(jsonCopy(input), inProcessCall())) ?? {}) as Record<string, unknown>);
  },
});
