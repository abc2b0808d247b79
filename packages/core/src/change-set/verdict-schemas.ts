// The verdict as data (the state machine's $.changeSet.verdict, plans, `glue-cd inspect --format json`): apart from
// deploy-verdict.ts, so a task that only formats a verdict does not build zod schemas at cold start.
import { count, nonEmptyString } from '../schema-pieces';
import * as z from '../zod-mini';
import { BROADENING_KINDS } from './broadening-item';
import { BROADENING_VERDICT, ON_BROADENING } from './deploy-verdict';
import { SAFE_VERDICT, UNSAFE_VERDICT } from './verdict';

export const BroadeningItemSchema = z.object({
  id: nonEmptyString,
  kind: z.enum(BROADENING_KINDS),
  stackPath: z.array(z.string()),
  description: z.string(),
});

/** One Violation (verdict.ts) as data: the state, the plan and `glue-cd inspect --format json` carry it. */
export const ViolationSchema = z.object({
  logicalId: z.string(),
  stackPath: z.array(z.string()),
  resourceType: z.string(),
  action: z.string(),
  replacement: z.optional(z.string()),
  policyAction: z.optional(z.string()),
  reason: z.string(),
});

export const VerdictSummarySchema = z.object({
  verdict: z.enum([SAFE_VERDICT, UNSAFE_VERDICT, BROADENING_VERDICT]),
  safe: z.boolean(),
  /** What refused the change set; only `destructive` alone can go blue/green (a new stack would broaden too). */
  refusal: z.enum(['none', 'destructive', 'broadening', 'destructive-and-broadening']),
  counts: z.object({
    inspectedChanges: count,
    violations: count,
    accepted: count,
    broadening: count,
    refusedBroadening: count,
  }),
  /** The first violations (at most VERDICT_SUMMARY_ITEMS). */
  violations: z.array(ViolationSchema),
  /** The first refused broadenings (at most VERDICT_SUMMARY_ITEMS). */
  broadening: z.array(BroadeningItemSchema),
  onBroadening: z.enum(ON_BROADENING),
  broadeningReason: z.optional(z.string()),
  /** The full verdict: `s3://<staging bucket>/verdicts/<stack>/<execution>/verdict.json`. */
  location: z.optional(z.string()),
});
export type VerdictSummary = z.output<typeof VerdictSummarySchema>;
