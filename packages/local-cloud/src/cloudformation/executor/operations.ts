import { type LogSink, logLine } from '../../log';
import { errorMessage } from '../errors';
import type { StackRecord } from '../store/records';
import { failedStatusFor } from '../store/state-file';
import type { StackStore } from '../store/store';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs stack operations and change-set computations in the background, as CloudFormation does: the API call returns
 * at once, the work goes on; a crashed operation never leaves its stack in progress.
 */
export class OperationRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: StackStore,
    private readonly log: LogSink,
    private stepDelayMs: number,
  ) {}

  setStepDelay(ms: number): void {
    if (!(ms >= 0)) throw new Error(`a stack step delay is a number of milliseconds >= 0, not ${ms}`);
    this.stepDelayMs = ms;
  }

  track(operation: Promise<unknown>, stack?: StackRecord): void {
    const tracked: Promise<void> = operation
      .then(
        () => undefined,
        (error: unknown) => {
          logLine(this.log, 'cloudformation', 'operation crashed', {
            stackName: stack?.stackName,
            error: (error as Error)?.stack ?? String(error),
          });
          const failed = stack ? failedStatusFor(stack.status) : undefined;
          if (stack && failed)
            this.store.stackEvent(stack, failed, `Internal error in the local CloudFormation: ${errorMessage(error)}`);
        },
      )
      .finally(() => {
        this.running.delete(tracked);
        // The end of an operation is on disk before anyone learns of it.
        this.store.flush();
      });
    this.running.add(tracked);
  }

  /** The pause between two status steps, so callers can observe the intermediate statuses as on AWS. */
  async step(): Promise<void> {
    if (this.stepDelayMs > 0) await sleep(this.stepDelayMs);
  }

  /** Resolves when no stack operation or change set computation is running. */
  async waitForIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    this.store.flush();
  }
}
