import type {
  CreateChangeSetInput,
  CreateChangeSetOutput,
  DeleteChangeSetInput,
  DeleteChangeSetOutput,
  DescribeChangeSetInput,
  DescribeChangeSetOutput,
  ExecuteChangeSetInput,
  ExecuteChangeSetOutput,
  ListChangeSetsInput,
  ListChangeSetsOutput,
} from '@aws-sdk/client-cloudformation';
import { diff, outputsOrTagsChanged } from '../change-set/diff';
import { EMPTY_CHANGE_SET_REASON, withNestedChanges } from '../change-set/nested';
import { parseStackPolicy } from '../change-set/stack-policy';
import { cloudFormationError, errorMessage, validationError } from '../errors';
import { checkImports } from '../executor/resolve';
import { checkCapabilities } from '../model/analysis';
import { type Deployment, prepareDeployment } from '../model/deployment';
import { templateBody } from '../sources';
import type { ChangeSetRecord, StackRecord } from '../store/records';
import { changeSetArn, stackArn } from '../store/store';
import {
  type ApiContext,
  applyStackSettings,
  assertUpdatable,
  beginOperation,
  checkChangeSetName,
  checkStackName,
  checkTags,
  checkToken,
  LIST_PAGE_SIZE,
  previousTemplate,
  required,
  servedToken,
} from './context';
import { page, parameterList } from './views';

const now = (): string => new Date().toISOString();

/** A new stack that holds only a CREATE change set: REVIEW_IN_PROGRESS, no template, no resources (as on AWS). */
const reviewStack = (identity: { stackName: string; stackId: string }): StackRecord => ({
  ...identity,
  status: 'REVIEW_IN_PROGRESS',
  createdAt: now(),
  templateBody: '',
  parameters: {},
  noEcho: [],
  capabilities: [],
  tags: [],
  disableRollback: false,
  resources: {},
  outputs: [],
  imports: [],
  events: [],
});

/** CreateChangeSet: records the change set CREATE_PENDING and computes its changes in the background. */
export async function createChangeSet(ctx: ApiContext, input: CreateChangeSetInput): Promise<CreateChangeSetOutput> {
  const stackName = checkStackName(input.StackName);
  const changeSetName = checkChangeSetName(input.ChangeSetName);
  const clientToken = checkToken(input.ClientToken, 'clientToken');
  const type = input.ChangeSetType ?? 'UPDATE';
  if (type !== 'CREATE' && type !== 'UPDATE')
    throw validationError(`ChangeSetType ${type} is not supported by the local cloud (CREATE or UPDATE)`);
  let stack = ctx.store.activeStack(stackName);
  const existing = stack && ctx.store.changeSetsOf(stack.stackId).find((c) => c.changeSetName === changeSetName);
  // A retry with the same ClientToken gets the change set it created, whatever happened to it since.
  if (existing && clientToken !== undefined && existing.clientToken === clientToken)
    return { Id: existing.changeSetId, StackId: existing.stackId };
  if (type === 'CREATE' && stack && stack.status !== 'REVIEW_IN_PROGRESS') {
    throw validationError(
      `Stack [${stackName}] already exists and cannot be created again with the changeSet [${changeSetName}].`,
    );
  }
  if (type === 'UPDATE') {
    if (!stack) throw validationError(`Stack [${stackName}] does not exist`);
    assertUpdatable(stack);
  }
  if (existing) throw cloudFormationError('AlreadyExistsException', `ChangeSet [${changeSetName}] already exists`);
  const body =
    input.UsePreviousTemplate && stack ? previousTemplate(stack, input) : await templateBody(ctx.deps.objects, input);
  const identity = stack ?? { stackName, stackId: stackArn(stackName) };
  const deployment = prepareDeployment(
    identity,
    body,
    input.Parameters,
    type === 'UPDATE' ? stack!.parameters : undefined,
  );
  checkCapabilities(deployment.resources, input.Capabilities);
  if (!stack) {
    stack = reviewStack(identity);
    ctx.store.add(stack);
    ctx.store.stackEvent(stack, 'REVIEW_IN_PROGRESS', 'User Initiated');
  }
  const changeSet: ChangeSetRecord = {
    changeSetId: changeSetArn(changeSetName),
    changeSetName,
    stackId: stack.stackId,
    stackName,
    changeSetType: type,
    status: 'CREATE_PENDING',
    executionStatus: 'UNAVAILABLE',
    createdAt: now(),
    ...(input.Description === undefined ? {} : { description: input.Description }),
    templateBody: body,
    parameters: deployment.parameters.values,
    noEcho: deployment.parameters.noEcho,
    capabilities: [...(input.Capabilities ?? [])],
    tags: input.Tags === undefined ? stack.tags : checkTags(input.Tags),
    ...(input.RoleARN ? { roleArn: input.RoleARN } : {}),
    includeNestedStacks: input.IncludeNestedStacks ?? false,
    changes: [],
    ...(clientToken === undefined ? {} : { clientToken }),
  };
  ctx.store.addChangeSet(changeSet);
  ctx.store.persist();
  ctx.executor.runner.track(computeChangeSet(ctx, stack, changeSet, deployment));
  return { Id: changeSet.changeSetId, StackId: stack.stackId };
}

