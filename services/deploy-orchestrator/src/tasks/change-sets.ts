import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {
  formatVerdictSummary,
  isEmptyChangeSet,
  StackOperationFailedError,
  UnsafeChangeSetError,
  CODEPIPELINE_MESSAGE_LIMIT,
  type ChangeSetTree,
  errorMessage,
  errorName,
} from '@glue-cd/core';
import { getJson, progressKey, putJson } from '../artifacts';
import type { S3Sender } from '../clients';
import { CHANGE_SET_POLLING, CHANGE_SET_READING, STACK_OPERATION_POLLING, waitSecondsAfter } from '../polling';
import { requireStagingBucket, roleArnParameter, type OrchestratorSettings } from '../settings';
import type {
  ChangeSetCursor,
  ChangeSetEvent,
  ChangeSetState,
  CreateChangeSetEvent,
  ExecuteChangeSetEvent,
  PollChangeSetEvent,
  StackOperationState,
} from '../state';
import { readChangeSetPages, toChangeSetTree, type ReadProgress } from './change-set-reader';
import { judgeChangeSet } from './judge-change-set';
import { ensureStackProtection } from './protection';
import { describeStack } from './stacks';
import { cloudFormationParameters, cloudFormationTags, requestToken, templateParameters } from './stack-operations';

/** A change set name ([a-zA-Z][-a-zA-Z0-9]*, ≤128) from the execution: one per execution, retries reuse it. */
export const changeSetNameFor = (executionName: string): string =>
  `glue-cd-${executionName.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 128);

const isNotFound = (error: unknown): boolean =>
  errorName(error) === 'ChangeSetNotFoundException' || errorName(error) === 'ChangeSetNotFound';

/**
 * CreateChangeSet: an UPDATE change set over the existing stack (a plan of a new stack: CREATE), nested stacks
 * included, with a ClientToken from the execution. A retry after the call took effect finds the change set (its name
 * is the execution's) and carries on with it.
 */
export const createChangeSet = async (
  cfn: CloudFormationClient,
  settings: Pick<OrchestratorSettings, 'cloudFormationRoleArns' | 'cloudFormationRoleArn'>,
  event: CreateChangeSetEvent,
): Promise<ChangeSetState> => {
  const { input } = event;
  const changeSetName = changeSetNameFor(event.executionName);
  const changeSetType = event.stack?.changeSetType ?? 'UPDATE';
  let created: { Id?: string; StackId?: string; Status?: string };
  try {
    created = await cfn.send(
      new CreateChangeSetCommand({
        StackName: input.stackName,
        ChangeSetName: changeSetName,
        ChangeSetType: changeSetType,
        ...templateParameters(event.template),
        Parameters: cloudFormationParameters(input),
        Capabilities: input.capabilities,
        Tags: cloudFormationTags(input),
        IncludeNestedStacks: true,
        ...roleArnParameter(settings, input.environmentName),
        Description: `glue-cd ${input.action} ${event.executionName}`.slice(0, 1024),
        ClientToken: requestToken('change-set', event.executionName),
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'AlreadyExistsException') throw error;
    // Our own change set from an attempt whose response was lost.
    const existing = await cfn.send(
      new DescribeChangeSetCommand({ StackName: input.stackName, ChangeSetName: changeSetName }),
    );
    created = { Id: existing.ChangeSetId, StackId: existing.StackId, Status: existing.Status };
  }
  if (created.Id === undefined)
    throw new StackOperationFailedError(`CreateChangeSet on ${input.stackName} returned no Id`);
  const state: ChangeSetState = {
    stackName: input.stackName,
    changeSetName,
    changeSetId: created.Id,
    changeSetType,
    removeReviewStack: changeSetType === 'CREATE',
    status: created.Status ?? 'CREATE_PENDING',
    polls: 0,
    waitSeconds: waitSecondsAfter(0, CHANGE_SET_POLLING),
    done: false,
    empty: false,
    safe: false,
  };
  const stackId = created.StackId ?? event.stack?.stackId;
  if (stackId !== undefined) state.stackId = stackId;
  return state;
};

/** The whole change set and its nested change sets as core's ChangeSetTree (no time budget). */
export const describeChangeSetTree = async (cfn: CloudFormationClient, changeSetId: string): Promise<ChangeSetTree> => {
  const progress: ReadProgress = { entries: [{ changeSetId, stackPath: [], changes: [] }] };
  await readChangeSetPages(cfn, progress, { entry: 0, pagesRead: 0 }, { deadline: Infinity, now: Date.now });
  return toChangeSetTree(progress);
};

/**
 * Our change set vanished before it was executed: another deploy of the stack executed its own change set meanwhile,
 * and CloudFormation then deletes the stack's other change sets (pnpm faults: two pipelines, one stack).
 */
const supersededChangeSet = (changeSet: { changeSetName: string; stackName: string }, error: unknown): unknown =>
  isNotFound(error)
    ? new StackOperationFailedError(
        `change set ${changeSet.changeSetName} on ${changeSet.stackName} no longer exists (${errorMessage(error)}): another deploy of the stack executed its own change set meanwhile, and CloudFormation then deletes the stack's other change sets; this deploy changed nothing: run it again to deploy over the stack as it is now`,
      )
    : error;

