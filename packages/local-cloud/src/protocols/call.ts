import { type AwsServiceError, asAwsServiceError, isAwsServiceError, newRequestId } from '../aws-error';
import type { LocalRequest } from '../contracts';
import { type LogSink, logLine } from '../log';

/** What an operation of a protocol-layer service gets besides its input. */
export interface OperationCall {
  request: LocalRequest;
  /** Sent back as `x-amzn-requestid`; an operation may replace it (Lambda answers with the invocation's id). */
  requestId: string;
  /** Extra response headers the operation wants to send. */
  headers: Record<string, string>;
}

export type Operation = (input: Record<string, unknown>, call: OperationCall) => Promise<unknown>;

export const newCall = (request: LocalRequest): OperationCall => ({
  request,
  requestId: request.context?.requestId ?? newRequestId(),
  headers: {},
});

/** The router's per-request hook (IAM enforcement plugs in there): called once the operation and input are known. */
export const authorizeCall = async (
  request: LocalRequest,
  operation: string,
  input: Record<string, unknown>,
): Promise<void> => {
  // The fault hook (off unless a FaultInjector is given) goes first: a throttled call never reaches IAM either.
  await request.context?.injectFault?.(operation, input);
  await request.context?.authorize(operation, input);
};

/**
 * The AWS error a failed operation is answered with: a service error as thrown; anything else is a bug of the local
 * service, logged with its stack (or left to the router when the service has no log sink) and answered as an
 * internal failure. `logKey` names the operation as the protocol does (`action` for Query).
 */
export const failureOf = (
  error: unknown,
  service: { serviceName: string; log?: LogSink | undefined },
  operation: string | null | undefined,
  requestId: string,
  logKey: 'operation' | 'action' = 'operation',
): AwsServiceError => {
  if (!isAwsServiceError(error)) {
    if (!service.log) throw error;
    logLine(service.log, service.serviceName.toLowerCase(), 'internal error', {
      [logKey]: operation,
      requestId,
      error: (error as Error)?.stack ?? String(error),
    });
  }
  return asAwsServiceError(error, `The local ${service.serviceName} on ${operation ?? 'a request'}`);
};
