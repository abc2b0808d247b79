import * as z from 'zod';
import { checkDeployInputRules, DeployInputSchema } from './deploy-input';

const fields = DeployInputSchema.shape;

/** The pipeline trigger's shorthand for a template inside the action's first input artifact. */
export const ArtifactPathTemplateSchema = z
  .strictObject({
    artifactPath: z
      .string()
      .regex(/\S/, 'must be a non-empty path inside the input artifact')
      .describe("Path of the template inside the action's first input artifact (the Build output zip)"),
  })
  .describe('Expanded by the pipeline trigger to { artifact: <first input artifact>, path: artifactPath }');

/**
 * A deploy input file (`deploy/*.json`, named by the Invoke action's `UserParameters.inputFile`): the deploy input
 * with the `template.artifactPath` shorthand, an optional `"$schema"`, and no job id (the trigger sets it). The
 * source of schemas/deploy-input.schema.json; the descriptions are what an editor shows.
 */
export const DeployInputDocumentSchema = z
  .strictObject({
    // Every field of the deploy input, so a new one reaches the file schema; then the descriptions editors show.
    ...fields,
    $schema: z.string().optional().describe('The JSON Schema of this file, for editors; ignored by the pipeline'),
    environmentName: fields.environmentName.describe(
      'Environment the stack belongs to (lower-case, e.g. test, prod); protected environments refuse broadening by default',
    ),
    stackName: fields.stackName.describe('CloudFormation stack to deploy, plan or delete'),
    action: fields.action.describe(
      'deploy (default): change set, safety verdict, execute; plan: judge and store the plan, change nothing; delete: delete the stack',
    ),
    template: z
      .union([ArtifactPathTemplateSchema, ...fields.template.unwrap().options])
      .optional()
      .describe(
        'Where the template is: { artifactPath }, { artifact, path }, { url } (https:// or s3://) or { body }; required unless action is delete',
      ),
    parameters: fields.parameters.describe('CloudFormation parameters; numbers and booleans are passed as strings'),
    capabilities: fields.capabilities.describe('Capabilities the change set may use (default: all three)'),
    onUnsafeChange: fields.onUnsafeChange.describe(
      'fail (default): refuse a change set that deletes or replaces resources; blue-green: deploy a new stack beside it',
    ),
    onRollbackComplete: fields.onRollbackComplete.describe(
      'A stack in ROLLBACK_COMPLETE (a failed first create): delete and recreate it (default) or fail',
    ),
    safetyPolicy: fields.safetyPolicy.describe(
      'Destructive changes to accept by logical id or type; stateful types (buckets, databases, tables …) stay refused',
    ),
    onBroadening: fields.onBroadening.describe(
      'Security broadening (wider IAM, bucket or key policies, security groups, public access): fail, approve (with approvedPlan) or allow; unset: fail in protected environments, allow elsewhere',
    ),
    approvedPlan: fields.approvedPlan.describe(
      'With onBroadening approve: s3://<staging bucket>/plans/<stack>/<execution>.json written by a plan action',
    ),
    tags: fields.tags.describe('Stack tags'),
    blueGreenSuffix: fields.blueGreenSuffix.describe('Suffix of the new stack name when onUnsafeChange is blue-green'),
    pipeline: z
      .strictObject({ pipelineName: z.string().optional() })
      .optional()
      .describe('Set by the pipeline trigger (the job id); a file may only name the pipeline'),
  })
  .superRefine((input, ctx) => checkDeployInputRules(input, ctx));

export type DeployInputDocument = z.input<typeof DeployInputDocumentSchema>;