/** CREATE_PENDING → CREATE_IN_PROGRESS → CREATE_COMPLETE (AVAILABLE), or FAILED with the reason (an empty one too). */
async function computeChangeSet(
  ctx: ApiContext,
  stack: StackRecord,
  changeSet: ChangeSetRecord,
  deployment: Deployment,
): Promise<void> {
  await ctx.executor.step();
  changeSet.status = 'CREATE_IN_PROGRESS';
  ctx.store.persist();
  await ctx.executor.step();
  try {
    checkImports(ctx.store, deployment, stack.stackId);
    const direct = diff(ctx.store, stack, deployment);
    const changes =
      changeSet.changeSetType === 'CREATE'
        ? direct
        : await withNestedChanges(ctx.executor, stack, deployment, changeSet, direct);
    changeSet.changes = changes;
    if (
      changes.length === 0 &&
      (changeSet.changeSetType === 'CREATE' || !outputsOrTagsChanged(ctx.store, stack, deployment, changeSet.tags))
    ) {
      changeSet.status = 'FAILED';
      changeSet.statusReason = EMPTY_CHANGE_SET_REASON;
    } else {
      changeSet.status = 'CREATE_COMPLETE';
      changeSet.executionStatus = 'AVAILABLE';
    }
  } catch (error) {
    changeSet.status = 'FAILED';
    changeSet.statusReason = errorMessage(error);
  }
  ctx.store.persist();
}

