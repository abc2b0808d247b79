import type {
  CreateStackInput,
  CreateStackOutput,
  DeleteStackInput,
  UpdateStackInput,
  UpdateStackOutput,
  UpdateTerminationProtectionInput,
  UpdateTerminationProtectionOutput,
} from '@aws-sdk/client-cloudformation';
import { diff, outputsOrTagsChanged } from '../change-set/diff';
import { parseStackPolicy } from '../change-set/stack-policy';
import { cloudFormationError, validationError } from '../errors';
import { checkImports } from '../executor/resolve';
import { checkCapabilities } from '../model/analysis';
import { prepareDeployment } from '../model/deployment';
import { templateBody } from '../sources';
import type { StackRecord } from '../store/records';
import { stackArn } from '../store/store';
import {
  type ApiContext,
  applyStackSettings,
  assertUpdatable,
  beginOperation,
  checkStackName,
  checkTags,
  checkToken,
  isInProgress,
  isProtected,
  previousTemplate,
  required,
  servedToken,
  stackPolicyText,
} from './context';

const now = (): string => new Date().toISOString();

/** CreateStack: validates everything a resource would need, records the stack CREATE_IN_PROGRESS, creates in the background. */
export async function createStack(ctx: ApiContext, input: CreateStackInput): Promise<CreateStackOutput> {
  const stackName = checkStackName(input.StackName);
  const token = checkToken(input.ClientRequestToken, 'clientRequestToken');
  const existing = (): { StackId: string } | undefined => {
    const stack = ctx.store.activeStack(stackName);
    if (stack && servedToken(stack, 'CreateStack', token)) return { StackId: stack.stackId };
    if (stack) throw cloudFormationError('AlreadyExistsException', `Stack [${stackName}] already exists`);
    return undefined;
  };
  const served = existing();
  if (served) return served;
  const body = await templateBody(ctx.deps.objects, input);
  const policy = await stackPolicyText(ctx, input.StackPolicyBody, input.StackPolicyURL);
  const identity = { stackName, stackId: stackArn(stackName) };
  const deployment = prepareDeployment(identity, body, input.Parameters);
  checkCapabilities(deployment.resources, input.Capabilities);
  checkImports(ctx.store, deployment, identity.stackId);
  // Again after the awaits: a concurrent CreateStack of this name may have registered meanwhile (AWS's is atomic).
  const raced = existing();
  if (raced) return raced;
  const stack: StackRecord = {
    ...identity,
    status: 'CREATE_IN_PROGRESS',
    createdAt: now(),
    templateBody: body,
    ...(deployment.template.Description === undefined ? {} : { description: deployment.template.Description }),
    parameters: deployment.parameters.values,
    noEcho: deployment.parameters.noEcho,
    capabilities: [...(input.Capabilities ?? [])],
    tags: checkTags(input.Tags),
    ...(input.RoleARN ? { roleArn: input.RoleARN } : {}),
    disableRollback: input.DisableRollback ?? input.OnFailure === 'DO_NOTHING',
    resources: {},
    outputs: [],
    imports: [],
    events: [],
    ...(input.EnableTerminationProtection ? { terminationProtection: true } : {}),
    ...(policy ? { stackPolicy: policy.text } : {}),
  };
  ctx.store.add(stack);
  beginOperation(stack, 'CreateStack', token);
  ctx.store.stackEvent(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
  ctx.executor.runner.track(ctx.executor.create(stack, deployment), stack);
  return { StackId: stack.stackId };
}

/** UpdateStack: refuses an update without changes; the stack policy (or StackPolicyDuringUpdate) governs the update. */
export async function updateStack(ctx: ApiContext, input: UpdateStackInput): Promise<UpdateStackOutput> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), false);
  const token = checkToken(input.ClientRequestToken, 'clientRequestToken');
  if (servedToken(stack, 'UpdateStack', token)) return { StackId: stack.stackId };
  assertUpdatable(stack);
  const body = input.UsePreviousTemplate ? previousTemplate(stack, input) : await templateBody(ctx.deps.objects, input);
  const newPolicy = await stackPolicyText(ctx, input.StackPolicyBody, input.StackPolicyURL);
  const duringUpdate = await stackPolicyText(ctx, input.StackPolicyDuringUpdateBody, input.StackPolicyDuringUpdateURL, [
    'StackPolicyDuringUpdateBody',
    'StackPolicyDuringUpdateURL',
  ]);
  const deployment = prepareDeployment(stack, body, input.Parameters, stack.parameters);
  checkCapabilities(deployment.resources, input.Capabilities);
  checkImports(ctx.store, deployment, stack.stackId);
  const tags = input.Tags === undefined ? stack.tags : checkTags(input.Tags);
  if (diff(ctx.store, stack, deployment).length === 0 && !outputsOrTagsChanged(ctx.store, stack, deployment, tags))
    throw validationError('No updates are to be performed.');
  // The update runs under the policy in force when it starts; a new StackPolicyBody governs the next ones.
  const current = stack.stackPolicy === undefined ? undefined : parseStackPolicy(stack.stackPolicy);
  const policy = duringUpdate?.policy ?? current;
  if (newPolicy) stack.stackPolicy = newPolicy.text;
  applyStackSettings(stack, input.Capabilities, tags, input.RoleARN);
  beginOperation(stack, 'UpdateStack', token);
  ctx.store.stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
  ctx.executor.runner.track(ctx.executor.update(stack, deployment, policy ? { policy } : {}), stack);
  return { StackId: stack.stackId };
}

