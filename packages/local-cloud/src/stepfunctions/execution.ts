import {
  ExecutionAbortedError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { FunctionRuntime } from '../contracts';
import { allStates, type AslMachine, type AslState } from './asl';
import { ExecutionHistory, toJson } from './history';
import { lambdaTaskHandlers } from './lambda-tasks';
import type { ExecutionRecord, HistoryEvent, StateMachineRecord } from './records';

export interface RunningExecution {
  abort(): void;
  /** Settles when the execution has ended and its outcome is recorded. */
  done: Promise<void>;
}

export interface RunOptions {
  functions: FunctionRuntime;
  /** Every Wait (all four forms) and Retry interval is multiplied by this. */
  waitScale: number;
  appendEvent(execution: ExecutionRecord, event: HistoryEvent): void;
  /** Called once the execution has ended (status, output or error set). */
  finished(execution: ExecutionRecord): void;
}

/**
 * Runs the real definition through aws-local-stepfunctions (never rewritten): Task states run the local Lambdas,
 * Waits and Retry intervals are scaled through the interpreter's own options, and the library's event log becomes
 * the execution's AWS-shaped history.
 */
export function runExecution(
  execution: ExecutionRecord,
  machine: StateMachineRecord,
  options: RunOptions,
): RunningExecution {
  const definition = JSON.parse(machine.definition) as AslMachine;
  const states = allStates(definition);
  const stateByName = new Map<string, AslState>();
  for (const { name, state } of states) if (!stateByName.has(name)) stateByName.set(name, state);
  const history = new ExecutionHistory(execution, (event) => options.appendEvent(execution, event));

  // Retry intervals: IntervalSeconds × waitScale for every attempt (BackoffRate is not applied locally).
  const retryIntervalOverrides: Record<string, number[]> = {};
  for (const { name, state } of states) {
    if (state.Retry)
      retryIntervalOverrides[name] = state.Retry.map((retrier) =>
        Math.round((retrier.IntervalSeconds ?? 1) * 1000 * options.waitScale),
      );
  }
  // Validated when the state machine was created or updated; validating again would cost ~0.7 s per execution.
  const stateMachine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const handle = stateMachine.run(JSON.parse(execution.input), {
    overrides: {
      taskResourceLocalHandlers: lambdaTaskHandlers(states, options.functions, history) as never,
      waitTimeScale: options.waitScale,
      retryIntervalOverrides,
    },
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
  const recording = history.record(handle.eventLogs, machine, stateByName);

  const done = (async (): Promise<void> => {
    try {
      const output = await handle.result;
      await recording;
      execution.status = 'SUCCEEDED';
      execution.output = toJson(output);
      execution.stopDate = new Date().toISOString();
      history.add(
        'ExecutionSucceeded',
        { executionSucceededEventDetails: { output: execution.output, outputDetails: { truncated: false } } },
        execution.stopDate,
      );
    } catch (error) {
      await recording.catch(() => undefined);
      history.flush();
      execution.stopDate = new Date().toISOString();
      recordFailure(execution, history, error);
    } finally {
      options.finished(execution);
    }
  })();
  return { abort: handle.abort, done };
}

/** ABORTED (StopExecution, shutdown), TIMED_OUT (the machine's TimeoutSeconds) or FAILED with AWS's error and cause. */
function recordFailure(execution: ExecutionRecord, history: ExecutionHistory, error: unknown): void {
  const stopDate = execution.stopDate;
  if (error instanceof ExecutionAbortedError) {
    execution.status = 'ABORTED';
    history.add(
      'ExecutionAborted',
      {
        executionAbortedEventDetails: {
          ...(execution.error ? { error: execution.error } : {}),
          ...(execution.cause ? { cause: execution.cause } : {}),
        },
      },
      stopDate,
    );
    return;
  }
  if (error instanceof ExecutionTimeoutError) {
    execution.status = 'TIMED_OUT';
    execution.error = 'States.Timeout';
    history.add('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } }, stopDate);
    return;
  }
  execution.status = 'FAILED';
  const { error: errorName, cause } = history.failure ?? {
    error: (error as Error).name,
    cause: (error as Error).message,
  };
  if (errorName !== undefined) execution.error = errorName;
  if (cause !== undefined) execution.cause = cause;
  history.add(
    'ExecutionFailed',
    {
      executionFailedEventDetails: {
        ...(errorName !== undefined ? { error: errorName } : {}),
        ...(cause !== undefined ? { cause } : {}),
      },
    },
    stopDate,
  );
}
