import * as z from 'zod';
import { VerdictSummarySchema } from './change-set/verdict-schemas';
import { PlanReferenceSchema } from './plan-schema';

export const DEPLOY_OUTCOMES = [
  'created',
  'updated',
  'no-changes',
  'blue-green-created',
  'recreated',
  'deleted',
  'planned',
] as const;

/** The deploy state machine's output: what happened to which stack. */
export const DeployResultSchema = z.object({
  outcome: z.enum(DEPLOY_OUTCOMES),
  stackName: z.string().min(1),
  stackId: z.string().optional(),
  outputs: z.record(z.string(), z.string()).default({}),
  /** The change set's verdict, bounded: counts, the first violations, and where the full verdict is (S3). */
  verdict: VerdictSummarySchema.optional(),
  /** For outcome planned: where the plan is, what it counts, and a one-paragraph summary. */
  plan: PlanReferenceSchema.optional(),
  changeSetName: z.string().optional(),
  /** What a deploy engineer should know beyond the outcome (e.g. a delete of a stack that was already gone). */
  note: z.string().optional(),
});

export type DeployOutcome = (typeof DEPLOY_OUTCOMES)[number];
export type DeployResult = z.output<typeof DeployResultSchema>;