/** DeleteStack: a missing or deleted stack is success; a protected one is refused, as on AWS. */
export async function deleteStack(ctx: ApiContext, input: DeleteStackInput): Promise<void> {
  const stackName = required(input.StackName, 'stackName');
  const token = checkToken(input.ClientRequestToken, 'clientRequestToken');
  const stack = ctx.store.findStack(stackName, { includeDeleted: true, missingOk: true });
  // Deleting a stack that does not exist (or is already gone) succeeds, as on AWS.
  if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS') return;
  if (servedToken(stack, 'DeleteStack', token)) return;
  if (isProtected(ctx, stack))
    throw validationError(`Stack [${stackName}] cannot be deleted while TerminationProtection is enabled`);
  if (isInProgress(stack.status))
    throw validationError(`Stack [${stack.stackName}] cannot be deleted while in status ${stack.status}`);
  const retain = new Set(input.RetainResources ?? []);
  if (retain.size > 0 && stack.status !== 'DELETE_FAILED') {
    throw validationError(
      `Invalid operation on stack ${stack.stackId}. RetainResources can only be specified when the stack is in the DELETE_FAILED state`,
    );
  }
  beginOperation(stack, 'DeleteStack', token);
  ctx.store.stackEvent(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
  ctx.executor.runner.track(ctx.executor.delete(stack, retain), stack);
}

/** UpdateTerminationProtection: set on root stacks only (nested stacks inherit it), in any status but DELETE_*. */
export async function updateTerminationProtection(
  ctx: ApiContext,
  input: UpdateTerminationProtectionInput,
): Promise<UpdateTerminationProtectionOutput> {
  const enable = required(input.EnableTerminationProtection, 'enableTerminationProtection');
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), false);
  if (stack.rootId !== undefined) {
    throw validationError(
      `Termination protection cannot be updated on nested stack ${stack.stackName}; it is inherited from its root stack ${ctx.store.rootOf(stack).stackName}`,
    );
  }
  if (stack.status === 'DELETE_IN_PROGRESS')
    throw validationError(
      `Stack [${stack.stackName}] is in DELETE_IN_PROGRESS state; termination protection cannot be updated`,
    );
  if (enable) stack.terminationProtection = true;
  else delete stack.terminationProtection;
  ctx.store.persist();
  return { StackId: stack.stackId };
}
