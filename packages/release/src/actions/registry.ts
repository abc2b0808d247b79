import type { PipelineAction } from '../pipeline-definition';
import { codeBuildAction } from './codebuild';
import { lambdaInvokeAction } from './lambda-invoke';
import { manualApprovalAction } from './manual-approval';
import { sourceAction } from './source';
import type { ActionRunner } from './types';

/** One runner per CodePipeline action type (`Category/Provider`); an action of any other type fails, naming it. */
export const ACTION_RUNNERS: Readonly<Record<string, ActionRunner>> = {
  'Source/CodeStarSourceConnection': sourceAction,
  'Source/CodeCommit': sourceAction,
  'Source/GitHub': sourceAction,
  'Build/CodeBuild': codeBuildAction,
  'Test/CodeBuild': codeBuildAction,
  'Invoke/Lambda': lambdaInvokeAction,
  'Approval/Manual': manualApprovalAction,
};

export const actionType = (action: PipelineAction): string => `${action.category}/${action.provider}`;

export const runnerFor = (
  action: PipelineAction,
  runners: Readonly<Record<string, ActionRunner>> = ACTION_RUNNERS,
): ActionRunner | undefined => runners[actionType(action)];
