import { formatPlanForReview } from '../plan-record';
import type { ActionRunner } from './types';

/**
 * A Manual approval action: the reviewer reads the action's CustomData (its `#{…}` resolved, as the SNS notification
 * and the console show it) and the plans made before it (what the link opens on AWS), then approves or rejects; a
 * rejection stops the pipeline run.
 */
export const manualApprovalAction: ActionRunner = async ({ action, configuration, plans = [] }, environment) => {
  const customData = typeof configuration.CustomData === 'string' ? configuration.CustomData.trim() : '';
  const link = typeof configuration.ExternalEntityLink === 'string' ? ` (${configuration.ExternalEntityLink})` : '';
  const reviewed = plans.length
    ? `${plans.map((plan) => `\n\n${formatPlanForReview(plan)}`).join('')}\n\nApprove ${action.name}?`
    : '';
  const question = `${action.name}: ${customData || 'approve this revision?'}${link}${reviewed}`;
  const answer = await environment.approver(question);
  const { approved, reason } = typeof answer === 'boolean' ? { approved: answer, reason: undefined } : answer;
  const detail = reason === undefined ? question : `${question}\n${reason}`;
  if (approved) return { status: 'Succeeded', summary: 'approved', detail };
  return { status: 'Stopped', summary: 'rejected', detail };
};
