import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type CloudFormationClient,
  type Parameter,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import {
  classifyStackStatus,
  operationOutcome,
  protectedStackPolicyBody,
  StackCreatedMeanwhileError,
  StackOperationFailedError,
  type DeployInput,
  type OperationOutcome as Outcome,
  errorMessage,
  errorName,
} from '@glue-cd/core';
import { createHash } from 'node:crypto';
import { STACK_OPERATION_POLLING, waitSecondsAfter } from '../polling';
import { roleArnParameter, type OrchestratorSettings } from '../settings';
import type {
  CreateStackEvent,
  DeleteStackEvent,
  PollStackOperationEvent,
  PreparedTemplate,
  StackOperationState,
} from '../state';
import { describeStack, stackFailureReason, stackHasOperationWithToken } from './stacks';

const MAX_STACK_NAME = 128;
const MAX_TOKEN = 128;

/**
 * The blue/green stack's name: `${stackName}-${suffix}`, the suffix from the input or derived from the
 * execution name (a hash, so re-running the same execution targets the same stack).
 */
export const blueGreenStackName = (stackName: string, executionName: string, suffix?: string): string => {
  const chosen = suffix ?? `bg-${createHash('sha256').update(executionName).digest('hex').slice(0, 10)}`;
  return `${stackName.slice(0, MAX_STACK_NAME - chosen.length - 1)}-${chosen}`;
};

/**
 * The client token of one side effect of an execution (`<step>-<execution name>`, [a-zA-Z0-9][-a-zA-Z0-9]*, ≤128):
 * the same for a retried call, so CloudFormation runs it once. Too long names keep a hash of the whole.
 */
export const requestToken = (step: string, executionName: string): string => {
  const token = `${step}-${executionName.replace(/[^A-Za-z0-9-]/g, '-')}`;
  if (token.length <= MAX_TOKEN) return token;
  const hash = createHash('sha256').update(executionName).digest('hex').slice(0, 16);
  return `${token.slice(0, MAX_TOKEN - hash.length - 1)}-${hash}`;
};

export const templateParameters = (template: PreparedTemplate): { TemplateBody: string } | { TemplateURL: string } =>
  template.kind === 'body' ? { TemplateBody: template.templateBody } : { TemplateURL: template.templateURL };

export const cloudFormationParameters = (input: DeployInput): Parameter[] =>
  Object.entries(input.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

export const cloudFormationTags = (input: DeployInput): Tag[] =>
  Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value }));

const startOperation = (
  operation: StackOperationState['operation'],
  outcome: StackOperationState['outcome'],
  stackName: string,
  stackId: string,
  now: Date,
): StackOperationState => ({
  operation,
  outcome,
  stackName,
  stackId,
  startedAt: now.toISOString(),
  polls: 0,
  waitSeconds: waitSecondsAfter(0, STACK_OPERATION_POLLING),
  done: false,
});

const CREATE_STEP: Record<CreateStackEvent['outcome'], string> = {
  created: 'create',
  recreated: 'recreate',
  'blue-green-created': 'create-blue-green',
};

/**
 * CreateStack / RecreateStack / CreateBlueGreenStack. A protected environment's stack gets termination protection
 * and the protected stack policy in the same call, so it is never unprotected.
 */
