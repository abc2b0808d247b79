// The SDK's pacing is AWS's: waiters check every 30 s (CloudFormation), retries back off up to seconds (1 s base on a
// throttle). A local cloud answers in milliseconds; a client pointed at it, in a test, can keep every decision of the
// SDK (what is retried, how many attempts, what a waiter accepts) and only wait less.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

/**
 * Delays for an SDK waiter pointed at a local cloud (`waitUntilStackCreateComplete({ client, maxWaitTime,
 * ...LOCAL_WAITER_DELAYS }, …)`): a check every 50 ms, backing off to 1 s, instead of every 30 s.
 */
export const LOCAL_WAITER_DELAYS = { minDelay: 0.05, maxDelay: 1 } as const;

/** Milliseconds before retry n (1, 2, …) of a client of the local cloud: 10, 20, 30 … instead of up to seconds. */
export const LOCAL_RETRY_STEP_MS = 10;

/**
 * A client's `retryStrategy` for a local cloud with injected faults: the SDK's standard strategy (which errors are
 * retried, the attempts, the retry quota) with pauses of LOCAL_RETRY_STEP_MS × n instead of its backoff.
 */
export const localRetryStrategy = (maxAttempts = 3): ConfiguredRetryStrategy =>
  new ConfiguredRetryStrategy(maxAttempts, (attempt) => LOCAL_RETRY_STEP_MS * attempt);
