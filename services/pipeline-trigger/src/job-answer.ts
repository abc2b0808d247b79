import type { FailureType } from '@aws-sdk/client-codepipeline';
import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { formatIssuePath, truncateFailureMessage, type ContinuationState, type DeployResult } from '@glue-cd/core';
import type * as DeployResultModule from '@glue-cd/core/src/deploy-result';

/**
 * The deploy result's schema (with the verdict's and the plan's), required when an execution has succeeded (once a
 * deploy): esbuild builds a required module into the bundle wrapped, so a cold start does not construct them. By path:
 * through core's index every module of core would be wrapped.
 */
const deployResultSchema = () =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('@glue-cd/core/src/deploy-result') as typeof DeployResultModule).DeployResultSchema;

// CodePipeline API limits (PutJobSuccessResult / PutJobFailureResult).
export const SUMMARY_LIMIT = 2048;
export const OUTPUT_VARIABLES_LIMIT_BYTES = 122_880;
const OUTPUT_VARIABLE_KEY = /^[A-Za-z0-9@\-_]+$/;

/** What the trigger tells CodePipeline about one job. */
export type JobAnswer =
  | { kind: 'in-progress'; state: ContinuationState; summary: string }
  | {
      kind: 'succeeded';
      executionArn: string;
      summary: string;
      outputVariables: Record<string, string>;
      droppedOutputs: string[];
    }
  | { kind: 'failed'; failureType: FailureType; message: string; executionArn?: string };

export const inProgress = (state: ContinuationState, summary: string): JobAnswer => ({
  kind: 'in-progress',
  state,
  summary: truncateFailureMessage(summary, SUMMARY_LIMIT),
});

export const failed = (failureType: FailureType, message: string, executionArn?: string): JobAnswer => ({
  kind: 'failed',
  failureType,
  message: truncateFailureMessage(message),
  ...(executionArn !== undefined ? { executionArn } : {}),
});

/** A stack output name as a CodePipeline variable key ([A-Za-z0-9@\-_]+). */
export const outputVariableKey = (name: string): string => name.replace(/[^A-Za-z0-9@\-_]/g, '_');

/** The S3 console page of an `s3://bucket/key` object (a link a reviewer can open; the console picks the region). */
export const s3ConsoleUrl = (url: string): string | undefined => {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match) return undefined;
  const [, bucket = '', key = ''] = match;
  return `https://s3.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(key)}`;
};

/**
 * A plan's short summary as variables (for an approval's CustomData, ≤ 500 characters with the references): the
 * counts, what the planned deploy does, whether it would be accepted, and where the plan is.
 */
export const planVariables = (result: DeployResult): Record<string, string> => {
  const { plan, verdict } = result;
  if (result.outcome !== 'planned' || plan === undefined) return {};
  const textConsole = s3ConsoleUrl(plan.textUrl);
  return {
    action: 'deploy',
    added: String(plan.counts.added),
    modified: String(plan.counts.modified),
    replaced: String(plan.counts.replaced),
    removed: String(plan.counts.removed),
    broadening: String(plan.counts.broadening),
    // accepted | refused-destructive | refused-broadening | refused-destructive-and-broadening
    verdict: verdict === undefined || verdict.safe ? 'accepted' : `refused-${verdict.refusal}`,
    // PlanUrl and PlanTextUrl are the result's outputs.
    ...(textConsole !== undefined ? { PlanConsoleUrl: textConsole } : {}),
  };
};

/**
 * stackName, outcome and executionArn (and a plan's summary: planVariables), then each stack output (sorted) while the total stays within
 * CodePipeline's size limit; outputs that would collide with another key or overflow are listed in `dropped`.
 */
export const outputVariablesFor = (
  result: DeployResult,
  executionArn: string,
  limitBytes = OUTPUT_VARIABLES_LIMIT_BYTES,
): { variables: Record<string, string>; dropped: string[] } => {
  const variables: Record<string, string> = {
    stackName: result.stackName,
    outcome: result.outcome,
    executionArn,
    ...planVariables(result),
  };
  const size = (key: string, value: string) => Buffer.byteLength(key) + Buffer.byteLength(value);
  let total = Object.entries(variables).reduce((sum, [key, value]) => sum + size(key, value), 0);
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(result.outputs).sort(([a], [b]) => a.localeCompare(b))) {
    const key = outputVariableKey(name);
    if (!OUTPUT_VARIABLE_KEY.test(key) || key in variables || total + size(key, value) > limitBytes) {
      dropped.push(name);
      continue;
    }
    variables[key] = value;
    total += size(key, value);
  }
  return { variables, dropped };
};

export const summaryFor = (result: DeployResult): string =>
  truncateFailureMessage(
    result.outcome === 'planned' && result.plan !== undefined
      ? result.plan.summary
      : `Deploy ${result.outcome}: stack ${result.stackName}${result.changeSetName ? ` (change set ${result.changeSetName})` : ''}`,
    SUMMARY_LIMIT,
  );

// A Lambda task's Cause is `{ errorType, errorMessage, trace }`: the message is what a deploy engineer needs
// (for UnsafeChangeSetError it lists the violations); the stack trace is noise in CodePipeline.
const readableCause = (cause: string): string => {
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null) {
      const { errorMessage } = parsed as { errorMessage?: unknown };
      if (typeof errorMessage === 'string' && errorMessage !== '') return errorMessage;
    }
  } catch {
    // Not JSON: a Fail state's plain Cause.
  }
  return cause;
};

/** `Deploy FAILED: UnsafeChangeSetError: <violations>`, within CodePipeline's message limit. */
export const failureMessageFor = (status: string, error: string | undefined, cause: string | undefined): string =>
  truncateFailureMessage(
    [`Deploy ${status}`, error || undefined, cause ? readableCause(cause) : undefined].filter(Boolean).join(': '),
  );

/** The answer for one poll of the deploy execution. */
export const answerForExecution = (
  state: ContinuationState,
  execution: Pick<DescribeExecutionCommandOutput, 'status' | 'output' | 'error' | 'cause'>,
): JobAnswer => {
  const { executionArn } = state;
  switch (execution.status) {
    case 'RUNNING':
    case 'PENDING_REDRIVE': {
      const next = { ...state, polls: state.polls + 1 };
      return inProgress(next, `Deploy execution ${state.executionName} is ${execution.status} (poll ${next.polls})`);
    }
    case 'SUCCEEDED': {
      let json: unknown;
      try {
        json = JSON.parse(execution.output ?? '');
      } catch {
        return failed(
          'JobFailed',
          `Deploy SUCCEEDED but its output is not JSON: ${execution.output ?? '(none)'}`,
          executionArn,
        );
      }
      const parsed = deployResultSchema().safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return failed(
          'JobFailed',
          `Deploy SUCCEEDED but its output is not a DeployResult: ${formatIssuePath(issue?.path ?? []) || '(root)'}: ${issue?.message}`,
          executionArn,
        );
      }
      const { variables, dropped } = outputVariablesFor(parsed.data, executionArn);
      return {
        kind: 'succeeded',
        executionArn,
        summary: summaryFor(parsed.data),
        outputVariables: variables,
        droppedOutputs: dropped,
      };
    }
    case 'FAILED':
    case 'TIMED_OUT':
    case 'ABORTED':
      return failed('JobFailed', failureMessageFor(execution.status, execution.error, execution.cause), executionArn);
    default:
      return failed(
        'JobFailed',
        `Deploy execution ${executionArn} has an unknown status: ${String(execution.status)}`,
        executionArn,
      );
  }
};