export const createStack = async (
  cfn: CloudFormationClient,
  settings: Pick<OrchestratorSettings, 'cloudFormationRoleArns' | 'cloudFormationRoleArn'>,
  event: CreateStackEvent,
  now = new Date(),
): Promise<StackOperationState> => {
  const { input } = event;
  const stackName =
    event.outcome === 'blue-green-created'
      ? blueGreenStackName(input.stackName, event.executionName, input.blueGreenSuffix)
      : input.stackName;
  const token = requestToken(CREATE_STEP[event.outcome], event.executionName);
  try {
    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        ...templateParameters(event.template),
        Parameters: cloudFormationParameters(input),
        Capabilities: input.capabilities,
        Tags: cloudFormationTags(input),
        ...roleArnParameter(settings, input.environmentName),
        ...(event.protected === true
          ? { EnableTerminationProtection: true, StackPolicyBody: protectedStackPolicyBody() }
          : {}),
        // Keep the failed resources' reasons readable in the events; ROLLBACK_COMPLETE is handled on the next deploy.
        OnFailure: 'ROLLBACK',
        // Idempotent when Step Functions retries the task after a lost response.
        ClientRequestToken: token,
      }),
    );
    if (StackId === undefined) throw new StackOperationFailedError(`CreateStack ${stackName} returned no StackId`);
    return startOperation('create', event.outcome, stackName, StackId, now);
  } catch (error) {
    if (errorName(error) !== 'AlreadyExistsException') throw error;
    // A retry after our own CreateStack took effect: the stack's events carry our token.
    const existing = await describeStack(cfn, stackName);
    if (existing?.StackId !== undefined && (await stackHasOperationWithToken(cfn, existing.StackId, token))) {
      return startOperation('create', event.outcome, stackName, existing.StackId, now);
    }
    if (event.outcome === 'blue-green-created') {
      throw new StackOperationFailedError(
        `blue/green stack ${stackName} already exists: choose another blueGreenSuffix or delete it`,
        { cause: error },
      );
    }
    // Another deploy (a concurrent pipeline, a retried job) created it: the state machine checks the stack again.
    throw new StackCreatedMeanwhileError(
      `stack ${stackName} already exists (created by someone else since it was checked): ${errorMessage(error)}`,
      { cause: error },
    );
  }
};

// What each delete may remove: a delete before create only a stack with no resources left.
const DELETABLE_BEFORE: Record<DeleteStackEvent['outcome'], readonly string[] | 'any'> = {
  deleted: 'any',
  recreated: ['ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS'],
  planned: ['REVIEW_IN_PROGRESS'],
};

const DELETE_STEP: Record<DeleteStackEvent['outcome'], string> = {
  deleted: 'delete',
  recreated: 'delete-before-create',
  planned: 'delete-plan-stack',
};

/**
 * DeleteStack (action delete), DeleteRolledBackStack (before creating again a ROLLBACK_COMPLETE or
 * REVIEW_IN_PROGRESS stack) and DeletePlanStack (the REVIEW_IN_PROGRESS stack a plan's CREATE change set left).
 * The last two re-check the status first and turn termination protection off only on such an empty stack.
 */
export const deleteStack = async (
  cfn: CloudFormationClient,
  settings: Pick<OrchestratorSettings, 'cloudFormationRoleArns' | 'cloudFormationRoleArn'>,
  event: DeleteStackEvent,
  now = new Date(),
): Promise<StackOperationState> => {
  const { stackName, stackId } = event.stack;
  if (stackId === undefined) throw new StackOperationFailedError(`stack ${stackName}: no StackId to delete`);
  const allowed = DELETABLE_BEFORE[event.outcome];
  if (allowed !== 'any') {
    const stack = await describeStack(cfn, stackId);
    const status = stack?.StackStatus;
    // Already gone (a retried delete): the poll sees DELETE_COMPLETE.
    if (status === undefined || status === 'DELETE_COMPLETE') {
      return startOperation('delete', event.outcome, stackName, stackId, now);
    }
    if (!allowed.includes(status)) {
      throw new StackOperationFailedError(
        `stack ${stackName} is ${status}, not ${allowed.join(' or ')}: glue-cd deletes it only when it holds no resources`,
      );
    }
    // A failed first create of a protected stack keeps its termination protection; nothing is left to protect.
    if (stack?.EnableTerminationProtection === true) {
      await cfn.send(
        new UpdateTerminationProtectionCommand({ StackName: stackId, EnableTerminationProtection: false }),
      );
    }
  }
  await cfn.send(
    new DeleteStackCommand({
      StackName: stackId,
      ...roleArnParameter(settings, event.input?.environmentName ?? ''),
      ClientRequestToken: requestToken(DELETE_STEP[event.outcome], event.executionName),
    }),
  );
  return startOperation('delete', event.outcome, stackName, stackId, now);
};

