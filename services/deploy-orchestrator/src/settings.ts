import { ConfigurationError, parseEnvironmentList } from '@glue-cd/core';

/** The orchestrator's deployment settings, from the Lambda environment (serverless.yml). */
export interface OrchestratorSettings {
  /** Bucket for large templates, verdicts and plans (TEMPLATE_STAGING_BUCKET). */
  templateStagingBucket?: string;
  /** The CloudFormation service role of each environment (CLOUDFORMATION_ROLE_ARNS, a JSON object). */
  cloudFormationRoleArns?: Record<string, string>;
  /** The service role of environments CLOUDFORMATION_ROLE_ARNS does not name (CLOUDFORMATION_ROLE_ARN). */
  cloudFormationRoleArn?: string;
  /** Stacks this orchestrator may manage must start with it (STACK_NAME_PREFIX); unset: any. */
  stackNamePrefix?: string;
  /** Environments whose stacks are protected (PROTECTED_ENVIRONMENTS, comma-separated; default prod). */
  protectedEnvironments: string[];
  region: string;
}

type Env = Record<string, string | undefined>;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/;

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

const roleArn = (value: string, label: string): string => {
  if (!ROLE_ARN.test(value)) throw new ConfigurationError(`${label}: must be an IAM role ARN, got ${value}`);
  return value;
};

const parseRoleArns = (text: string): Record<string, string> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`CLOUDFORMATION_ROLE_ARNS: not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigurationError('CLOUDFORMATION_ROLE_ARNS: must be a JSON object { "<environment>": "<role arn>" }');
  }
  return Object.fromEntries(
    Object.entries(json as Record<string, unknown>).map(([environment, arn]) => [
      environment,
      roleArn(String(arn), `CLOUDFORMATION_ROLE_ARNS.${environment}`),
    ]),
  );
};

export const readSettings = (env: Env = process.env): OrchestratorSettings => {
  const settings: OrchestratorSettings = {
    region: nonEmpty(env.AWS_REGION) ?? 'us-east-1',
    protectedEnvironments: parseEnvironmentList(env.PROTECTED_ENVIRONMENTS),
  };
  const bucket = nonEmpty(env.TEMPLATE_STAGING_BUCKET);
  const role = nonEmpty(env.CLOUDFORMATION_ROLE_ARN);
  const roles = nonEmpty(env.CLOUDFORMATION_ROLE_ARNS);
  const prefix = nonEmpty(env.STACK_NAME_PREFIX);
  if (bucket !== undefined) settings.templateStagingBucket = bucket;
  if (role !== undefined) settings.cloudFormationRoleArn = roleArn(role, 'CLOUDFORMATION_ROLE_ARN');
  if (roles !== undefined) settings.cloudFormationRoleArns = parseRoleArns(roles);
  if (prefix !== undefined) settings.stackNamePrefix = prefix;
  return settings;
};

/** The staging bucket, or a ConfigurationError naming the variable and why it is needed. */
export const requireStagingBucket = (
  settings: Pick<OrchestratorSettings, 'templateStagingBucket'>,
  why: string,
): string => {
  if (settings.templateStagingBucket === undefined) {
    throw new ConfigurationError(`TEMPLATE_STAGING_BUCKET is not set, but ${why}`);
  }
  return settings.templateStagingBucket;
};

/**
 * The CloudFormation service role for an environment: its entry in CLOUDFORMATION_ROLE_ARNS, else
 * CLOUDFORMATION_ROLE_ARN. With neither variable set (unit tests, a bare local run) CloudFormation uses the caller's
 * credentials; with roles configured but none for this environment the deploy is a ConfigurationError.
 */
export const cloudFormationRoleFor = (
  settings: Pick<OrchestratorSettings, 'cloudFormationRoleArns' | 'cloudFormationRoleArn'>,
  environmentName: string,
): string | undefined => {
  const role = settings.cloudFormationRoleArns?.[environmentName] ?? settings.cloudFormationRoleArn;
  if (role === undefined && settings.cloudFormationRoleArns !== undefined) {
    const known = Object.keys(settings.cloudFormationRoleArns).join(', ') || 'none';
    throw new ConfigurationError(
      `no CloudFormation service role for environment ${environmentName}: CLOUDFORMATION_ROLE_ARNS names ${known} and CLOUDFORMATION_ROLE_ARN is not set`,
    );
  }
  return role;
};

/** `{ RoleARN }` for the environment's service role, when one is configured. */
export const roleArnParameter = (
  settings: Pick<OrchestratorSettings, 'cloudFormationRoleArns' | 'cloudFormationRoleArn'>,
  environmentName: string,
): { RoleARN?: string } => {
  const role = cloudFormationRoleFor(settings, environmentName);
  return role !== undefined ? { RoleARN: role } : {};
};
