import { ConfigurationError } from '@glue-cd/core';

/** The orchestrator's deployment settings, from the Lambda environment (serverless.yml). */
export interface OrchestratorSettings {
  /** Bucket for templates too large for TemplateBody (TEMPLATE_STAGING_BUCKET). */
  templateStagingBucket?: string;
  /** CloudFormation service role passed as RoleARN (CLOUDFORMATION_ROLE_ARN). */
  cloudFormationRoleArn?: string;
  /** Stacks this orchestrator may manage must start with it (STACK_NAME_PREFIX); unset: any. */
  stackNamePrefix?: string;
  region: string;
}

type Env = Record<string, string | undefined>;

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

export const readSettings = (env: Env = process.env): OrchestratorSettings => {
  const settings: OrchestratorSettings = { region: nonEmpty(env.AWS_REGION) ?? 'us-east-1' };
  const bucket = nonEmpty(env.TEMPLATE_STAGING_BUCKET);
  const role = nonEmpty(env.CLOUDFORMATION_ROLE_ARN);
  const prefix = nonEmpty(env.STACK_NAME_PREFIX);
  if (bucket !== undefined) settings.templateStagingBucket = bucket;
  if (role !== undefined) {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(role)) {
      throw new ConfigurationError(`CLOUDFORMATION_ROLE_ARN: must be an IAM role ARN, got ${role}`);
    }
    settings.cloudFormationRoleArn = role;
  }
  if (prefix !== undefined) settings.stackNamePrefix = prefix;
  return settings;
};

/** The staging bucket, or a ConfigurationError naming the variable when a large template needs it. */
export const requireStagingBucket = (settings: OrchestratorSettings, why: string): string => {
  if (settings.templateStagingBucket === undefined) {
    throw new ConfigurationError(`TEMPLATE_STAGING_BUCKET is not set, but ${why}`);
  }
  return settings.templateStagingBucket;
};

/** `{ RoleARN }` when a CloudFormation service role is configured. */
export const roleArnParameter = (settings: OrchestratorSettings): { RoleARN?: string } =>
  settings.cloudFormationRoleArn !== undefined ? { RoleARN: settings.cloudFormationRoleArn } : {};
