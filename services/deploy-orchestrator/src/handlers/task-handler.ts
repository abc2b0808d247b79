import { truncateFailureMessage } from '@glue-cd/core';
import type { Context } from 'aws-lambda';
import { toTaskError } from '../errors';
import { logger } from '../logger';
import { redactText } from '../redact';

/** Stable log keys; never the whole event (it may carry a template body or parameters). */
export interface TaskLogKeys {
  stackName?: string | undefined;
  changeSetName?: string | undefined;
  executionName?: string | undefined;
}

export type TaskHandler<Event, Result> = (
  event: Event,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<Result>;

/**
 * The message a failed task leaves in the execution's Cause: credentials masked (an SDK signature error can quote
 * the signed request) and within CodePipeline's 5000-character failure message limit.
 */
const boundedMessage = (error: unknown): unknown => {
  if (error instanceof Error) error.message = truncateFailureMessage(redactText(error.message));
  return error;
};

/**
 * A Step Functions task Lambda: logs start/end with stable keys (through the redacting logger), maps SDK throttling
 * to the retriable ThrottlingError and rethrows named errors (their class name is the state's Error) with a
 * bounded, redacted message.
 */
export const taskHandler =
  <Event, Result>(
    task: string,
    keysOf: (event: Event) => TaskLogKeys,
    run: (event: Event, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<Result> | Result,
  ): TaskHandler<Event, Result> =>
  async (event, context) => {
    logger.resetKeys();
    let keys: TaskLogKeys = {};
    try {
      keys = keysOf(event);
    } catch {
      // Malformed events are reported by the task itself.
    }
    logger.appendKeys({ task, ...Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)) });
    logger.info('task started');
    try {
      const result = await run(event, context);
      logger.info('task succeeded');
      return result;
    } catch (error) {
      const taskError = boundedMessage(toTaskError(error, task));
      logger.error('task failed', { error: taskError as Error });
      throw taskError;
    }
  };
