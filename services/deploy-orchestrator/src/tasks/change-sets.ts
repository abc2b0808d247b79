import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  type Change,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {
  changeSetVerdict,
  formatVerdict,
  isEmptyChangeSet,
  StackOperationFailedError,
  UnsafeChangeSetError,
  type ChangeSetTree,
} from '@glue-cd/core';
import { errorMessage, errorName } from '../errors';
import { CHANGE_SET_POLLING, STACK_OPERATION_POLLING, waitSecondsAfter } from '../polling';
import { roleArnParameter, type OrchestratorSettings } from '../settings';
import type {
  ChangeSetEvent,
  ChangeSetState,
  CreateChangeSetEvent,
  PollChangeSetEvent,
  StackOperationState,
} from '../state';
import { describeStack } from './stacks';
import { cloudFormationParameters, cloudFormationTags, templateParameters } from './stack-operations';

/** A change set name ([a-zA-Z][-a-zA-Z0-9]*, ≤128) from the execution: one per execution, retries reuse it. */
export const changeSetNameFor = (executionName: string): string =>
  `glue-cd-${executionName.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 128);

/** CreateChangeSet: an UPDATE change set over the existing stack, nested stacks included. */
export const createChangeSet = async (
  cfn: CloudFormationClient,
  settings: OrchestratorSettings,
  event: CreateChangeSetEvent,
): Promise<ChangeSetState> => {
  const { input } = event;
  const changeSetName = changeSetNameFor(event.executionName);
  const { Id, StackId } = await cfn.send(
    new CreateChangeSetCommand({
      StackName: input.stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: 'UPDATE',
      ...templateParameters(event.template),
      Parameters: cloudFormationParameters(input),
      Capabilities: input.capabilities,
      Tags: cloudFormationTags(input),
      IncludeNestedStacks: true,
      ...roleArnParameter(settings),
      Description: `glue-cd deploy ${event.executionName}`.slice(0, 1024),
    }),
  );
  if (Id === undefined) throw new StackOperationFailedError(`CreateChangeSet on ${input.stackName} returned no Id`);
  const state: ChangeSetState = {
    stackName: input.stackName,
    changeSetName,
    changeSetId: Id,
    status: 'CREATE_PENDING',
    polls: 0,
    waitSeconds: waitSecondsAfter(0, CHANGE_SET_POLLING),
    done: false,
    empty: false,
    safe: false,
  };
  if (StackId !== undefined) state.stackId = StackId;
  return state;
};

/** Every page of one change set (DescribeChangeSet returns its Changes in pages). */
export const describeChangeSetPages = async (
  cfn: CloudFormationClient,
  changeSetId: string,
): Promise<{ first: DescribeChangeSetCommandOutput; changes: Change[] }> => {
  let first: DescribeChangeSetCommandOutput | undefined;
  const changes: Change[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: changeSetId, NextToken: nextToken }));
    first ??= page;
    changes.push(...(page.Changes ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return { first, changes };
};

const MAX_NESTING = 10;

/**
 * The change set and, recursively, the nested change sets of its AWS::CloudFormation::Stack resources, as core's
 * ChangeSetTree (nested keyed by the nested stack's logical id).
 */
export const describeChangeSetTree = async (
  cfn: CloudFormationClient,
  changeSetId: string,
  depth = 0,
): Promise<ChangeSetTree> => {
  const { first, changes } = await describeChangeSetPages(cfn, changeSetId);
  const tree: ChangeSetTree = { changes };
  if (first.StackName !== undefined) tree.stackName = first.StackName;
  if (first.ChangeSetName !== undefined) tree.changeSetName = first.ChangeSetName;
  const nested: Record<string, ChangeSetTree> = {};
  for (const change of changes) {
    const resource = change.ResourceChange;
    if (resource?.ResourceType !== 'AWS::CloudFormation::Stack' || resource.ChangeSetId === undefined) continue;
    if (depth + 1 > MAX_NESTING) {
      throw new StackOperationFailedError(`change set ${changeSetId}: nested stacks deeper than ${MAX_NESTING} levels`);
    }
    nested[resource.LogicalResourceId ?? resource.ChangeSetId] = await describeChangeSetTree(
      cfn,
      resource.ChangeSetId,
      depth + 1,
    );
  }
  if (Object.keys(nested).length > 0) tree.nested = nested;
  return tree;
};

const deleteQuietly = async (cfn: CloudFormationClient, changeSetId: string): Promise<void> => {
  try {
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId }));
  } catch (error) {
    // Already gone (a retried delete) is what we wanted.
    if (errorName(error) !== 'ChangeSetNotFoundException' && errorName(error) !== 'ChangeSetNotFound') throw error;
  }
};

/**
 * PollChangeSet: one check of the change set. When CREATE_COMPLETE it is inspected (all pages, nested change
 * sets) with the input's safety policy; a change set that failed because nothing changes is `empty`.
 */
export const pollChangeSet = async (cfn: CloudFormationClient, event: PollChangeSetEvent): Promise<ChangeSetState> => {
  const { changeSet } = event;
  const polls = changeSet.polls + 1;
  const { Status, StatusReason, ExecutionStatus } = await cfn.send(
    new DescribeChangeSetCommand({ ChangeSetName: changeSet.changeSetId }),
  );
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
    if (isEmptyChangeSet({ Status, StatusReason })) return { ...next, done: true, empty: true, safe: false };
    await deleteQuietly(cfn, changeSet.changeSetId);
    throw new StackOperationFailedError(
      `change set ${changeSet.changeSetName} on ${changeSet.stackName} failed: ${StatusReason ?? 'no reason given'}`,
    );
  }
  if (status !== 'CREATE_COMPLETE' || (ExecutionStatus !== undefined && ExecutionStatus !== 'AVAILABLE')) {
    throw new StackOperationFailedError(
      `change set ${changeSet.changeSetName} on ${changeSet.stackName} is ${status} (execution ${ExecutionStatus ?? '?'}), not executable: ${StatusReason ?? ''}`.trim(),
    );
  }
  const tree = await describeChangeSetTree(cfn, changeSet.changeSetId);
  const verdict = changeSetVerdict(tree, event.input.safetyPolicy ?? {});
  return { ...next, done: true, empty: false, safe: verdict.safe, verdict };
};

/** ExecuteChangeSet: starts the update; the stack's LastUpdatedTime before it tells a stale UPDATE_COMPLETE apart. */
export const executeChangeSet = async (
  cfn: CloudFormationClient,
  event: ChangeSetEvent,
  now = new Date(),
): Promise<StackOperationState> => {
  const { changeSet } = event;
  const before = await describeStack(cfn, changeSet.stackId ?? changeSet.stackName);
  if (before?.StackId === undefined) {
    throw new StackOperationFailedError(`stack ${changeSet.stackName} disappeared before its change set was executed`);
  }
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSet.changeSetId }));
  const operation: StackOperationState = {
    operation: 'update',
    outcome: 'updated',
    stackName: changeSet.stackName,
    stackId: before.StackId,
    startedAt: now.toISOString(),
    polls: 0,
    waitSeconds: waitSecondsAfter(0, STACK_OPERATION_POLLING),
    done: false,
  };
  const previous = before.LastUpdatedTime?.toISOString();
  if (previous !== undefined) operation.previousLastUpdatedTime = previous;
  return operation;
};

/** DeleteEmptyChangeSet / DiscardUnsafeChangeSet: the change set is not executed, so it goes. */
export const deleteChangeSet = async (
  cfn: CloudFormationClient,
  event: ChangeSetEvent,
): Promise<{ deleted: string }> => {
  await deleteQuietly(cfn, event.changeSet.changeSetId);
  return { deleted: event.changeSet.changeSetName };
};

/** RefuseUnsafeChangeSet: deletes the change set and fails with every violation listed. */
export const refuseChangeSet = async (cfn: CloudFormationClient, event: ChangeSetEvent): Promise<never> => {
  const { changeSet } = event;
  try {
    await deleteQuietly(cfn, changeSet.changeSetId);
  } catch (error) {
    // The refusal matters more than the clean-up: report both.
    throw new UnsafeChangeSetError(
      `${refusal(changeSet)}\n(the change set could not be deleted: ${errorMessage(error)})`,
    );
  }
  throw new UnsafeChangeSetError(refusal(changeSet));
};

const refusal = (changeSet: ChangeSetState): string =>
  `refused change set ${changeSet.changeSetName} on stack ${changeSet.stackName}: ` +
  (changeSet.verdict !== undefined ? formatVerdict(changeSet.verdict) : 'it was not inspected');
