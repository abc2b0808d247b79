import { describeBroadening, type BroadeningItem } from './broadening-item';
import type { VerdictSummary } from './verdict-schemas';
import { describeViolation, SAFE_VERDICT, UNSAFE_VERDICT, type ChangeSetVerdict, type Violation } from './verdict';

/** What a deploy does with security broadening: refuse it, accept it when an approved plan lists it, or accept it. */
export const ON_BROADENING = ['fail', 'approve', 'allow'] as const;
export type OnBroadening = (typeof ON_BROADENING)[number];

/** The verdict when nothing is deleted or replaced but permissions widen without approval. */
export const BROADENING_VERDICT = 'SECURITY-BROADENING-NOT-APPROVED';
export type DeployVerdictValue = typeof SAFE_VERDICT | typeof UNSAFE_VERDICT | typeof BROADENING_VERDICT;

/** A plan's approval as the orchestrator read it: the broadening ids it lists, or why it could not be used. */
export type PlanApproval = { url: string; approvedIds: ReadonlySet<string> } | { url: string; problem: string };

export interface BroadeningVerdict {
  policy: OnBroadening;
  /** Every broadening of the change set. */
  items: BroadeningItem[];
  /** The items the policy refuses (all of them under fail; those missing from the approved plan under approve). */
  refused: BroadeningItem[];
  approvedPlan?: string;
  /** Why the broadening is refused, and how to approve it. */
  reason?: string;
}

/** The whole judgement of a change set: destructive changes and security broadening. */
export interface DeployVerdict extends Omit<ChangeSetVerdict, 'verdict'> {
  verdict: DeployVerdictValue;
  broadening: BroadeningVerdict;
}

/** Where the `plan` action writes, so a refusal can say how to approve. */
export interface ApprovalHint {
  stackName: string;
  /** `s3://bucket/plans/<stack>/` when the staging bucket is known. */
  plansPrefix?: string;
}

const howToApprove = (hint: ApprovalHint | undefined): string => {
  const where = hint?.plansPrefix ?? `s3://<template staging bucket>/plans/${hint?.stackName ?? '<stack>'}/`;
  return `to approve: run the pipeline with "action": "plan" for this stack, review the plan it writes under ${where}, then deploy with "onBroadening": "approve" and "approvedPlan": "${where}<execution>.json"`;
};

/** Applies the broadening policy to the broadening items of a change set. */
export const judgeBroadening = (
  items: BroadeningItem[],
  policy: OnBroadening,
  approval?: PlanApproval,
  hint?: ApprovalHint,
): BroadeningVerdict => {
  const verdict: BroadeningVerdict = { policy, items, refused: [] };
  if (approval !== undefined) verdict.approvedPlan = approval.url;
  if (items.length === 0 || policy === 'allow') return verdict;
  if (policy === 'fail') {
    return {
      ...verdict,
      refused: items,
      reason: `onBroadening is fail: ${items.length} security broadening${items.length === 1 ? '' : 's'} refused; ${howToApprove(hint)}`,
    };
  }
  if (approval === undefined) {
    return {
      ...verdict,
      refused: items,
      reason: `onBroadening is approve but no approvedPlan is given; ${howToApprove(hint)}`,
    };
  }
  if ('problem' in approval) {
    return { ...verdict, refused: items, reason: `approvedPlan ${approval.url} cannot be used: ${approval.problem}` };
  }
  const refused = items.filter((b) => !approval.approvedIds.has(b.id));
  if (refused.length === 0) return verdict;
  return {
    ...verdict,
    refused,
    reason: `${refused.length} of ${items.length} security broadenings are not in approvedPlan ${approval.url}; ${howToApprove(hint)}`,
  };
};

/** Destructive changes first (they are refused whatever the broadening policy says), then broadening. */
export const deployVerdict = (changeSet: ChangeSetVerdict, broadening: BroadeningVerdict): DeployVerdict => {
  const destructive = changeSet.violations.length > 0;
  const broadened = broadening.refused.length > 0;
  return {
    ...changeSet,
    verdict: destructive ? UNSAFE_VERDICT : broadened ? BROADENING_VERDICT : SAFE_VERDICT,
    safe: !destructive && !broadened,
    broadening,
  };
};

