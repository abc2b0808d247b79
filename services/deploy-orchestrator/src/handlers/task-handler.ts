import { edgeHandler, stepFunctionsTaskError, type EdgeHandler } from '@glue-cd/lambda-edge';
import type { Context } from 'aws-lambda';
import { logger } from '../logger';

/** Stable log keys; never the whole event (it may carry a template body or parameters). */
export interface TaskLogKeys {
  stackName?: string | undefined;
  changeSetName?: string | undefined;
  executionName?: string | undefined;
}

export type TaskHandler<Event, Result> = EdgeHandler<Event, Result>;

/**
 * A Step Functions task Lambda from the edge: the Lambda context and the task's keys on every line, start/end
 * lines, and the task error mapping (retryable AWS errors become ThrottlingError / TransientAwsError; named errors
 * keep their class name, the state's Error; messages bounded and redacted).
 */
export const taskHandler = <Event, Result>(
  task: string,
  keysOf: (event: Event) => TaskLogKeys,
  run: (event: Event, context: Partial<Context>) => Promise<Result> | Result,
): TaskHandler<Event, Result> =>
  edgeHandler(
    {
      logger,
      keys: (event) => ({ task, ...keysOf(event) }),
      mapError: stepFunctionsTaskError(task),
      messages: { started: 'task started', succeeded: 'task succeeded', failed: 'task failed' },
    },
    run,
  );
