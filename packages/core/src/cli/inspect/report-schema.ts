import { z } from 'zod';
import { BROADENING_VERDICT, ON_BROADENING } from '../../change-set/deploy-verdict';
import { BroadeningItemSchema, ViolationSchema } from '../../change-set/verdict-schemas';
import { SAFE_VERDICT, UNSAFE_VERDICT } from '../../change-set/verdict';

/** Nothing read is refused, but part of the change set was not read: no verdict can be given (exit 3). */
export const INCOMPLETE_VERDICT = 'CHANGE-SET-INCOMPLETE';

export const InspectVerdictSchema = z.enum([SAFE_VERDICT, UNSAFE_VERDICT, BROADENING_VERDICT, INCOMPLETE_VERDICT]);
export type InspectVerdict = z.output<typeof InspectVerdictSchema>;

export const ResourceChangeSummarySchema = z.object({
  logicalId: z.string(),
  stackPath: z.array(z.string()).describe('Logical ids of the nested stacks leading to the resource; [] for the root'),
  resourceType: z.string(),
  action: z.string().describe('Add, Modify, Remove, Import or Dynamic'),
  replacement: z.string().optional().describe('True, False or Conditional (Modify only)'),
  policyAction: z.string().optional(),
  physicalResourceId: z.string().optional(),
});
export type ResourceChangeSummary = z.output<typeof ResourceChangeSummarySchema>;

export const IncompleteChangeSetSchema = z.object({
  stackPath: z
    .array(z.string())
    .describe('Logical ids of the nested stacks leading to the change set that was not read; [] for the root'),
  changeSetId: z.string().optional(),
  reason: z.string(),
});
export type IncompleteChangeSet = z.output<typeof IncompleteChangeSetSchema>;

/** `glue-cd inspect --format json`: the whole judgement of one change set. */
export const InspectReportSchema = z.object({
  verdict: InspectVerdictSchema,
  safe: z.boolean().describe('true exactly when the exit status is 0'),
  stackName: z.string().optional(),
  changeSetName: z.string().optional(),
  inspectedChanges: z.number().int().nonnegative().describe('Resource changes read, nested change sets included'),
  violations: z.array(ViolationSchema).describe('Changes that delete or replace a resource, refused'),
  accepted: z.array(ViolationSchema).describe('Destructive changes the safety policy allow-lists'),
  broadening: z
    .array(z.object({ ...BroadeningItemSchema.shape, refused: z.boolean() }))
    .describe('Security broadening between the current and the new templates (only when templates were read)'),
  onBroadening: z.enum(ON_BROADENING),
  broadeningReason: z.string().optional(),
  incomplete: z
    .array(IncompleteChangeSetSchema)
    .describe('Nested change sets or pages that were not read: exit 3 unless --allow-incomplete'),
  changes: z.array(ResourceChangeSummarySchema).describe('Every resource change read, in order'),
});
export type InspectReport = z.output<typeof InspectReportSchema>;
