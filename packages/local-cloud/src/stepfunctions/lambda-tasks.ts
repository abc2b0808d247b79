import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../aws-error';
import type { FunctionRuntime } from '../contracts';
import { type AslState, taskKind } from './asl';
import { type ExecutionHistory, toJson } from './history';

/** Lambda's error raised inside a Task: Error = errorType, Cause = the JSON error payload (as on AWS, Catch included). */
export class LambdaTaskError extends Error {
  readonly errorMessage: string;
  constructor(errorType: string, payloadJson: string, errorMessage: string) {
    // aws-local-stepfunctions puts `message` into a Catch's Cause and `cause ?? message` into the failure events:
    // both must be the JSON payload to match AWS.
    super(payloadJson, { cause: payloadJson });
    this.name = errorType;
    this.errorMessage = errorMessage;
  }
}

type TaskHandler = (input: unknown) => Promise<unknown>;

const unsupported = (name: string, resource: string | undefined): Error => {
  const error = new Error(
    `The local cloud runs only Lambda tasks (a function ARN or arn:aws:states:::lambda:invoke); state ${name} has Resource ${resource}`,
  );
  error.name = 'States.Runtime';
  return error;
};

/** The errorType/errorMessage of a Lambda error payload; a payload that is not JSON is `Lambda.Unknown`, as on AWS. */
const lambdaError = (payload: string): { errorType: string; errorMessage: string } => {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: typeof parsed.errorType === 'string' && parsed.errorType !== '' ? parsed.errorType : 'Lambda.Unknown',
      errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '',
    };
  } catch {
    return { errorType: 'Lambda.Unknown', errorMessage: '' };
  }
};

/**
 * The local handlers of a machine's Task states (keyed by state name, as aws-local-stepfunctions wants them): a Lambda
 * function ARN or the `lambda:invoke` integration runs through the local FunctionRuntime, with AWS's Lambda events.
 */
export function lambdaTaskHandlers(
  states: { name: string; state: AslState }[],
  functions: FunctionRuntime,
  history: ExecutionHistory,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const { name, state } of states) {
    if (state.Type !== 'Task' || Object.hasOwn(handlers, name)) continue;
    const kind = taskKind(state.Resource).kind;
    handlers[name] = async (input) => {
      if (kind === 'unsupported') throw unsupported(name, state.Resource);
      const parameters = (input ?? {}) as Record<string, unknown>;
      const functionId = kind === 'lambda-arn' ? String(state.Resource) : String(parameters.FunctionName ?? '');
      const payload = kind === 'lambda-arn' ? input : (parameters.Payload ?? {});
      history.defer(name, 'LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: functionId,
          input: toJson(payload),
          inputDetails: { truncated: false },
        },
      });
      let result;
      try {
        result = await functions.invoke(functionId, payload);
      } catch (error) {
        const code = error instanceof AwsServiceError ? error.code : 'ServiceException';
        const failure = new Error((error as Error).message);
        failure.name = `Lambda.${code}`;
        history.defer(name, 'LambdaFunctionStartFailed', {
          lambdaFunctionStartFailedEventDetails: { error: failure.name, cause: failure.message },
        });
        history.lambdaFailed.add(name);
        throw failure;
      }
      history.defer(name, 'LambdaFunctionStarted');
      if (result.functionError) {
        const { errorType, errorMessage } = lambdaError(result.payload);
        history.defer(name, 'LambdaFunctionFailed', {
          lambdaFunctionFailedEventDetails: { error: errorType, cause: result.payload },
        });
        history.lambdaFailed.add(name);
        throw new LambdaTaskError(errorType, result.payload, errorMessage);
      }
      history.defer(name, 'LambdaFunctionSucceeded', {
        lambdaFunctionSucceededEventDetails: { output: result.payload, outputDetails: { truncated: false } },
      });
      const output: unknown = JSON.parse(result.payload);
      if (kind === 'lambda-arn') return output;
      return {
        ExecutedVersion: '$LATEST',
        Payload: output,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: randomUUID() },
        StatusCode: 200,
      };
    };
  }
  return handlers;
}