const deleteQuietly = async (cfn: CloudFormationClient, changeSetId: string): Promise<void> => {
  try {
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId }));
  } catch (error) {
    // Already gone (a retried delete) is what we wanted.
    if (!isNotFound(error)) throw error;
  }
};

export interface PollBudget {
  /** Milliseconds until the Lambda times out (context.getRemainingTimeInMillis()). */
  remainingTimeMs: number;
  now?: () => number;
}

/** Kept back from the Lambda's time for the last page call (SDK request timeout) and saving progress. */
export const READING_RESERVE_MS = 20_000;
/** Judging (templates, diff, S3 writes) starts only with this much time left, else in the next invocation. */
export const JUDGING_RESERVE_MS = 30_000;

type PollSettings = Pick<
  OrchestratorSettings,
  'templateStagingBucket' | 'cloudFormationRoleArns' | 'cloudFormationRoleArn'
>;

interface PollContext {
  cfn: CloudFormationClient;
  s3: S3Sender;
  settings: PollSettings;
  event: PollChangeSetEvent;
  budget: PollBudget;
}

/** Reads (resuming at the cursor) and judges within this invocation's time, or returns the cursor to go on. */
const readAndJudge = async (
  ctx: PollContext,
  next: ChangeSetState,
  cursor: ChangeSetCursor,
  progress: ReadProgress,
  firstPage?: DescribeChangeSetCommandOutput,
): Promise<ChangeSetState> => {
  const { cfn, s3, event, budget } = ctx;
  const now = budget.now ?? Date.now;
  const started = now();
  const bucket = requireStagingBucket(ctx.settings, 'PollChangeSet stores the verdict of every change set there');
  const invocations = cursor.invocations + 1;
  if (invocations > CHANGE_SET_READING.maxPolls) {
    throw new StackOperationFailedError(
      `change set ${next.changeSetName} on ${next.stackName}: still not read after ${CHANGE_SET_READING.maxPolls} invocations (${cursor.pagesRead} pages)`,
    );
  }
  let position = {
    entry: cursor.entry,
    pagesRead: cursor.pagesRead,
    ...(cursor.nextToken ? { nextToken: cursor.nextToken } : {}),
  };
  const judgingOnly = cursor.phase === 'judging';
  let finished = judgingOnly;
  if (!judgingOnly) {
    const read = await readChangeSetPages(cfn, progress, position, {
      deadline: started + budget.remainingTimeMs - READING_RESERVE_MS,
      now,
      ...(firstPage !== undefined ? { firstPage } : {}),
    });
    position = read.position;
    finished = read.finished;
  }
  const timeLeft = budget.remainingTimeMs - (now() - started);
  // An invocation that starts with judging always judges: that is what the previous one saved its time for.
  if (!finished || (!judgingOnly && timeLeft < JUDGING_RESERVE_MS)) {
    // Out of time: the pages read so far go to S3 under a key of their own; the next poll resumes from there.
    const key = progressKey(next.stackName, event.executionName, position.pagesRead);
    await putJson(s3, bucket, key, progress);
    const reading: ChangeSetCursor = {
      phase: finished ? 'judging' : 'reading',
      entry: position.entry,
      pagesRead: position.pagesRead,
      progressKey: key,
      invocations,
      ...(position.nextToken !== undefined ? { nextToken: position.nextToken } : {}),
    };
    return { ...next, done: false, waitSeconds: 0, reading };
  }
  const judgement = await judgeChangeSet(
    { cfn, s3, stagingBucket: bucket, input: event.input, executionName: event.executionName, changeSet: next },
    progress,
  );
  const { reading: _reading, ...judged } = next;
  return {
    ...judged,
    done: true,
    // Only a plan of an empty change set gets here with nothing read.
    empty: progress.entries.length === 0,
    safe: judgement.summary.safe,
    verdict: judgement.summary,
    ...(judgement.plan !== undefined ? { plan: judgement.plan } : {}),
  };
};

