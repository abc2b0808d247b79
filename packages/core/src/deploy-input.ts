import { ON_BROADENING, type OnBroadening } from './change-set/deploy-verdict';
import { SafetyPolicySchema } from './change-set/safety-policy-schema';
import { ConfigurationError, formatIssuePath } from './errors';
import { nonEmptyString } from './schema-pieces';
import * as z from './zod-mini';

export const DEPLOY_ACTIONS = ['deploy', 'delete', 'plan'] as const;
export type DeployAction = (typeof DEPLOY_ACTIONS)[number];

export const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;
export type Capability = (typeof CAPABILITIES)[number];

// CloudFormation's own rule for stack names.
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const TemplateSourceSchema = z.union([
  z.strictObject({ url: z.string().check(z.regex(/^(https?|s3):\/\/\S+$/, 'must be an https:// or s3:// URL')) }),
  z.strictObject({
    artifact: z.strictObject({ bucket: z.string().check(z.minLength(3)), key: nonEmptyString }),
    path: nonEmptyString,
  }),
  z.strictObject({ body: nonEmptyString }),
]);
export type TemplateSource = z.infer<typeof TemplateSourceSchema>;

// CodePipeline JSON may carry numbers or booleans; CloudFormation parameters are strings.
const ParameterValue = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));

/** The rules across fields of a deploy input (the state machine's and a deploy file's), as zod issues. */
export const checkDeployInputRules = (
  input: {
    action: DeployAction;
    stackName: string;
    template?: unknown;
    onBroadening?: OnBroadening;
    approvedPlan?: string;
  },
  ctx: z.core.$RefinementCtx,
): void => {
  if (input.action !== 'delete' && input.template === undefined) {
    ctx.addIssue({ code: 'custom', path: ['template'], message: `is required when action is ${input.action}` });
  }
  if (input.approvedPlan !== undefined) {
    if (input.onBroadening !== 'approve') {
      ctx.addIssue({ code: 'custom', path: ['approvedPlan'], message: 'is only read when onBroadening is approve' });
    } else if (!input.approvedPlan.includes(`/plans/${input.stackName}/`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvedPlan'],
        message: `must be a plan of stack ${input.stackName} (…/plans/${input.stackName}/<execution>.json)`,
      });
    }
  }
};

export const DeployInputSchema = z
  .strictObject({
    environmentName: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and -')),
    stackName: z
      .string()
      .check(z.regex(STACK_NAME, 'must be a CloudFormation stack name ([A-Za-z][A-Za-z0-9-]{0,127})')),
    /** `plan` creates and judges the change set, stores the plan in S3 and deletes the change set. */
    action: z._default(z.enum(DEPLOY_ACTIONS), 'deploy'),
    template: z.optional(TemplateSourceSchema),
    parameters: z._default(z.record(z.string(), ParameterValue), {}),
    capabilities: z._default(z.array(z.enum(CAPABILITIES)), [...CAPABILITIES]),
    onUnsafeChange: z._default(z.enum(['fail', 'blue-green']), 'fail'),
    onRollbackComplete: z._default(z.enum(['delete-and-recreate', 'fail']), 'delete-and-recreate'),
    safetyPolicy: z.optional(SafetyPolicySchema),
    /** Security broadening: unset means fail in a protected environment, allow elsewhere (resolved by ValidateInput). */
    onBroadening: z.optional(z.enum(ON_BROADENING)),
    /** With onBroadening approve: the plan (`s3://<staging bucket>/plans/<stack>/<execution>.json`) that approves. */
    approvedPlan: z.optional(
      z
        .string()
        .check(
          z.regex(/^s3:\/\/[^/\s]+\/plans\/[^\s]+\.json$/, 'must be s3://<bucket>/plans/<stack>/<execution>.json'),
        ),
    ),
    tags: z._default(z.record(z.string(), z.string()), {}),
    /** Suffix of the new stack's name when blue/green deploys beside an unsafe change. */
    blueGreenSuffix: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,30}$/))),
    /** Set by the pipeline trigger: which CodePipeline job started this deploy. */
    pipeline: z.optional(z.strictObject({ jobId: nonEmptyString, pipelineName: z.optional(z.string()) })),
  })
  .check(z.superRefine((input, ctx) => checkDeployInputRules(input, ctx)));

export type DeployInput = z.output<typeof DeployInputSchema>;

/** A deploy file's `"$schema"` points editors at schemas/deploy-input.schema.json; it is not part of the input. */
const withoutSchemaReference = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const { $schema, ...rest } = value as Record<string, unknown>;
  return typeof $schema === 'string' ? rest : value;
};

/**
 * Validates a deploy input, naming every wrong field (`DeployInput.stackName: must be ...`). A string `"$schema"`
 * (the editor hint of a deploy file) is dropped.
 */
export const parseDeployInput = (value: unknown, label = 'DeployInput'): DeployInput => {
  const parsed = DeployInputSchema.safeParse(withoutSchemaReference(value));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = formatIssuePath(issue.path);
    return `${label}${path ? `.${path}` : ''}: ${issue.message}`;
  });
  throw new ConfigurationError(problems.join('; '));
};
