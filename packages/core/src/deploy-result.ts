import { VerdictSummarySchema } from './change-set/verdict-schemas';
import { PlanReferenceSchema } from './plan-schema';
import { nonEmptyString } from './schema-pieces';
import * as z from './zod-mini';

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
  stackName: nonEmptyString,
  stackId: z.optional(z.string()),
  outputs: z._default(z.record(z.string(), z.string()), {}),
  /** The change set's verdict, bounded: counts, the first violations, and where the full verdict is (S3). */
  verdict: z.optional(VerdictSummarySchema),
  /** For outcome planned: where the plan is, what it counts, and a one-paragraph summary. */
  plan: z.optional(PlanReferenceSchema),
  changeSetName: z.optional(z.string()),
  /** What a deploy engineer should know beyond the outcome (e.g. a delete of a stack that was already gone). */
  note: z.optional(z.string()),
});

export type DeployOutcome = (typeof DEPLOY_OUTCOMES)[number];
export type DeployResult = z.output<typeof DeployResultSchema>;
