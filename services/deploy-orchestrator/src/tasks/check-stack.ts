import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { classifyStackStatus, StackBusyError, StackOperationFailedError, type DeployInput } from '@glue-cd/core';
import { BUSY_STACK_POLLING, waitSecondsAfter } from '../polling';
import type { CheckStackEvent, StackCheck, StackRoute } from '../state';
import { describeStack } from './stacks';

export interface ObservedStack {
  status?: string;
  statusReason?: string;
}

/**
 * Where the deploy goes from the stack's current status (pure). Throws the named error for statuses that need
 * a person: failed states, a ROLLBACK_COMPLETE stack the input says not to replace, a stack busy for too long.
 */
export const routeFor = (input: DeployInput, stack: ObservedStack, busyChecks: number): StackRoute => {
  const phase = classifyStackStatus(stack.status);
  const reason = stack.statusReason ? ` (${stack.statusReason})` : '';
  switch (phase) {
    case 'not-found':
      return input.action === 'delete' ? 'already-deleted' : input.action === 'plan' ? 'plan' : 'create';
    case 'review':
      // No resources, only an unexecuted CREATE change set: a delete removes it, a plan makes its own CREATE
      // change set on it, a deploy removes it and creates the stack.
      return input.action === 'delete' ? 'delete' : input.action === 'plan' ? 'plan' : 'recreate';
    case 'in-progress':
      if (busyChecks + 1 >= BUSY_STACK_POLLING.maxPolls) {
        throw new StackBusyError(
          `stack ${input.stackName} is still ${stack.status ?? '?'} after ${busyChecks + 1} checks: another operation is running on it; retry when it has finished`,
        );
      }
      return 'wait';
    case 'failed':
      throw new StackBusyError(
        `stack ${input.stackName} is ${stack.status ?? '?'}${reason}: it needs a person (e.g. continue-update-rollback or a manual delete) before glue-cd can ${input.action} it`,
      );
    case 'rollback-complete':
      if (input.action === 'delete') return 'delete';
      if (input.action === 'plan') {
        throw new StackOperationFailedError(
          `stack ${input.stackName} is ROLLBACK_COMPLETE${reason}: CloudFormation makes no change set for it; a deploy deletes and recreates it (onRollbackComplete delete-and-recreate), or delete it first`,
        );
      }
      if (input.onRollbackComplete === 'fail') {
        throw new StackOperationFailedError(
          `stack ${input.stackName} is ROLLBACK_COMPLETE${reason}: its first create failed and it cannot be updated; onRollbackComplete is "fail", so it is left for inspection (delete it, or set onRollbackComplete to "delete-and-recreate")`,
        );
      }
      return 'recreate';
    case 'complete':
      return input.action === 'delete' ? 'delete' : input.action === 'plan' ? 'plan' : 'update';
  }
};

/** CheckStack / RecheckStack: the target stack's status and the route the deploy takes. */
export const checkStack = async (cfn: CloudFormationClient, event: CheckStackEvent): Promise<StackCheck> => {
  const stack = await describeStack(cfn, event.input.stackName);
  const observed: ObservedStack = {};
  if (stack?.StackStatus !== undefined) observed.status = stack.StackStatus;
  if (stack?.StackStatusReason !== undefined) observed.statusReason = stack.StackStatusReason;
  const route = routeFor(event.input, observed, event.busyChecks);
  const busyChecks = route === 'wait' ? event.busyChecks + 1 : 0;
  const check: StackCheck = {
    stackName: event.input.stackName,
    route,
    busyChecks,
    waitSeconds: waitSecondsAfter(Math.max(0, busyChecks - 1), BUSY_STACK_POLLING),
  };
  if (observed.status !== undefined) check.status = observed.status;
  if (stack?.StackId !== undefined) check.stackId = stack.StackId;
  const phase = classifyStackStatus(observed.status);
  if (route === 'recreate') check.createOutcome = phase === 'review' ? 'created' : 'recreated';
  if (route === 'plan') check.changeSetType = phase === 'complete' ? 'UPDATE' : 'CREATE';
  return check;
};
