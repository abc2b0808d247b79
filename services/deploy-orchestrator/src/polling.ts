// How long the state machine waits between checks, and when it gives up. The counters live in the state
// document ($.stack.busyChecks, $.changeSet.polls, $.operation.polls); the tasks enforce the bounds.

export interface PollPolicy {
  /** Seconds before the first re-check. */
  initialWaitSeconds: number;
  /** Backoff cap. */
  maxWaitSeconds: number;
  /** Checks after which the task gives up with a named error. */
  maxPolls: number;
}

/** Stack operations: 5, 10, 20, 30, 30 … seconds; 240 checks ≈ 2 hours. */
export const STACK_OPERATION_POLLING: PollPolicy = { initialWaitSeconds: 5, maxWaitSeconds: 30, maxPolls: 240 };
/** Change set creation: usually seconds; 60 checks ≈ 9 minutes. */
export const CHANGE_SET_POLLING: PollPolicy = { initialWaitSeconds: 2, maxWaitSeconds: 10, maxPolls: 60 };
/** Reading and judging a change set too large for one invocation: at most 100 invocations of back-to-back polls. */
export const CHANGE_SET_READING: PollPolicy = { initialWaitSeconds: 0, maxWaitSeconds: 0, maxPolls: 100 };
/** Another operation on the target stack: 60 checks ≈ 30 minutes. */
export const BUSY_STACK_POLLING: PollPolicy = { initialWaitSeconds: 10, maxWaitSeconds: 30, maxPolls: 60 };

/** Exponential backoff (×2) from the initial wait, capped. `polls` is the number of checks already made. */
export const waitSecondsAfter = (polls: number, policy: PollPolicy): number =>
  Math.min(policy.maxWaitSeconds, policy.initialWaitSeconds * 2 ** Math.max(0, polls));

/** Total wait the policy allows, in seconds (for the state machine TimeoutSeconds budget). */
export const maxTotalWaitSeconds = (policy: PollPolicy): number => {
  let total = 0;
  for (let polls = 0; polls < policy.maxPolls; polls += 1) total += waitSecondsAfter(polls, policy);
  return total;
};
