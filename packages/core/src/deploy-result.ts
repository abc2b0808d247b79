import * as z from 'zod';

export const DEPLOY_OUTCOMES = [
  'created',
  'updated',
  'no-changes',
  'blue-green-created',
  'recreated',
  'deleted',
] as const;

const ViolationSchema = z.object({
  logicalId: z.string(),
  stackPath: z.array(z.string()),
  resourceType: z.string(),
  action: z.string(),
  replacement: z.string().optional(),
  policyAction: z.string().optional(),
  reason: z.string(),
});

/** The deploy state machine's output: what happened to which stack. */
export const DeployResultSchema = z.object({
  outcome: z.enum(DEPLOY_OUTCOMES),
  stackName: z.string().min(1),
  stackId: z.string().optional(),
  outputs: z.record(z.string(), z.string()).default({}),
  verdict: z
    .object({
      verdict: z.enum(['CAN-SAFELY-UPDATE-EXISTING-STACK', 'RESOURCES-BEING-DELETED-OR-REPLACED']),
      safe: z.boolean(),
      violations: z.array(ViolationSchema),
      accepted: z.array(ViolationSchema).default([]),
      inspectedChanges: z.number().int().nonnegative(),
    })
    .optional(),
  changeSetName: z.string().optional(),
  /** What a deploy engineer should know beyond the outcome (e.g. a delete of a stack that was already gone). */
  note: z.string().optional(),
});

export type DeployOutcome = (typeof DEPLOY_OUTCOMES)[number];
export type DeployResult = z.output<typeof DeployResultSchema>;