// The change set's view once the stack has settled: did our ExecuteChangeSet run?
const EXECUTION_PENDING = new Set(['AVAILABLE', 'EXECUTE_IN_PROGRESS', 'UNAVAILABLE']);

/**
 * For an update whose stack shows a settled status that may be the one from before ExecuteChangeSet (same status
 * and LastUpdatedTime, or a retried execute): waiting while the change set has not finished executing; otherwise
 * undefined (the status is the update's own).
 */
const staleUpdate = async (
  cfn: CloudFormationClient,
  operation: StackOperationState,
  status: string | undefined,
  lastUpdated: string | undefined,
): Promise<{ outcome: Outcome; reason?: string } | undefined> => {
  if (operation.operation !== 'update' || status === undefined) return undefined;
  if (classifyStackStatus(status) === 'in-progress') return undefined;
  const maybeStale =
    operation.resumed === true ||
    (status === operation.previousStatus && lastUpdated === operation.previousLastUpdatedTime);
  if (!maybeStale || operation.changeSetId === undefined) return undefined;
  let executionStatus: string | undefined;
  let statusReason: string | undefined;
  try {
    const changeSet = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: operation.changeSetId }));
    executionStatus = changeSet.ExecutionStatus;
    statusReason = changeSet.StatusReason;
  } catch (error) {
    // Gone: the stack was deleted or the change set cleaned up after it ran; the status is the update's own.
    if (errorName(error) === 'ChangeSetNotFoundException' || errorName(error) === 'ChangeSetNotFound') return undefined;
    throw error;
  }
  if (executionStatus !== undefined && EXECUTION_PENDING.has(executionStatus)) return { outcome: 'waiting' };
  if (executionStatus === 'EXECUTE_FAILED' && status === operation.previousStatus) {
    return { outcome: 'failed', ...(statusReason !== undefined ? { reason: statusReason } : {}) };
  }
  return undefined;
};

/** PollStackOperation: one check of a create, update or delete we started. Bounded by STACK_OPERATION_POLLING. */
export const pollStackOperation = async (
  cfn: CloudFormationClient,
  event: PollStackOperationEvent,
): Promise<StackOperationState> => {
  const { operation } = event;
  // By StackId: a deleted stack still answers (DELETE_COMPLETE), and a same-name recreate is not confused.
  const stack = await describeStack(cfn, operation.stackId);
  const status: string | undefined = stack?.StackStatus;
  const lastUpdated = stack?.LastUpdatedTime?.toISOString();
  // Until CloudFormation starts the update, the stack still shows its previous *_COMPLETE status.
  const stale = await staleUpdate(cfn, operation, status, lastUpdated);
  const outcome = stale?.outcome ?? operationOutcome(operation.operation, status);
  const polls = operation.polls + 1;
  const next: StackOperationState = {
    ...operation,
    polls,
    waitSeconds: waitSecondsAfter(polls, STACK_OPERATION_POLLING),
    done: outcome === 'succeeded',
  };
  if (status !== undefined) next.status = status;

  if (outcome === 'failed') {
    const reason =
      stale?.reason ??
      (await stackFailureReason(cfn, operation.stackId, operation.startedAt, stack?.StackStatusReason));
    throw new StackOperationFailedError(
      `stack ${operation.stackName}: ${operation.operation} failed (${status ?? 'gone'}): ${reason}`,
    );
  }
  if (outcome === 'waiting' && polls >= STACK_OPERATION_POLLING.maxPolls) {
    throw new StackOperationFailedError(
      `stack ${operation.stackName}: gave up waiting for the ${operation.operation} after ${polls} checks (last status ${status ?? 'none'})`,
    );
  }
  return next;
};
