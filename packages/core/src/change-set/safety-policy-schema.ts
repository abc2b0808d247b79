// A safety policy as input (deploy input, `glue-cd inspect --policy`), apart from safety-policy.ts: the verdict
// needs the policy, not zod.
import { nonEmptyString } from '../schema-pieces';
import * as z from '../zod-mini';

export const SafetyPolicySchema = z.strictObject({
  allowedLogicalIds: z.optional(z.array(nonEmptyString)),
  allowedResourceTypes: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/)))),
  protectedResourceTypes: z.optional(z.array(nonEmptyString)),
  conditionalReplacement: z.optional(z.enum(['unsafe', 'allow'])),
});