export async function describeChangeSet(
  ctx: ApiContext,
  input: DescribeChangeSetInput,
): Promise<DescribeChangeSetOutput> {
  const changeSet = ctx.store.findChangeSet(required(input.ChangeSetName, 'changeSetName'), input.StackName);
  const { items, nextToken } = page(changeSet.changes, input.NextToken, ctx.changeSetPageSize, changeSet.changeSetId);
  return {
    ChangeSetName: changeSet.changeSetName,
    ChangeSetId: changeSet.changeSetId,
    StackId: changeSet.stackId,
    StackName: changeSet.stackName,
    Description: changeSet.description,
    Parameters: parameterList(changeSet.parameters, changeSet.noEcho),
    CreationTime: new Date(changeSet.createdAt),
    ExecutionStatus: changeSet.executionStatus as never,
    Status: changeSet.status as never,
    StatusReason: changeSet.statusReason,
    NotificationARNs: [],
    RollbackConfiguration: {},
    Capabilities: changeSet.capabilities as never,
    Tags: changeSet.tags,
    Changes: items,
    IncludeNestedStacks: changeSet.includeNestedStacks,
    ParentChangeSetId: changeSet.parentChangeSetId,
    RootChangeSetId: changeSet.rootChangeSetId,
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export async function listChangeSets(ctx: ApiContext, input: ListChangeSetsInput): Promise<ListChangeSetsOutput> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), false);
  const all = ctx.store.changeSetsOf(stack.stackId);
  const { items, nextToken } = page(all, input.NextToken, LIST_PAGE_SIZE, `ChangeSets:${stack.stackId}`);
  return {
    Summaries: items.map((c) => ({
      StackId: c.stackId,
      StackName: c.stackName,
      ChangeSetId: c.changeSetId,
      ChangeSetName: c.changeSetName,
      ExecutionStatus: c.executionStatus as never,
      Status: c.status as never,
      StatusReason: c.statusReason,
      CreationTime: new Date(c.createdAt),
      Description: c.description,
      IncludeNestedStacks: c.includeNestedStacks,
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** ExecuteChangeSet: creates or updates the stack from the change set, under the stack's policy. */
export async function executeChangeSet(ctx: ApiContext, input: ExecuteChangeSetInput): Promise<ExecuteChangeSetOutput> {
  const changeSet = ctx.store.findChangeSet(required(input.ChangeSetName, 'changeSetName'), input.StackName);
  const token = checkToken(input.ClientRequestToken, 'clientRequestToken');
  const stack = ctx.store.stacks.find((s) => s.stackId === changeSet.stackId)!;
  // A retry of this execution is accepted and not repeated; the token on another change set is refused.
  if (token !== undefined && changeSet.executionToken === token) return {};
  if (servedToken(stack, 'ExecuteChangeSet', token)) {
    throw cloudFormationError(
      'TokenAlreadyExistsException',
      `A client request token (${token!}) was already used to execute another change set of stack ${stack.stackName}`,
    );
  }
  if (changeSet.rootChangeSetId !== undefined) {
    throw cloudFormationError(
      'InvalidChangeSetStatus',
      `ChangeSet [${changeSet.changeSetId}] is a nested change set; execute its root change set [${changeSet.rootChangeSetId}]`,
    );
  }
  if (changeSet.executionStatus !== 'AVAILABLE') {
    throw cloudFormationError(
      'InvalidChangeSetStatus',
      `ChangeSet [${changeSet.changeSetId}] cannot be executed in its current status of [${changeSet.status}] and execution status of [${changeSet.executionStatus}]`,
    );
  }
  if (changeSet.changeSetType === 'UPDATE') assertUpdatable(stack);
  const deployment = prepareDeployment(
    stack,
    changeSet.templateBody,
    Object.entries(changeSet.parameters).map(([key, value]) => ({
      ParameterKey: key,
      ParameterValue: Array.isArray(value) ? value.join(',') : value,
    })),
  );
  checkImports(ctx.store, deployment, stack.stackId);
  changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
  if (token !== undefined) changeSet.executionToken = token;
  // Executing one change set makes the stack's other change sets obsolete; AWS deletes them.
  ctx.store.removeChangeSets((c) => c.stackId === stack.stackId && c !== changeSet);
  stack.lastChangeSetId = changeSet.changeSetId;
  applyStackSettings(stack, changeSet.capabilities, changeSet.tags, changeSet.roleArn);
  if (input.DisableRollback !== undefined) stack.disableRollback = input.DisableRollback;
  const policy = stack.stackPolicy === undefined ? undefined : parseStackPolicy(stack.stackPolicy);
  const run = async (): Promise<void> => {
    const succeeded = await (
      changeSet.changeSetType === 'CREATE'
        ? ctx.executor.create(stack, deployment)
        : ctx.executor.update(stack, deployment, policy ? { policy } : {})
    ).catch((error: unknown) => {
      changeSet.executionStatus = 'EXECUTE_FAILED';
      throw error;
    });
    changeSet.executionStatus = succeeded ? 'EXECUTE_COMPLETE' : 'EXECUTE_FAILED';
    for (const nested of ctx.store.changeSets.filter(
      (c) => c.rootChangeSetId === changeSet.changeSetId && c.executionStatus === 'AVAILABLE',
    )) {
      nested.executionStatus = changeSet.executionStatus;
    }
    ctx.store.persist();
  };
  beginOperation(stack, 'ExecuteChangeSet', token);
  if (changeSet.changeSetType === 'CREATE') {
    stack.noEcho = deployment.parameters.noEcho;
    stack.parameters = deployment.parameters.values;
    stack.templateBody = deployment.templateBody;
    if (deployment.template.Description !== undefined) stack.description = deployment.template.Description;
    ctx.store.stackEvent(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
  } else ctx.store.stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
  ctx.executor.runner.track(run(), stack);
  return {};
}

/** DeleteChangeSet: the change set and its nested ones go; a REVIEW_IN_PROGRESS stack stays (DeleteStack removes it). */
export async function deleteChangeSet(ctx: ApiContext, input: DeleteChangeSetInput): Promise<DeleteChangeSetOutput> {
  const changeSet = ctx.store.findChangeSet(required(input.ChangeSetName, 'changeSetName'), input.StackName);
  if (changeSet.executionStatus === 'EXECUTE_IN_PROGRESS') {
    throw cloudFormationError(
      'InvalidChangeSetStatus',
      `Cannot delete ChangeSet [${changeSet.changeSetId}] while it is executing`,
    );
  }
  ctx.store.removeChangeSets((c) => c === changeSet || c.rootChangeSetId === changeSet.changeSetId);
  ctx.store.persist();
  return {};
}
