import type { StateMachine } from 'aws-local-stepfunctions';
import type { AslState } from './asl';
import type { ExecutionRecord, HistoryEvent, StateMachineRecord } from './records';

/** One entry of the library's event log (its type is not exported). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncIterable<infer E> ? E : never;

export const toJson = (value: unknown): string => JSON.stringify(value ?? null);

export interface Failure {
  error?: string;
  cause?: string;
}

interface PendingEvent {
  type: string;
  details?: Record<string, unknown>;
  timestamp: string;
}

/**
 * An execution's history in AWS's shape, built from aws-local-stepfunctions' event log: `<Type>StateEntered/Exited`,
 * the Lambda events of Task states in AWS's order, and the failure the execution ends with.
 */
export class ExecutionHistory {
  /** What the execution failed with, as AWS reports it (a later Retry or Catch clears it). */
  failure: Failure | undefined;
  /** Task states whose Lambda itself failed in the current attempt (a timeout then is not the Lambda's). */
  readonly lambdaFailed = new Set<string>();
  private readonly pending = new Map<string, PendingEvent[]>();

  constructor(
    private readonly execution: ExecutionRecord,
    private readonly append: (event: HistoryEvent) => void,
  ) {}

  add(type: string, details?: Record<string, unknown>, timestamp = new Date().toISOString()): void {
    const last = this.execution.events[this.execution.events.length - 1];
    this.append({ id: (last?.id ?? 0) + 1, previousEventId: last?.id ?? 0, timestamp, type, ...(details ?? {}) });
  }

  /**
   * Lambda events happen inside a Task; they are written just before the library's next event for that state, so
   * the history keeps AWS's order (TaskStateEntered, LambdaFunction…, TaskStateExited) whatever the timing.
   */
  defer(stateName: string, type: string, details?: Record<string, unknown>): void {
    const list = this.pending.get(stateName) ?? [];
    list.push({ type, ...(details ? { details } : {}), timestamp: new Date().toISOString() });
    this.pending.set(stateName, list);
  }

  flush(stateName?: string): void {
    for (const name of stateName === undefined ? [...this.pending.keys()] : [stateName]) {
      for (const event of this.pending.get(name) ?? []) this.add(event.type, event.details, event.timestamp);
      this.pending.delete(name);
    }
  }

  /** Records every library event until the execution ends. */
  async record(
    eventLogs: AsyncIterable<EventLog>,
    machine: StateMachineRecord,
    stateByName: ReadonlyMap<string, AslState>,
  ): Promise<void> {
    for await (const event of eventLogs) {
      const timestamp = new Date(event.timestamp).toISOString();
      switch (event.type) {
        case 'ExecutionStarted':
          this.add(
            'ExecutionStarted',
            {
              executionStartedEventDetails: {
                input: this.execution.input,
                inputDetails: { truncated: false },
                roleArn: machine.roleArn,
              },
            },
            timestamp,
          );
          break;
        case 'StateEntered':
          this.lambdaFailed.delete(event.state.name);
          this.add(
            `${event.state.type}StateEntered`,
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
          this.flush(event.state.name);
          this.add(
            `${event.state.type}StateExited`,
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
        case 'StateFailed':
          this.flush(event.state.name);
          this.stateFailed(event, stateByName.get(event.state.name), timestamp);
          this.lambdaFailed.delete(event.state.name);
          break;
        case 'StateRetried':
        case 'StateCaught':
          this.flush(event.state.name);
          this.failure = undefined;
          break;
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed': {
          const key = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`;
          this.add(event.type, { [key]: { name: event.parentState.name, index: event.index } }, timestamp);
          break;
        }
        case 'ExecutionFailed':
          this.flush();
          this.failure ??= {
            error: event.Error,
            cause: typeof event.Cause === 'string' ? event.Cause : toJson(event.Cause),
          };
          break;
        default:
          this.flush();
          break;
      }
    }
  }

  private stateFailed(
    event: Extract<EventLog, { type: 'StateFailed' }>,
    definition: AslState | undefined,
    timestamp: string,
  ): void {
    if (event.state.type === 'Fail') {
      // The library names an Error-less Fail "FailStateError"; AWS leaves error/cause empty instead.
      const hasError = definition?.Error !== undefined || definition?.ErrorPath !== undefined;
      const hasCause = definition?.Cause !== undefined || definition?.CausePath !== undefined;
      this.failure = {
        ...(hasError ? { error: event.Error } : {}),
        ...(hasCause ? { cause: String(event.Cause) } : {}),
      };
      return;
    }
    if (event.state.type === 'Task' && event.Error === 'States.Timeout' && !this.lambdaFailed.has(event.state.name)) {
      this.add(
        'LambdaFunctionTimedOut',
        { lambdaFunctionTimedOutEventDetails: { error: event.Error, cause: String(event.Cause) } },
        timestamp,
      );
    }
    this.failure = {
      error: event.Error,
      cause: typeof event.Cause === 'string' ? event.Cause : toJson(event.Cause),
    };
  }
}
