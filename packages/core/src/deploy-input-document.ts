import { checkDeployInputRules, DeployInputSchema } from './deploy-input';
import * as z from './zod-mini';

const fields = DeployInputSchema.shape;

/** A copy of the schema with a description (what an editor shows): classic zod's `.describe()`. */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description));

/** The pipeline trigger's shorthand for a template inside the action's first input artifact. */
export const ArtifactPathTemplateSchema = z
  .strictObject({
    artifactPath: z
      .string()
      .check(
        z.regex(/\S/, 'must be a non-empty path inside the input artifact'),
        z.describe("Path of the template inside the action's first input artifact (the Build output zip)"),
      ),
  })
  .check(z.describe('Expanded by the pipeline trigger to { artifact: <first input artifact>, path: artifactPath }'));

/**
 * A deploy input file (`deploy/*.json`, named by the Invoke action's `UserParameters.inputFile`): the deploy input
 * with the `template.artifactPath` shorthand, an optional `"$schema"`, and no job id (the trigger sets it). The
 * source of schemas/deploy-input.schema.json; the descriptions are what an editor shows.
 */
export const DeployInputDocumentSchema = z
  .strictObject({
    // Every field of the deploy input, so a new one reaches the file schema; then the descriptions editors show.
    ...fields,
    $schema: described(z.optional(z.string()), 'The JSON Schema of this file, for editors; ignored by the pipeline'),
    environmentName: described(
      fields.environmentName,
      'Environment the stack belongs to (lower-case, e.g. test, prod); protected environments refuse broadening by default',
    ),
    stackName: described(fields.stackName, 'CloudFormation stack to deploy, plan or delete'),
    action: described(
      fields.action,
      'deploy (default): change set, safety verdict, execute; plan: judge and store the plan, change nothing; delete: delete the stack',
    ),
    template: described(
      z.optional(z.union([ArtifactPathTemplateSchema, ...fields.template.def.innerType.def.options])),
      'Where the template is: { artifactPath }, { artifact, path }, { url } (https:// or s3://) or { body }; required unless action is delete',
    ),
    parameters: described(fields.parameters, 'CloudFormation parameters; numbers and booleans are passed as strings'),
    capabilities: described(fields.capabilities, 'Capabilities the change set may use (default: all three)'),
    onUnsafeChange: described(
      fields.onUnsafeChange,
      'fail (default): refuse a change set that deletes or replaces resources; blue-green: deploy a new stack beside it',
    ),
    onRollbackComplete: described(
      fields.onRollbackComplete,
      'A stack in ROLLBACK_COMPLETE (a failed first create): delete and recreate it (default) or fail',
    ),
    safetyPolicy: described(
      fields.safetyPolicy,
      'Destructive changes to accept by logical id or type; stateful types (buckets, databases, tables …) stay refused',
    ),
    onBroadening: described(
      fields.onBroadening,
      'Security broadening (wider IAM, bucket or key policies, security groups, public access): fail, approve (with approvedPlan) or allow; unset: fail in protected environments, allow elsewhere',
    ),
    approvedPlan: described(
      fields.approvedPlan,
      'With onBroadening approve: s3://<staging bucket>/plans/<stack>/<execution>.json written by a plan action',
    ),
    tags: described(fields.tags, 'Stack tags'),
    blueGreenSuffix: described(
      fields.blueGreenSuffix,
      'Suffix of the new stack name when onUnsafeChange is blue-green',
    ),
    pipeline: described(
      z.optional(z.strictObject({ pipelineName: z.optional(z.string()) })),
      'Set by the pipeline trigger (the job id); a file may only name the pipeline',
    ),
  })
  .check(z.superRefine((input, ctx) => checkDeployInputRules(input, ctx)));

export type DeployInputDocument = z.input<typeof DeployInputDocumentSchema>;
