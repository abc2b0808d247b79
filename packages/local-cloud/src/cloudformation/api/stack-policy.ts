import type { GetStackPolicyInput, GetStackPolicyOutput, SetStackPolicyInput } from '@aws-sdk/client-cloudformation';
import { validationError } from '../errors';
import { type ApiContext, required, stackPolicyText } from './context';

/** SetStackPolicy: replaces the stack's policy (a policy cannot be removed, only replaced, as on AWS). */
export async function setStackPolicy(ctx: ApiContext, input: SetStackPolicyInput): Promise<void> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), false);
  const policy = await stackPolicyText(ctx, input.StackPolicyBody, input.StackPolicyURL);
  if (!policy) throw validationError('Exactly one of StackPolicyBody or StackPolicyURL must be specified.');
  stack.stackPolicy = policy.text;
  ctx.store.persist();
}

/** GetStackPolicy: the policy as it was given; no body for a stack that never had one. */
export async function getStackPolicy(ctx: ApiContext, input: GetStackPolicyInput): Promise<GetStackPolicyOutput> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), false);
  return stack.stackPolicy === undefined ? {} : { StackPolicyBody: stack.stackPolicy };
}