/** A CREATE change set that failed leaves its REVIEW_IN_PROGRESS stack: remove it with the change set. */
const discardFailedChangeSet = async (ctx: PollContext): Promise<void> => {
  const { cfn, event } = ctx;
  await deleteQuietly(cfn, event.changeSet.changeSetId);
  if (event.changeSet.removeReviewStack && event.changeSet.stackId !== undefined) {
    await cfn.send(
      new DeleteStackCommand({
        StackName: event.changeSet.stackId,
        ...roleArnParameter(ctx.settings, event.input.environmentName),
        ClientRequestToken: requestToken('delete-plan-stack', event.executionName),
      }),
    );
  }
};

/**
 * PollChangeSet: one check of the change set. While it is being created: waits (bounded). Once CREATE_COMPLETE:
 * reads every page and nested change set under a time budget (the cursor in the state, the pages in S3, resumed on
 * the next poll), then judges it (destructive changes and security broadening) and stores the full verdict in S3;
 * the state keeps the bounded summary. A change set that failed because nothing changes is `empty`.
 */
export const pollChangeSet = async (
  cfn: CloudFormationClient,
  s3: S3Sender,
  settings: PollSettings,
  event: PollChangeSetEvent,
  budget: PollBudget = { remainingTimeMs: 60_000 },
): Promise<ChangeSetState> => {
  const { changeSet } = event;
  const ctx: PollContext = { cfn, s3, settings, event, budget };
  if (changeSet.reading !== undefined) {
    const bucket = requireStagingBucket(settings, 'the change set is read across invocations');
    const progress = (await getJson(s3, bucket, changeSet.reading.progressKey)) as ReadProgress | undefined;
    if (progress === undefined) {
      throw new StackOperationFailedError(
        `change set ${changeSet.changeSetName}: the pages read so far (s3://${bucket}/${changeSet.reading.progressKey}) are gone`,
      );
    }
    return readAndJudge(ctx, changeSet, changeSet.reading, progress);
  }

  const polls = changeSet.polls + 1;
  let first: DescribeChangeSetCommandOutput;
  try {
    first = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: changeSet.changeSetId }));
  } catch (error) {
    throw supersededChangeSet(changeSet, error);
  }
  const { Status, StatusReason, ExecutionStatus } = first;
  const status = Status ?? 'UNKNOWN';
  const next: ChangeSetState = {
    ...changeSet,
    status,
    polls,
    waitSeconds: waitSecondsAfter(polls, CHANGE_SET_POLLING),
  };

  if (status === 'CREATE_PENDING' || status === 'CREATE_IN_PROGRESS') {
    if (polls >= CHANGE_SET_POLLING.maxPolls) {
      throw new StackOperationFailedError(
        `change set ${changeSet.changeSetName} on ${changeSet.stackName}: gave up after ${polls} checks (still ${status})`,
      );
    }
    return next;
  }
  if (status === 'FAILED') {
    if (isEmptyChangeSet({ Status, StatusReason })) {
      if (event.input.action !== 'plan') return { ...next, done: true, empty: true, safe: false };
      // A plan of no changes is still a plan: written, with zero counts.
      return readAndJudge(
        ctx,
        next,
        { phase: 'judging', entry: 0, pagesRead: 0, progressKey: '', invocations: 0 },
        {
          entries: [],
        },
      );
    }
    await discardFailedChangeSet(ctx);
    throw new StackOperationFailedError(
      `change set ${changeSet.changeSetName} on ${changeSet.stackName} failed: ${StatusReason ?? 'no reason given'}`,
    );
  }
  if (status !== 'CREATE_COMPLETE' || (ExecutionStatus !== undefined && ExecutionStatus !== 'AVAILABLE')) {
    throw new StackOperationFailedError(
      `change set ${changeSet.changeSetName} on ${changeSet.stackName} is ${status} (execution ${ExecutionStatus ?? '?'}), not executable: ${StatusReason ?? ''}`.trim(),
    );
  }
  const progress: ReadProgress = { entries: [{ changeSetId: changeSet.changeSetId, stackPath: [], changes: [] }] };
  const cursor: ChangeSetCursor = { phase: 'reading', entry: 0, pagesRead: 0, progressKey: '', invocations: 0 };
  return readAndJudge(ctx, next, cursor, progress, first);
};

