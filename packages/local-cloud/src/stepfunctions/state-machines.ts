// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks: load the repo's polyfill first.
import '../../../../scripts/promise-with-resolvers';
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { executionArnFor } from '@glue-cd/core';
import { AwsServiceError } from '../aws-error';
import type { FunctionRuntime, StateMachineRegistry } from '../contracts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, stateMachineArn as arnForStateMachine } from '../contracts';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { allStates, taskKind, type AslMachine, type AslState } from './asl';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One history event in AWS's shape: `type`, ids, and one `<type>EventDetails` member (timestamps as ISO text). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: string;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** JSON text, as DescribeExecution returns it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
  events: HistoryEvent[];
}

export interface StateMachineRecord {
  name: string;
  stateMachineArn: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  creationDate: string;
  updatedDate?: string;
}

export interface LocalStateMachines extends StateMachineRegistry {
  getStateMachine(stateMachineArn: string): StateMachineRecord | undefined;
  listStateMachines(): StateMachineRecord[];
  startExecution(input: { stateMachineArn: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: string;
  };
  getExecution(executionArn: string): ExecutionRecord | undefined;
  executions(stateMachineArn?: string): ExecutionRecord[];
  waitForExecution(executionArn: string): Promise<ExecutionRecord>;
  stopExecution(executionArn: string, details?: { error?: string; cause?: string }): Promise<ExecutionRecord>;
  /** Aborts running executions (used by `LocalCloud.close()`): they end ABORTED. */
  close(): Promise<void>;
}

export interface StateMachineOptions {
  stateDir: string;
  functions: FunctionRuntime;
  /** Wait seconds × waitScale = local wait (default 0.01). Retry intervals are scaled the same way. */
  waitScale?: number;
  log?: (line: string) => void;
}

interface StepFunctionsState {
  stateMachines: Record<string, StateMachineRecord>;
  executions: ExecutionRecord[];
}

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

const DEFAULT_ROLE = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local-cloud-state-machine`;
/** A Wait whose path the local cloud cannot evaluate (`$$.…`, filters) waits this many (scaled) seconds. */
const DYNAMIC_WAIT_SECONDS = 10;
/** The longest setTimeout Node honours (2^31-1 ms); longer ones fire at once. */
const MAX_TIMER_SECONDS = 2_147_483;
const NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([a-zA-Z0-9_-]{1,80})$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:([a-zA-Z0-9_-]{1,80}):([a-zA-Z0-9_-]{1,80})$/;

const invalidArn = (arn: string, kind: string): AwsServiceError =>
  new AwsServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${kind}' (${arn})`, 400);

export function checkStateMachineArn(arn: string): void {
  if (!STATE_MACHINE_ARN.test(arn)) throw invalidArn(arn, 'stateMachine');
}

export function checkExecutionArn(arn: string): void {
  if (!EXECUTION_ARN.test(arn)) throw invalidArn(arn, 'execution');
}

const stateMachineDoesNotExist = (arn: string): AwsServiceError =>
  new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, 400);
