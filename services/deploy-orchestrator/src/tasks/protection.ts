import {
  GetStackPolicyCommand,
  SetStackPolicyCommand,
  UpdateTerminationProtectionCommand,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { protectedPolicyUpdate } from '@glue-cd/core';

export interface ProtectionApplied {
  /** The stack policy was missing the stateful-resource deny and got it. */
  stackPolicySet: boolean;
  /** Termination protection was off and was turned on. */
  terminationProtectionEnabled: boolean;
}

/**
 * Before an update of a protected environment's stack: the stack policy denies replacing and deleting stateful
 * resources, and termination protection is on. Idempotent (both calls set a value), so a retry repeats nothing
 * harmful; a stack created before protection existed gets it on its next update.
 */
export const ensureStackProtection = async (cfn: CloudFormationClient, stack: Stack): Promise<ProtectionApplied> => {
  const stackName = stack.StackId ?? stack.StackName ?? '';
  const { StackPolicyBody } = await cfn.send(new GetStackPolicyCommand({ StackName: stackName }));
  const policy = protectedPolicyUpdate(StackPolicyBody);
  if (policy !== undefined)
    await cfn.send(new SetStackPolicyCommand({ StackName: stackName, StackPolicyBody: policy }));
  const enable = stack.EnableTerminationProtection !== true;
  if (enable) {
    await cfn.send(new UpdateTerminationProtectionCommand({ StackName: stackName, EnableTerminationProtection: true }));
  }
  return { stackPolicySet: policy !== undefined, terminationProtectionEnabled: enable };
};
