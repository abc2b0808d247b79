import path from 'node:path';
import { LOCAL_REGION } from '../contracts';
import { BOOTSTRAP, type ContainerOutcome, type InvocationMessage } from './container';
import type { FunctionRecord, LocalInvokeResult } from './function-runtime';

/** Lambda's MemorySize when a function names none. */
const DEFAULT_MEMORY_SIZE_MB = 128;

/** A function's MemorySize in MB: its own, or Lambda's default. */
export const memorySizeOf = (def: { memorySize?: number | undefined }): number =>
  def.memorySize ?? DEFAULT_MEMORY_SIZE_MB;

/** The names one invocation is known by: its request id and the log stream Lambda would write it to. */
export interface InvocationIds {
  requestId: string;
  logStream: string;
}

export const invocationIds = (requestId: string): InvocationIds => ({
  requestId,
  logStream: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
});

/** The environment Lambda gives a function's process: its own variables, then the reserved ones. */
export const invocationEnvironment = (
  record: FunctionRecord,
  ids: InvocationIds,
  runtime: { taskRoot: string; endpoint: string; roleKey: { accessKeyId: string; secretAccessKey: string } },
): Record<string, string> => {
  const def = record.definition;
  const { taskRoot, endpoint, roleKey } = runtime;
  return {
    ...def.environment,
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    // The execution role's key, as Lambda hands its code the role's session.
    AWS_ACCESS_KEY_ID: roleKey.accessKeyId,
    AWS_SECRET_ACCESS_KEY: roleKey.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: def.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySizeOf(def)),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${def.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: ids.logStream,
    AWS_EXECUTION_ENV: `AWS_Lambda_${def.runtime}`,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: path.dirname(BOOTSTRAP),
  };
};

/** What the container is asked to run: the handler, the event and the Lambda context's members. */
export const invocationMessage = (
  record: FunctionRecord,
  ids: InvocationIds,
  invocation: { taskRoot: string; eventJson: string; deadlineMs: number },
): InvocationMessage => {
  const def = record.definition;
  return {
    requestId: ids.requestId,
    taskRoot: invocation.taskRoot,
    handler: def.handler,
    eventJson: invocation.eventJson,
    deadlineMs: invocation.deadlineMs,
    context: {
      functionName: def.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: record.functionArn,
      memoryLimitInMB: String(memorySizeOf(def)),
      awsRequestId: ids.requestId,
      logGroupName: `/aws/lambda/${def.functionName}`,
      logStreamName: ids.logStream,
    },
  };
};

/** How Lambda answers an invocation's outcome: the payload or error, and the START/END/REPORT log lines. */
export const describeOutcome = (
  record: FunctionRecord,
  requestId: string,
  outcome: ContainerOutcome,
  started: number,
  log: (line: string) => void,
): LocalInvokeResult => {
  const def = record.definition;
  const duration = Date.now() - started;

  let result: { functionError?: 'Unhandled'; payload: string };
  let extraLog = '';
  if (outcome.kind === 'answered') {
    result = outcome.ok ? { payload: outcome.payload } : { functionError: 'Unhandled', payload: outcome.payload };
  } else if (outcome.kind === 'timed-out') {
    const message = `Task timed out after ${def.timeoutSeconds.toFixed(2)} seconds`;
    extraLog = `${new Date().toISOString()} ${requestId} ${message}\n`;
    result = {
      functionError: 'Unhandled',
      payload: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: message }),
    };
  } else if (outcome.outOfMemory) {
    // Lambda's sandbox kills a function past its MemorySize; Node.js runtimes report it so.
    result = {
      functionError: 'Unhandled',
      payload: JSON.stringify({
        errorType: 'Runtime.OutOfMemory',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      }),
    };
  } else {
    const status = outcome.signal ? `signal ${outcome.signal}` : `exit status ${outcome.code ?? 'unknown'}`;
    result = {
      functionError: 'Unhandled',
      payload: JSON.stringify({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${status}`,
      }),
    };
  }
  const output = outcome.output === '' ? '' : `${outcome.output}\n`;
  const logs =
    `START RequestId: ${requestId} Version: $LATEST\n${output}${extraLog}END RequestId: ${requestId}\n` +
    `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(duration))} ms\tMemory Size: ${memorySizeOf(def)} MB` +
    `${outcome.maxMemoryUsedMb === undefined ? '' : `\tMax Memory Used: ${outcome.maxMemoryUsedMb} MB`}\n`;
  if (result.functionError)
    log(`[${def.functionName}] invocation ${requestId} failed: ${result.payload.slice(0, 500)}`);
  return { statusCode: 200, ...result, logs, requestId };
};