export const executionDoesNotExist = (arn: string): AwsServiceError =>
  new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`, 400);

/** Definitions that already passed validation: the library's validator costs about 0.7 s per call. */
const validatedDefinitions = new Set<string>();

/** Parses and validates an ASL definition the way CreateStateMachine does (InvalidDefinition naming the problem). */
export function parseDefinition(definition: string): AslMachine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw new AwsServiceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${(error as Error).message}'`,
      400,
    );
  }
  if (validatedDefinitions.has(definition)) return parsed as AslMachine;
  try {
    new StateMachine(parsed as StateMachineDefinition);
    validatedDefinitions.add(definition);
  } catch (error) {
    throw new AwsServiceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: '${(error as Error).message.replace(/\s+/g, ' ').trim()}'`,
      400,
    );
  }
  return parsed as AslMachine;
}

const toJson = (value: unknown): string => JSON.stringify(value ?? null);

/** The internal Task resource a dynamic Wait runs as (never invoked as a Lambda). */
const LOCAL_WAIT_RESOURCE = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:local-cloud-wait`;

const runtimeError = (message: string): Error => {
  const error = new Error(message);
  error.name = 'States.Runtime';
  return error;
};

/** `$`, `$.a.b`, `$.a[0]`, `$['a']`: the reference paths Wait states use. Other paths (e.g. `$$.`) are not evaluated. */
export function readReferencePath(referencePath: string, input: unknown): { supported: boolean; value?: unknown } {
  if (!referencePath.startsWith('$') || referencePath.startsWith('$$')) return { supported: false };
  const rest = referencePath.slice(1);
  const tokens = rest.match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  if (tokens.join('') !== rest) return { supported: false };
  let current: unknown = input;
  for (const token of tokens) {
    const key = token.startsWith('.')
      ? token.slice(1)
      : token.startsWith("['") || token.startsWith('["')
        ? token.slice(2, -2)
        : Number(token.slice(1, -1));
    if (current === null || typeof current !== 'object') return { supported: true, value: undefined };
    current = (current as Record<string | number, unknown>)[key];
  }
  return { supported: true, value: current };
}

/** The seconds a SecondsPath/Timestamp/TimestampPath Wait lasts on AWS, with AWS's States.Runtime errors. */
function waitSeconds(
  stateName: string,
  wait: Pick<AslState, 'SecondsPath' | 'Timestamp' | 'TimestampPath'>,
  input: unknown,
): number {
  const untilTimestamp = (timestamp: unknown, what: string): number => {
    const time = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(time))
      throw runtimeError(
        `${what} of Wait state ${stateName} evaluated to ${toJson(timestamp)}, but expected an RFC3339 timestamp`,
      );
    return Math.max(0, (time - Date.now()) / 1000);
  };
  if (wait.SecondsPath !== undefined) {
    const { supported, value } = readReferencePath(wait.SecondsPath, input);
    if (!supported) return DYNAMIC_WAIT_SECONDS;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw runtimeError(
        `Path expression '${wait.SecondsPath}' evaluated to ${toJson(value)}, but expected an integer >= 0`,
      );
    }
    return value;
  }
  if (wait.TimestampPath !== undefined) {
    const { supported, value } = readReferencePath(wait.TimestampPath, input);
    return supported ? untilTimestamp(value, `Path expression '${wait.TimestampPath}'`) : DYNAMIC_WAIT_SECONDS;
  }
  if (wait.Timestamp !== undefined) return untilTimestamp(wait.Timestamp, 'Timestamp');
  return DYNAMIC_WAIT_SECONDS;
}

const scaledSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, Math.min(ms, MAX_TIMER_SECONDS * 1000)),
    );
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export function createStateMachines(options: StateMachineOptions): LocalStateMachines {
  const waitScale = options.waitScale ?? 0.01;
  const log = options.log ?? ((): void => undefined);
  const file = stateFile(options.stateDir, 'stepfunctions');
  const state = readJsonState<StepFunctionsState>(file, { stateMachines: {}, executions: [] });
  const now = (): string => new Date().toISOString();

  // Executions that were running when the previous process died cannot resume: they become ABORTED.
  for (const execution of state.executions) {
    if (execution.status !== 'RUNNING') continue;
    const stopDate = now();
    execution.status = 'ABORTED';
    execution.stopDate = stopDate;
    execution.error = 'LocalCloud.Interrupted';
    execution.cause = 'The local cloud process stopped while this execution was running';
    const last = execution.events[execution.events.length - 1];
    execution.events.push({
      id: (last?.id ?? 0) + 1,
      previousEventId: last?.id ?? 0,
      timestamp: stopDate,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: execution.error, cause: execution.cause },
    });
  }
  const byArn = new Map(state.executions.map((execution) => [execution.executionArn, execution]));
  const running = new Map<string, { abort: () => void; done: Promise<void> }>();
  let saveTimer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    writeJsonState(file, state);
  };
  /** Histories grow event by event: persisted at most every 250 ms so a crash loses little and the disk is spared. */
  const saveSoon = (): void => {
    saveTimer ??= setTimeout(save, 250);
    saveTimer.unref();
  };
  save();

  const requireStateMachine = (arn: string): StateMachineRecord => {
    checkStateMachineArn(arn);
    const record = Object.hasOwn(state.stateMachines, arn) ? state.stateMachines[arn] : undefined;
    if (!record) throw stateMachineDoesNotExist(arn);
    return record;
  };

  const run = (execution: ExecutionRecord, machine: StateMachineRecord): void => {
    const definition = JSON.parse(machine.definition) as AslMachine;
    const states = allStates(definition);
    const stateByName = new Map<string, AslState>();
    // Waits on SecondsPath/Timestamp/TimestampPath cannot be scaled by the library's fixed per-state overrides: they
    // run as an internal Task that evaluates the wait and sleeps the scaled time (the history still says Wait).
    const dynamicWaits = new Map<string, Pick<AslState, 'SecondsPath' | 'Timestamp' | 'TimestampPath'>>();
    for (const { name, state: aslState } of states) {
      if (aslState.Type === 'Wait' && typeof aslState.Seconds !== 'number' && !dynamicWaits.has(name)) {
        dynamicWaits.set(name, {
          SecondsPath: aslState.SecondsPath,
          Timestamp: aslState.Timestamp,
          TimestampPath: aslState.TimestampPath,
        });
        delete aslState.SecondsPath;
        delete aslState.Timestamp;
        delete aslState.TimestampPath;
        aslState.Type = 'Task';
        aslState.Resource = LOCAL_WAIT_RESOURCE;
      }
      if (!stateByName.has(name)) stateByName.set(name, aslState);
      // AWS Tasks have no default timeout (the Lambda's own timeout bounds them); the library defaults to 60 s.
      if (
        aslState.Type === 'Task' &&
        aslState.TimeoutSeconds === undefined &&
        aslState.TimeoutSecondsPath === undefined
      ) {
        aslState.TimeoutSeconds = MAX_TIMER_SECONDS;
      }
    }

    const addEvent = (type: string, details?: Record<string, unknown>, timestamp = now()): void => {
      const last = execution.events[execution.events.length - 1];
      execution.events.push({
        id: (last?.id ?? 0) + 1,
        previousEventId: last?.id ?? 0,
        timestamp,
        type,
        ...(details ?? {}),
      });
      saveSoon();
    };
    // Lambda events happen inside a Task; they are written just before the library's next event for that state,
    // so the history keeps AWS's order (TaskStateEntered, LambdaFunction…, TaskStateExited) whatever the timing.
    const pending = new Map<string, { type: string; details?: Record<string, unknown>; timestamp: string }[]>();
    const defer = (stateName: string, type: string, details?: Record<string, unknown>): void => {
      const list = pending.get(stateName) ?? [];
      list.push({ type, ...(details ? { details } : {}), timestamp: now() });
      pending.set(stateName, list);
    };
    const flush = (stateName?: string): void => {
      const names = stateName === undefined ? [...pending.keys()] : [stateName];
      for (const name of names) {
        for (const event of pending.get(name) ?? []) addEvent(event.type, event.details, event.timestamp);
        pending.delete(name);
      }
    };
    const lambdaFailedInAttempt = new Set<string>();

    const stopWaits = new AbortController();
    const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, wait] of dynamicWaits) {
      taskHandlers[name] = async (input) => {
        const seconds = waitSeconds(name, wait, input);
        await scaledSleep(seconds * 1000 * waitScale, stopWaits.signal);
        return input;
      };
    }
    for (const { name, state: aslState } of states) {
      if (aslState.Type !== 'Task' || Object.hasOwn(taskHandlers, name)) continue;
      const kind = taskKind(aslState.Resource).kind;
      taskHandlers[name] = async (input) => {
        if (kind === 'unsupported') {
          const error = new Error(
            `The local cloud runs only Lambda tasks (a function ARN or arn:aws:states:::lambda:invoke); state ${name} has Resource ${aslState.Resource}`,
          );
          error.name = 'States.Runtime';
          throw error;
        }
        const parameters = (input ?? {}) as Record<string, unknown>;
        const functionId = kind === 'lambda-arn' ? String(aslState.Resource) : String(parameters.FunctionName ?? '');
        const payload = kind === 'lambda-arn' ? input : (parameters.Payload ?? {});
        defer(name, 'LambdaFunctionScheduled', {
          lambdaFunctionScheduledEventDetails: {
            resource: functionId,
            input: toJson(payload),
            inputDetails: { truncated: false },
          },
        });
        let result;
        try {
          result = await options.functions.invoke(functionId, payload);
        } catch (error) {
          const code = error instanceof AwsServiceError ? error.code : 'ServiceException';
          const failure = new Error((error as Error).message);
          failure.name = `Lambda.${code}`;
          defer(name, 'LambdaFunctionStartFailed', {
            lambdaFunctionStartFailedEventDetails: { error: failure.name, cause: failure.message },
          });
          lambdaFailedInAttempt.add(name);
          throw failure;
        }
        defer(name, 'LambdaFunctionStarted');
        if (result.functionError) {
          let errorType = 'Lambda.Unknown';
          let errorMessage = '';
          try {
            const parsed = JSON.parse(result.payload) as { errorType?: unknown; errorMessage?: unknown };
            if (typeof parsed.errorType === 'string' && parsed.errorType !== '') errorType = parsed.errorType;
            if (typeof parsed.errorMessage === 'string') errorMessage = parsed.errorMessage;
          } catch {
            // a payload that is not JSON keeps Lambda.Unknown, as AWS reports it
          }
          defer(name, 'LambdaFunctionFailed', {
            lambdaFunctionFailedEventDetails: { error: errorType, cause: result.payload },
          });
          lambdaFailedInAttempt.add(name);
          throw new LambdaTaskError(errorType, result.payload, errorMessage);
        }
        defer(name, 'LambdaFunctionSucceeded', {
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
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    for (const { name, state: aslState } of states) {
      if (aslState.Type === 'Wait' && typeof aslState.Seconds === 'number')
        waitTimeOverrides[name] = Math.round(aslState.Seconds * 1000 * waitScale);
      if (aslState.Retry)
        retryIntervalOverrides[name] = aslState.Retry.map((retrier) =>
          Math.round((retrier.IntervalSeconds ?? 1) * 1000 * waitScale),
        );
    }

    // Validated when the state machine was created or updated; validating again would cost ~0.7 s per execution.
    const stateMachine = new StateMachine(definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    const handle = stateMachine.run(JSON.parse(execution.input), {
      overrides: { taskResourceLocalHandlers: taskHandlers as never, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          RoleArn: machine.roleArn,
          StartTime: execution.startDate,
        },
        StateMachine: { Id: machine.stateMachineArn, Name: machine.name },
      },
    });

    const typeOf = (eventState: { name: string; type: string }): string =>
      dynamicWaits.has(eventState.name) ? 'Wait' : eventState.type;
    let failure: { error?: string; cause?: string } | undefined;
    const consume = (async (): Promise<void> => {
      for await (const event of handle.eventLogs) {
        const timestamp = new Date(event.timestamp).toISOString();
        switch (event.type) {
          case 'ExecutionStarted':
            addEvent(
              'ExecutionStarted',
              {
                executionStartedEventDetails: {
                  input: execution.input,
                  inputDetails: { truncated: false },
                  roleArn: machine.roleArn,
                },
              },
              timestamp,
            );
            break;
          case 'StateEntered':
            lambdaFailedInAttempt.delete(event.state.name);
            addEvent(
              `${typeOf(event.state)}StateEntered`,
              {
                stateEnteredEventDetails: {
                  name: event.state.name,
                  input: toJson(event.state.input),
                  inputDetails: { truncated: false },
                },
              },
              timestamp,
            );
            break;
          case 'StateExited':
            flush(event.state.name);
            addEvent(
              `${typeOf(event.state)}StateExited`,
              {
                stateExitedEventDetails: {
                  name: event.state.name,
                  output: toJson(event.state.output),
                  outputDetails: { truncated: false },
                },
              },
              timestamp,
            );
            break;
          case 'StateFailed': {
            flush(event.state.name);
            const definitionOfState = stateByName.get(event.state.name);
            if (event.state.type === 'Fail') {
              // The library names an Error-less Fail "FailStateError"; AWS leaves error/cause empty instead.
              const hasError = definitionOfState?.Error !== undefined || definitionOfState?.ErrorPath !== undefined;
              const hasCause = definitionOfState?.Cause !== undefined || definitionOfState?.CausePath !== undefined;
              failure = {
                ...(hasError ? { error: event.Error } : {}),
                ...(hasCause ? { cause: String(event.Cause) } : {}),
              };
            } else {
              if (
                event.state.type === 'Task' &&
                event.Error === 'States.Timeout' &&
                !lambdaFailedInAttempt.has(event.state.name)
              ) {
                addEvent(
                  'LambdaFunctionTimedOut',
                  { lambdaFunctionTimedOutEventDetails: { error: event.Error, cause: String(event.Cause) } },
                  timestamp,
                );
              }
              failure = {
                error: event.Error,
                cause: typeof event.Cause === 'string' ? event.Cause : toJson(event.Cause),
              };
            }
            lambdaFailedInAttempt.delete(event.state.name);
            break;
          }
          case 'StateRetried':
          case 'StateCaught':
            flush(event.state.name);
            failure = undefined;
            break;
          case 'MapIterationStarted':
          case 'MapIterationSucceeded':
          case 'MapIterationFailed': {
            const key = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`;
            addEvent(event.type, { [key]: { name: event.parentState.name, index: event.index } }, timestamp);
            break;
          }
          case 'ExecutionFailed':
            flush();
            failure ??= {
              error: event.Error,
              cause: typeof event.Cause === 'string' ? event.Cause : toJson(event.Cause),
            };
            break;
          default:
            flush();
            break;
        }
      }
    })();

    const done = (async (): Promise<void> => {
      try {
        const output = await handle.result;
        await consume;
        execution.status = 'SUCCEEDED';
        execution.output = toJson(output);
        execution.stopDate = now();
        addEvent(
          'ExecutionSucceeded',
          { executionSucceededEventDetails: { output: execution.output, outputDetails: { truncated: false } } },
          execution.stopDate,
        );
      } catch (error) {
        await consume.catch(() => undefined);
        flush();
        execution.stopDate = now();
        if (error instanceof ExecutionAbortedError) {
          execution.status = 'ABORTED';
          addEvent(
            'ExecutionAborted',
            {
              executionAbortedEventDetails: {
                ...(execution.error ? { error: execution.error } : {}),
                ...(execution.cause ? { cause: execution.cause } : {}),
              },
            },
            execution.stopDate,
          );
        } else if (error instanceof ExecutionTimeoutError) {
          execution.status = 'TIMED_OUT';
          execution.error = 'States.Timeout';
          addEvent(
            'ExecutionTimedOut',
            { executionTimedOutEventDetails: { error: 'States.Timeout' } },
            execution.stopDate,
          );
        } else {
          execution.status = 'FAILED';
          const { error: errorName, cause } = failure ?? {
            error: (error as Error).name,
            cause: (error as Error).message,
          };
          if (errorName !== undefined) execution.error = errorName;
          if (cause !== undefined) execution.cause = cause;
          addEvent(
            'ExecutionFailed',
            {
              executionFailedEventDetails: {
                ...(errorName !== undefined ? { error: errorName } : {}),
                ...(cause !== undefined ? { cause } : {}),
              },
            },
            execution.stopDate,
          );
        }
      } finally {
        stopWaits.abort();
        running.delete(execution.executionArn);
        save();
        log(`[states] ${execution.name} ${execution.status}${execution.error ? ` ${execution.error}` : ''}`);
      }
    })();
    running.set(execution.executionArn, { abort: handle.abort, done });
  };

  const registry: LocalStateMachines = {
    async createStateMachine(def) {
      if (!NAME.test(def.name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${def.name}'`, 400);
      const arn = arnForStateMachine(def.name);
      parseDefinition(def.definition);
      const existing = Object.hasOwn(state.stateMachines, arn) ? state.stateMachines[arn] : undefined;
      if (existing) {
        // AWS is idempotent for an identical create and refuses a different one.
        if (existing.definition === def.definition && existing.roleArn === (def.roleArn ?? DEFAULT_ROLE))
          return { stateMachineArn: arn };
        throw new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`, 400);
      }
      state.stateMachines[arn] = {
        name: def.name,
        stateMachineArn: arn,
        definition: def.definition,
        roleArn: def.roleArn ?? DEFAULT_ROLE,
        type: 'STANDARD',
        creationDate: now(),
      };
      save();
      return { stateMachineArn: arn };
    },

    async updateStateMachine(arn, def) {
      const record = requireStateMachine(arn);
      parseDefinition(def.definition);
      record.definition = def.definition;
      if (def.roleArn) record.roleArn = def.roleArn;
      record.updatedDate = now();
      save();
    },

    async deleteStateMachine(arn) {
      requireStateMachine(arn);
      delete state.stateMachines[arn];
      save();
    },

    getStateMachine: (arn) => (Object.hasOwn(state.stateMachines, arn) ? state.stateMachines[arn] : undefined),
    listStateMachines: () => Object.values(state.stateMachines).sort((a, b) => a.name.localeCompare(b.name)),

    startExecution({ stateMachineArn, name, input }) {
      const machine = requireStateMachine(stateMachineArn);
      const executionName = name ?? randomUUID();
      if (!NAME.test(executionName)) throw new AwsServiceError('InvalidName', `Invalid Name: '${executionName}'`, 400);
      const inputText = input ?? '{}';
      try {
        JSON.parse(inputText);
      } catch (error) {
        throw new AwsServiceError(
          'InvalidExecutionInput',
          `Invalid State Machine Execution Input: '${(error as Error).message}'`,
          400,
        );
      }
      const executionArn = executionArnFor(machine.stateMachineArn, executionName);
      const existing = byArn.get(executionArn);
      if (existing) {
        // Standard workflows: the same name and input while RUNNING is the same execution (idempotent retry).
        if (existing.status === 'RUNNING' && existing.input === inputText)
          return { executionArn, startDate: existing.startDate };
        throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`, 400);
      }
      const execution: ExecutionRecord = {
        executionArn,
        stateMachineArn,
        name: executionName,
        status: 'RUNNING',
        input: inputText,
        startDate: now(),
        events: [],
      };
      state.executions.push(execution);
      byArn.set(executionArn, execution);
      run(execution, machine);
      save();
      log(`[states] ${machine.name} started ${executionName}`);
      return { executionArn, startDate: execution.startDate };
    },

    getExecution: (arn) => byArn.get(arn),

    executions: (arn) => state.executions.filter((execution) => arn === undefined || execution.stateMachineArn === arn),

    async waitForExecution(arn) {
      const execution = byArn.get(arn);
      if (!execution) throw executionDoesNotExist(arn);
      await running.get(arn)?.done;
      return execution;
    },

    async stopExecution(arn, details = {}) {
      checkExecutionArn(arn);
      const execution = byArn.get(arn);
      if (!execution) throw executionDoesNotExist(arn);
      const active = running.get(arn);
      if (execution.status === 'RUNNING' && active) {
        if (details.error !== undefined) execution.error = details.error;
        if (details.cause !== undefined) execution.cause = details.cause;
        active.abort();
        await active.done;
      }
      return execution;
    },

    async close() {
      const active = [...running.values()];
      for (const execution of active) execution.abort();
      await Promise.all(active.map((execution) => execution.done.catch(() => undefined)));
      save();
    },
  };
  return registry;
}
