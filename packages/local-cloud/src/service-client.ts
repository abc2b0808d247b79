import { AwsServiceError } from './aws-error';
import type { LocalServiceClient } from './contracts';
import { jsonCopy } from './json-input';
import type { JsonOperation } from './json-protocol';

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
    return jsonCopy(((await handler(jsonCopy(input))) ?? {}) as Record<string, unknown>);
  },
});
