// Handlers composed from middleware (middy), never edited for a cross-cutting concern: Powertools'
// injectLambdaContext puts the request id and cold start on every log line, the invocation's stable keys come next,
// and one error mapping decides what a failure becomes before it leaves the Lambda.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { toTaskError, truncateFailureMessage } from '@glue-cd/core';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { redactText, type Redactor } from './redaction';

/** Stable keys of one invocation, on every line it logs: never the whole event. */
export type LogKeys = Record<string, string | number | boolean | undefined>;

/** A composed handler; a test or `sls invoke local` may call it without a Lambda context. */
export type EdgeHandler<Event, Result> = (event: Event, context?: Partial<Context>) => Promise<Result>;

export interface EdgeHandlerOptions<Event> {
  logger: Logger;
  /** The invocation's keys, read from the event; a malformed event gives none (the handler reports it). */
  keys?: (event: Event) => LogKeys;
  /** What an error becomes before it leaves the Lambda (a named error, a bounded and redacted message). */
  mapError?: (error: unknown) => unknown;
  /** Lines logged when the invocation starts and succeeds; a failure is always logged, with its error. */
  messages?: { started?: string; succeeded?: string; failed?: string };
}

/** Appends the invocation's keys before the handler runs (injectLambdaContext resets them afterwards). */
export const invocationKeys = <Event>(logger: Logger, keys: (event: Event) => LogKeys): MiddlewareObj<Event> => ({
  before: ({ event }) => {
    let found: LogKeys = {};
    try {
      found = keys(event);
    } catch {
      // A malformed event: the handler's own validation names what is wrong.
    }
    logger.appendKeys(Object.fromEntries(Object.entries(found).filter(([, value]) => value !== undefined)));
  },
});

/** One line when the invocation starts and ends, one with the error when it fails. */
export const invocationLog = <Event>(
  logger: Logger,
  messages: EdgeHandlerOptions<Event>['messages'] = {},
): MiddlewareObj<Event> => ({
  before: () => {
    if (messages.started) logger.info(messages.started);
  },
  after: () => {
    if (messages.succeeded) logger.info(messages.succeeded);
  },
  onError: ({ error }) => {
    logger.error(messages.failed ?? 'invocation failed', { error });
  },
});

/** Replaces the error that leaves the Lambda with `mapError(error)`. */
export const errorMapping = <Event>(mapError: (error: unknown) => unknown): MiddlewareObj<Event> => ({
  onError: (request) => {
    request.error = mapError(request.error) as Error;
  },
});

/**
 * A Lambda handler: `run` wrapped in injectLambdaContext (request id, cold start, function name on every line; keys
 * reset after each invocation; never the event), the invocation's keys and lines, and the error mapping.
 * middy's early timeout is off: each handler keeps its own time budget, and a Lambda timeout stays one.
 */
export const edgeHandler = <Event, Result>(
  options: EdgeHandlerOptions<Event>,
  run: (event: Event, context: Partial<Context>) => Promise<Result> | Result,
): EdgeHandler<Event, Result> => {
  const { logger } = options;
  // onError hooks run last-used first: the mapping, then the failure line, then injectLambdaContext's reset.
  const handler = middy(run as (event: Event, context: Context) => Promise<Result>, { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(invocationKeys(logger, options.keys ?? (() => ({}))))
    .use(invocationLog(logger, options.messages))
    .use(errorMapping(options.mapError ?? ((error: unknown) => error)));
  return handler as unknown as EdgeHandler<Event, Result>;
};

/** Milliseconds the invocation has left, or `fallbackMs` without a Lambda context (a test, `sls invoke local`). */
export const remainingTimeMs = (context: Partial<Context> | undefined, fallbackMs: number): number =>
  typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : fallbackMs;

/**
 * The error a Step Functions task Lambda fails with: a retryable AWS error as the named error its state retries
 * (core's toTaskError), its message redacted and within CodePipeline's 5000-character failure message limit (the
 * execution's Cause reaches the pipeline through the trigger).
 */
export const stepFunctionsTaskError =
  (operation: string, redactor?: Redactor) =>
  (error: unknown): unknown => {
    const mapped = toTaskError(error, operation);
    if (mapped instanceof Error) {
      mapped.message = truncateFailureMessage(redactor ? redactor.text(mapped.message) : redactText(mapped.message));
    }
    return mapped;
  };
