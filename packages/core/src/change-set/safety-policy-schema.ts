// A safety policy as input (deploy input, `glue-cd inspect --policy`), apart from safety-policy.ts: the verdict
// needs the policy, not zod.
import * as z from 'zod';

export const SafetyPolicySchema = z
  .object({
    allowedLogicalIds: z.array(z.string().min(1)).optional(),
    allowedResourceTypes: z.array(z.string().regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/)).optional(),
    protectedResourceTypes: z.array(z.string().min(1)).optional(),
    conditionalReplacement: z.enum(['unsafe', 'allow']).optional(),
  })
  .strict();
