// The plan document's schema, apart from plan.ts: a Lambda loads it (and zod) only when it reads a plan, and the
// bundles build it into a chunk of its own (config/esbuild-plugins.cjs). Errors are the caller's, so that their class
// is the caller's bundle's.
import { BroadeningItemSchema, VerdictSummarySchema } from './change-set/verdict-schemas';
import { formatIssuePath } from './errors';
import { count, nonEmptyString } from './schema-pieces';
import * as z from './zod-mini';

export const PlanCountsSchema = z.object({
  added: count,
  modified: count,
  replaced: count,
  removed: count,
  broadening: count,
});

/** The plan document the `plan` action writes to `s3://<staging bucket>/plans/<stack>/<execution>.json`. */
export const PlanDocumentSchema = z.object({
  kind: z.literal('glue-cd-plan'),
  version: z.literal(1),
  stackName: nonEmptyString,
  environmentName: nonEmptyString,
  executionName: nonEmptyString,
  changeSetName: nonEmptyString,
  changeSetType: z.enum(['CREATE', 'UPDATE']),
  createdAt: z.string(),
  counts: PlanCountsSchema,
  verdict: VerdictSummarySchema,
  /** Every broadening the change set makes: what `approvedPlan` approves. */
  broadening: z.array(BroadeningItemSchema),
  summary: z.string(),
  textUrl: z.string(),
});
export type PlanDocument = z.output<typeof PlanDocumentSchema>;

/** What the deploy result says about a plan. */
export const PlanReferenceSchema = z.object({
  url: z.string(),
  textUrl: z.string(),
  counts: PlanCountsSchema,
  summary: z.string(),
});
export type PlanReference = z.output<typeof PlanReferenceSchema>;

/** The plan, or what is wrong with it (`<path>: <message>`). */
export const checkPlanDocument = (json: unknown): { document: PlanDocument } | { problem: string } => {
  const parsed = PlanDocumentSchema.safeParse(json);
  if (parsed.success) return { document: parsed.data };
  const issue = parsed.error.issues[0];
  return { problem: `${formatIssuePath(issue?.path ?? []) || '(root)'}: ${issue?.message ?? 'invalid'}` };
};