/** The full verdict for people: every violation, every broadening. */
export const formatDeployVerdict = (verdict: DeployVerdict): string => {
  const lines = [
    `${verdict.verdict}: ${verdict.violations.length} of ${verdict.inspectedChanges} resource changes would delete or replace resources; ${verdict.broadening.refused.length} of ${verdict.broadening.items.length} security broadenings refused (onBroadening ${verdict.broadening.policy})`,
    ...verdict.violations.map((v) => `  - ${describeViolation(v)}`),
    ...verdict.broadening.refused.map((b) => `  ! ${describeBroadening(b)}`),
  ];
  if (verdict.broadening.reason !== undefined) lines.push(`  ${verdict.broadening.reason}`);
  if (verdict.accepted.length > 0) {
    lines.push('  accepted by the safety policy:', ...verdict.accepted.map((v) => `  + ${describeViolation(v)}`));
  }
  const approved = verdict.broadening.items.filter((b) => !verdict.broadening.refused.includes(b));
  if (approved.length > 0) {
    lines.push(
      `  broadening accepted (onBroadening ${verdict.broadening.policy}):`,
      ...approved.map((b) => `  + ${describeBroadening(b)}`),
    );
  }
  return lines.join('\n');
};

// ---- the bounded form the state machine carries ($.changeSet.verdict) and the execution output ----

/** How many violations and broadenings the state keeps; the rest are in the full verdict in S3. */
export const VERDICT_SUMMARY_ITEMS = 10;

export const summarizeVerdict = (
  verdict: DeployVerdict,
  location?: string,
  limit = VERDICT_SUMMARY_ITEMS,
): VerdictSummary => {
  const destructive = verdict.violations.length > 0;
  const broadened = verdict.broadening.refused.length > 0;
  const refusal = destructive
    ? broadened
      ? 'destructive-and-broadening'
      : 'destructive'
    : broadened
      ? 'broadening'
      : 'none';
  const summary: VerdictSummary = {
    verdict: verdict.verdict,
    safe: verdict.safe,
    refusal,
    counts: {
      inspectedChanges: verdict.inspectedChanges,
      violations: verdict.violations.length,
      accepted: verdict.accepted.length,
      broadening: verdict.broadening.items.length,
      refusedBroadening: verdict.broadening.refused.length,
    },
    violations: verdict.violations.slice(0, limit),
    broadening: verdict.broadening.refused.slice(0, limit),
    onBroadening: verdict.broadening.policy,
  };
  if (verdict.broadening.reason !== undefined) summary.broadeningReason = verdict.broadening.reason;
  if (location !== undefined) summary.location = location;
  return summary;
};

/** The summary for people, within `limit` characters (CodePipeline's 5000), naming where the full verdict is. */
export const formatVerdictSummary = (summary: VerdictSummary, limit = 5000): string => {
  const { counts } = summary;
  const where = summary.location !== undefined ? `full verdict: ${summary.location}` : 'full verdict not stored';
  const head = `${summary.verdict}: ${counts.violations} of ${counts.inspectedChanges} resource changes would delete or replace resources; ${counts.refusedBroadening} of ${counts.broadening} security broadenings refused (onBroadening ${summary.onBroadening}); ${where}`;
  const body = [
    ...summary.violations.map((v: Violation) => `  - ${describeViolation(v)}`),
    ...(counts.violations > summary.violations.length
      ? [`  … and ${counts.violations - summary.violations.length} more violations (${where})`]
      : []),
    ...summary.broadening.map((b) => `  ! ${describeBroadening(b as BroadeningItem)}`),
    ...(counts.refusedBroadening > summary.broadening.length
      ? [`  … and ${counts.refusedBroadening - summary.broadening.length} more broadenings (${where})`]
      : []),
    ...(summary.broadeningReason !== undefined ? [`  ${summary.broadeningReason}`] : []),
  ];
  // Whole lines only; the head (with the location) always fits.
  const lines = [head];
  let length = head.length;
  for (const line of body) {
    if (length + 1 + line.length > limit - 80) {
      lines.push(`  … (cut to ${limit} characters; ${where})`);
      break;
    }
    lines.push(line);
    length += 1 + line.length;
  }
  return lines.join('\n').slice(0, limit);
};
