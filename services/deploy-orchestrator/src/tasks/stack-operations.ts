import {
  CreateStackCommand,
  DeleteStackCommand,
  type CloudFormationClient,
  type Parameter,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { operationOutcome, StackOperationFailedError, type DeployInput } from '@glue-cd/core';
import { createHash } from 'node:crypto';
import { errorMessage, errorName } from '../errors';
import { STACK_OPERATION_POLLING, waitSecondsAfter } from '../polling';
import { roleArnParameter, type OrchestratorSettings } from '../settings';
import type {
  CreateStackEvent,
  DeleteStackEvent,
  PollStackOperationEvent,
  PreparedTemplate,
  StackOperationState,
} from '../state';
import { describeStack, stackFailureReason } from './stacks';

const MAX_STACK_NAME = 128;

/**
 * The blue/green stack's name: `${stackName}-${suffix}`, the suffix from the input or derived from the
 * execution name (a hash, so re-running the same execution targets the same stack).
 */
export const blueGreenStackName = (stackName: string, executionName: string, suffix?: string): string => {
  const chosen = suffix ?? `bg-${createHash('sha256').update(executionName).digest('hex').slice(0, 10)}`;
  return `${stackName.slice(0, MAX_STACK_NAME - chosen.length - 1)}-${chosen}`;
};

/** A ClientRequestToken ([a-zA-Z][-a-zA-Z0-9]*, ≤128): the same for a retried call, so CloudFormation dedupes it. */
export const requestToken = (operation: string, id: string): string =>
  `${operation}-${id.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 128);

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

/** CreateStack / RecreateStack / CreateBlueGreenStack. */
export const createStack = async (
  cfn: CloudFormationClient,
  settings: OrchestratorSettings,
  event: CreateStackEvent,
  now = new Date(),
): Promise<StackOperationState> => {
  const { input } = event;
  const stackName =
    event.outcome === 'blue-green-created'
      ? blueGreenStackName(input.stackName, event.executionName, input.blueGreenSuffix)
      : input.stackName;
  try {
    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        ...templateParameters(event.template),
        Parameters: cloudFormationParameters(input),
        Capabilities: input.capabilities,
        Tags: cloudFormationTags(input),
        ...roleArnParameter(settings),
        // Keep the failed resources' reasons readable in the events; ROLLBACK_COMPLETE is handled on the next deploy.
        OnFailure: 'ROLLBACK',
        // Idempotent when Step Functions retries the task after a lost response.
        ClientRequestToken: requestToken('create', event.executionName),
      }),
    );
    if (StackId === undefined) throw new StackOperationFailedError(`CreateStack ${stackName} returned no StackId`);
    return startOperation('create', event.outcome, stackName, StackId, now);
  } catch (error) {
    if (errorName(error) === 'AlreadyExistsException') {
      throw new StackOperationFailedError(
        event.outcome === 'blue-green-created'
          ? `blue/green stack ${stackName} already exists: choose another blueGreenSuffix or delete it`
          : `stack ${stackName} already exists (created by someone else since it was checked): ${errorMessage(error)}`,
      );
    }
    throw error;
  }
};

/** DeleteStack (action delete) / DeleteRolledBackStack (before a recreate). */
export const deleteStack = async (
  cfn: CloudFormationClient,
  settings: OrchestratorSettings,
  event: DeleteStackEvent,
  now = new Date(),
): Promise<StackOperationState> => {
  const { stackName, stackId } = event.stack;
  if (stackId === undefined) throw new StackOperationFailedError(`stack ${stackName}: no StackId to delete`);
  await cfn.send(
    new DeleteStackCommand({
      StackName: stackId,
      ...roleArnParameter(settings),
      ClientRequestToken: requestToken('delete', event.executionName),
    }),
  );
  return startOperation('delete', event.outcome, stackName, stackId, now);
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
  // Until CloudFormation starts the update, the stack still shows the previous update's UPDATE_COMPLETE.
  const notStartedYet =
    operation.operation === 'update' &&
    operation.previousLastUpdatedTime !== undefined &&
    lastUpdated === operation.previousLastUpdatedTime;
  const outcome = notStartedYet ? 'waiting' : operationOutcome(operation.operation, status);
  const polls = operation.polls + 1;
  const next: StackOperationState = {
    ...operation,
    polls,
    waitSeconds: waitSecondsAfter(polls, STACK_OPERATION_POLLING),
    done: outcome === 'succeeded',
  };
  if (status !== undefined) next.status = status;

  if (outcome === 'failed') {
    const reason = await stackFailureReason(cfn, operation.stackId, operation.startedAt, stack?.StackStatusReason);
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
