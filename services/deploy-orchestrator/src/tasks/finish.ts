import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DeployResult } from '@glue-cd/core';
import type { FinishEvent } from '../state';
import { describeStack, stackOutputs } from './stacks';

/** The execution output: a DeployResult, with a note when there was nothing to do. */
export type FinishResult = DeployResult & { note?: string };

/** Finish / FinishNoChanges / FinishAlreadyDeleted / FinishPlanned: the DeployResult of the path the execution took. */
export const finish = async (cfn: CloudFormationClient, event: FinishEvent): Promise<FinishResult> => {
  const { outcome, deploy } = event;

  if (outcome === 'planned') {
    const changeSet = deploy.changeSet;
    const result: FinishResult = { outcome, stackName: deploy.input.stackName, outputs: {} };
    if (changeSet?.stackId !== undefined && changeSet.changeSetType === 'UPDATE') result.stackId = changeSet.stackId;
    if (changeSet !== undefined) {
      result.changeSetName = changeSet.changeSetName;
      if (changeSet.verdict !== undefined) result.verdict = changeSet.verdict;
      if (changeSet.plan !== undefined) {
        result.plan = changeSet.plan;
        // Output variables of the pipeline action: where to review the plan.
        result.outputs = { PlanUrl: changeSet.plan.url, PlanTextUrl: changeSet.plan.textUrl };
        result.note = changeSet.plan.summary;
      }
    }
    return result;
  }

  const stackName = deploy.operation?.stackName ?? deploy.input.stackName;
  const result: FinishResult = { outcome, stackName, outputs: {} };

  if (outcome === 'deleted') {
    const stackId = deploy.operation?.stackId ?? deploy.stack?.stackId;
    if (stackId !== undefined) result.stackId = stackId;
    if (deploy.operation === undefined) result.note = `stack ${stackName} did not exist: nothing to delete`;
    else if (deploy.buckets !== undefined && deploy.buckets.retained.length > 0) {
      result.note = `retained buckets (DeletionPolicy) kept with their data: ${deploy.buckets.retained.join(', ')}`;
    }
    return result;
  }

  const stack = await describeStack(cfn, deploy.operation?.stackId ?? deploy.changeSet?.stackId ?? stackName);
  if (stack?.StackId !== undefined) result.stackId = stack.StackId;
  result.outputs = stackOutputs(stack);
  if (deploy.changeSet !== undefined) {
    result.changeSetName = deploy.changeSet.changeSetName;
    if (deploy.changeSet.verdict !== undefined) result.verdict = deploy.changeSet.verdict;
  }
  if (outcome === 'blue-green-created') {
    result.note = `the change set on ${deploy.input.stackName} was unsafe, so ${stackName} was created beside it`;
  }
  return result;
};