// ExecutionStatus values that mean our ExecuteChangeSet already took effect.
const EXECUTED = new Set(['EXECUTE_IN_PROGRESS', 'EXECUTE_COMPLETE', 'EXECUTE_FAILED']);

/**
 * ExecuteChangeSet: in a protected environment first (re)applies the stack policy and termination protection; then
 * starts the update with a ClientRequestToken from the execution. The stack's status and LastUpdatedTime before it
 * tell a stale *_COMPLETE apart; a retry after the call took effect (InvalidChangeSetStatus on our executing
 * change set) carries on polling.
 */
export const executeChangeSet = async (
  cfn: CloudFormationClient,
  event: ExecuteChangeSetEvent,
  now = new Date(),
): Promise<StackOperationState> => {
  const { changeSet } = event;
  const before = await describeStack(cfn, changeSet.stackId ?? changeSet.stackName);
  if (before?.StackId === undefined) {
    throw new StackOperationFailedError(`stack ${changeSet.stackName} disappeared before its change set was executed`);
  }
  if (event.protected === true) await ensureStackProtection(cfn, before);
  let resumed = false;
  try {
    await cfn.send(
      new ExecuteChangeSetCommand({
        ChangeSetName: changeSet.changeSetId,
        ClientRequestToken: requestToken('execute', event.executionName),
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'InvalidChangeSetStatusException' && errorName(error) !== 'InvalidChangeSetStatus')
      throw supersededChangeSet(changeSet, error);
    const current = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: changeSet.changeSetId }));
    if (!EXECUTED.has(current.ExecutionStatus ?? '')) throw error;
    resumed = true;
  }
  const operation: StackOperationState = {
    operation: 'update',
    outcome: 'updated',
    stackName: changeSet.stackName,
    stackId: before.StackId,
    changeSetId: changeSet.changeSetId,
    startedAt: now.toISOString(),
    polls: 0,
    waitSeconds: waitSecondsAfter(0, STACK_OPERATION_POLLING),
    done: false,
  };
  if (resumed) return { ...operation, resumed: true };
  if (before.StackStatus !== undefined) operation.previousStatus = before.StackStatus;
  const previous = before.LastUpdatedTime?.toISOString();
  if (previous !== undefined) operation.previousLastUpdatedTime = previous;
  return operation;
};

/** DeleteEmptyChangeSet / DiscardUnsafeChangeSet / DiscardPlanChangeSet: the change set is not executed, so it goes. */
export const deleteChangeSet = async (
  cfn: CloudFormationClient,
  event: ChangeSetEvent,
): Promise<{ deleted: string }> => {
  await deleteQuietly(cfn, event.changeSet.changeSetId);
  return { deleted: event.changeSet.changeSetName };
};

const refusal = (changeSet: ChangeSetState, limit: number): string => {
  const head = `refused change set ${changeSet.changeSetName} on stack ${changeSet.stackName}: `;
  return (
    head +
    (changeSet.verdict !== undefined
      ? formatVerdictSummary(changeSet.verdict, limit - head.length)
      : 'it was not inspected')
  );
};

/** RefuseUnsafeChangeSet: deletes the change set and fails with the violations, within 5000 characters. */
export const refuseChangeSet = async (cfn: CloudFormationClient, event: ChangeSetEvent): Promise<never> => {
  const { changeSet } = event;
  try {
    await deleteQuietly(cfn, changeSet.changeSetId);
  } catch (error) {
    // The refusal matters more than the clean-up: report both.
    const note = `\n(the change set could not be deleted: ${errorMessage(error)})`.slice(0, 500);
    throw new UnsafeChangeSetError(`${refusal(changeSet, CODEPIPELINE_MESSAGE_LIMIT - note.length)}${note}`, {
      cause: error,
    });
  }
  throw new UnsafeChangeSetError(refusal(changeSet, CODEPIPELINE_MESSAGE_LIMIT));
};
