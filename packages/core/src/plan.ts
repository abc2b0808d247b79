import type { BroadeningItem } from './change-set/broadening-item';
import type { VerdictSummary } from './change-set/verdict-schemas';
import type { ChangeSetTree } from './change-set/verdict';
import { ConfigurationError } from './errors';
import type * as PlanSchema from './plan-schema';

/** What a change set would do, resource by resource (nested stacks included), and how much it broadens. */
export interface PlanCounts {
  added: number;
  modified: number;
  replaced: number;
  removed: number;
  broadening: number;
}

/** Counts the resource changes of a change set tree: Replacement True or Conditional counts as replaced. */
export const planCounts = (tree: ChangeSetTree, broadening: number): PlanCounts => {
  const counts: PlanCounts = { added: 0, modified: 0, replaced: 0, removed: 0, broadening };
  const walk = (node: ChangeSetTree): void => {
    for (const change of node.changes) {
      const resource = change.ResourceChange;
      if (resource === undefined || (change.Type !== undefined && change.Type !== 'Resource')) continue;
      switch (resource.Action) {
        case 'Add':
        case 'Import':
          counts.added += 1;
          break;
        case 'Remove':
          counts.removed += 1;
          break;
        case 'Modify':
          if (resource.Replacement === 'True' || resource.Replacement === 'Conditional') counts.replaced += 1;
          else counts.modified += 1;
          break;
        default:
          counts.modified += 1;
      }
    }
    for (const nested of Object.values(node.nested ?? {})) walk(nested);
  };
  walk(tree);
  return counts;
};

export interface PlanSummaryInput {
  stackName: string;
  changeSetType: 'CREATE' | 'UPDATE';
  counts: PlanCounts;
  verdict: VerdictSummary;
  broadening: BroadeningItem[];
  url: string;
  textUrl: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One paragraph for the pipeline: what would change, whether a deploy would be refused, where the plan is. */
export const planSummary = (plan: PlanSummaryInput): string => {
  const { counts } = plan;
  const what =
    plan.changeSetType === 'CREATE' ? `Plan for new stack ${plan.stackName}` : `Plan for stack ${plan.stackName}`;
  // A paragraph, not a listing: three descriptions at most, each cut to a line.
  const shown = plan.broadening
    .slice(0, 3)
    .map((b) => (b.description.length > 160 ? `${b.description.slice(0, 159)}…` : b.description));
  const broadening =
    counts.broadening === 0
      ? 'no security broadening'
      : `${plural(counts.broadening, 'security broadening')} (${shown.join('; ')}${counts.broadening > shown.length ? '; …' : ''})`;
  const outcome = plan.verdict.safe
    ? 'a deploy with the same input would be accepted'
    : plan.verdict.refusal === 'broadening'
      ? `a deploy would be refused for broadening unless it names this plan as approvedPlan with "onBroadening": "approve"`
      : `a deploy would be refused (${plan.verdict.verdict}: ${plural(plan.verdict.counts.violations, 'resource')} deleted or replaced)`;
  return `${what}: ${counts.added} added, ${counts.modified} modified, ${counts.replaced} replaced, ${counts.removed} removed; ${broadening}; ${outcome}. Plan: ${plan.url} (text: ${plan.textUrl}).`;
};

/** Reads an approved plan's JSON, naming what is wrong with it (ConfigurationError). */
export const parsePlanDocument = (json: unknown, url: string): PlanSchema.PlanDocument => {
  // The schema (and zod) is loaded when a plan is read, for an approval: not at the cold start of every judge.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const checked = (require('./plan-schema') as typeof PlanSchema).checkPlanDocument(json);
  if ('document' in checked) return checked.document;
  throw new ConfigurationError(`approvedPlan ${url} is not a glue-cd plan: ${checked.problem}`);
};
