import { createHash } from 'node:crypto';
import { functionArn, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../contracts';
import { specArnTemplate } from '../model/spec';
import { generatedName, ResourceProvisioningError, type Provisioner } from './types';

const ACCOUNT = LOCAL_ACCOUNT_ID;
const REGION = LOCAL_REGION;

interface RecordedType {
  /** Property path of the user-given name that becomes the physical id. */
  nameProperty?: readonly string[];
  /** The physical id (what Ref returns) from the name; default: the name itself. */
  physicalId?: (name: string, properties: Record<string, unknown>) => string;
  /** Fn::GetAtt attributes from the physical id. */
  attributes?: (physicalId: string, properties: Record<string, unknown>) => Record<string, unknown>;
  maxNameLength?: number;
  /** What the service refuses of the resource (a quota), as its error: the resource fails with it. */
  refusal?: (name: string, properties: Record<string, unknown>) => string | undefined;
}

// IAM's quotas, in characters of the policy JSON without whitespace, as IAM counts them.
const ROLE_INLINE_POLICIES_LIMIT = 10_240;
const MANAGED_POLICY_LIMIT = 6_144;
const TRUST_POLICY_LIMIT = 2_048;
const MANAGED_POLICIES_PER_ROLE = 10;

const policySize = (document: unknown): number => JSON.stringify(document ?? {}).replace(/\s/g, '').length;
const iamError = (message: string, status: number, code: string): string =>
  `${message} (Service: Iam, Status Code: ${status}, Error Code: ${code})`;

/** A role IAM would refuse: inline policies, trust policy or attached managed policies over IAM's quotas. */
const roleRefusal = (name: string, properties: Record<string, unknown>): string | undefined => {
  const inline = (Array.isArray(properties.Policies) ? properties.Policies : []).reduce<number>(
    (sum, policy: unknown) => sum + policySize((policy as { PolicyDocument?: unknown } | null)?.PolicyDocument),
    0,
  );
  if (inline > ROLE_INLINE_POLICIES_LIMIT) {
    return iamError(
      `Maximum policy size of ${ROLE_INLINE_POLICIES_LIMIT} bytes exceeded for role ${name}`,
      409,
      'LimitExceeded',
    );
  }
  if (policySize(properties.AssumeRolePolicyDocument) > TRUST_POLICY_LIMIT) {
    return iamError(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_LIMIT}`, 409, 'LimitExceeded');
  }
  const managed = Array.isArray(properties.ManagedPolicyArns) ? properties.ManagedPolicyArns.length : 0;
  if (managed > MANAGED_POLICIES_PER_ROLE) {
    return iamError(`Cannot exceed quota for PoliciesPerRole: ${MANAGED_POLICIES_PER_ROLE}`, 409, 'LimitExceeded');
  }
  return undefined;
};

const stableId = (prefix: string, seed: string): string =>
  prefix + createHash('sha256').update(seed).digest('hex').slice(0, 17).toUpperCase();

const lastSegment = (value: string, separator: string): string => value.slice(value.lastIndexOf(separator) + 1);

/** What the local cloud knows about types it records without running them: names, Ref and Arn shapes. */
const RECORDED_TYPES: Record<string, RecordedType> = {
  'AWS::IAM::Role': {
    nameProperty: ['RoleName'],
    maxNameLength: 64,
    refusal: roleRefusal,
    attributes: (id, p) => ({
      Arn: `arn:aws:iam::${ACCOUNT}:role${typeof p.Path === 'string' ? p.Path : '/'}${id}`,
      RoleId: stableId('AROA', id),
    }),
  },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: ['ManagedPolicyName'],
    physicalId: (name, p) => `arn:aws:iam::${ACCOUNT}:policy${typeof p.Path === 'string' ? p.Path : '/'}${name}`,
    attributes: (id) => ({ PolicyArn: id, PolicyId: stableId('ANPA', id) }),
    refusal: (_name, p) =>
      policySize(p.PolicyDocument) > MANAGED_POLICY_LIMIT
        ? iamError(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_LIMIT}`, 409, 'LimitExceeded')
        : undefined,
  },
  'AWS::IAM::Policy': { attributes: (id) => ({ Id: id }) },
  'AWS::IAM::InstanceProfile': {
    nameProperty: ['InstanceProfileName'],
    attributes: (id) => ({ Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${id}` }),
  },
  'AWS::Logs::LogGroup': {
    nameProperty: ['LogGroupName'],
    maxNameLength: 512,
    attributes: (id) => ({ Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*` }),
  },
  'AWS::Glue::Database': { nameProperty: ['DatabaseInput', 'Name'], physicalId: (name) => name.toLowerCase() },
  'AWS::Glue::Table': { nameProperty: ['TableInput', 'Name'], physicalId: (name) => name.toLowerCase() },
  'AWS::Glue::Crawler': { nameProperty: ['Name'] },
  'AWS::Glue::Job': { nameProperty: ['Name'] },
  'AWS::Glue::Trigger': { nameProperty: ['Name'] },
  'AWS::Athena::WorkGroup': { nameProperty: ['Name'] },
  'AWS::SNS::Topic': {
    nameProperty: ['TopicName'],
    maxNameLength: 256,
    physicalId: (name) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
    attributes: (id) => ({ TopicArn: id, TopicName: lastSegment(id, ':') }),
  },
  'AWS::SNS::Subscription': { physicalId: (name) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}` },
  'AWS::SQS::Queue': {
    nameProperty: ['QueueName'],
    maxNameLength: 80,
    physicalId: (name) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
    attributes: (id) => ({
      Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${lastSegment(id, '/')}`,
      QueueName: lastSegment(id, '/'),
      QueueUrl: id,
    }),
  },
  'AWS::CodeBuild::Project': {
    nameProperty: ['Name'],
    attributes: (id) => ({ Arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${id}` }),
  },
  'AWS::CodePipeline::Pipeline': { nameProperty: ['Name'], attributes: () => ({ Version: '1' }) },
  'AWS::Events::Rule': {
    nameProperty: ['Name'],
    attributes: (id) => ({ Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${id}` }),
  },
  'AWS::Lambda::Version': {
    nameProperty: ['FunctionName'],
    // One published version per resource: the local Lambda runs $LATEST, the version number is a label.
    physicalId: (name) => `${name.startsWith('arn:') ? name : functionArn(name)}:1`,
    attributes: (id) => ({ FunctionArn: id, Version: lastSegment(id, ':') }),
  },
  'AWS::Lambda::Alias': {
    nameProperty: ['Name'],
    physicalId: (name, p) =>
      `${typeof p.FunctionName === 'string' && p.FunctionName.startsWith('arn:') ? p.FunctionName : functionArn(String(p.FunctionName))}:${name}`,
  },
  'AWS::Lambda::Permission': {},
  'AWS::S3::BucketPolicy': {},
  'AWS::CloudFormation::WaitConditionHandle': {},
};

const nameAt = (properties: Record<string, unknown>, path: readonly string[]): string | undefined => {
  let value: unknown = properties;
  for (const segment of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** A type not in the table: its `Name` or `<Type>Name` property, if any, is the physical id. */
const genericNameProperty = (
  resourceType: string,
  properties: Record<string, unknown>,
): readonly string[] | undefined => {
  const shortType = resourceType.split('::')[2] ?? '';
  return [['Name'], [`${shortType}Name`]].find((path) => nameAt(properties, path) !== undefined);
};

/** Arn from the specification's ARN template when the physical id is its only unknown (e.g. `log-group:${LogGroupName}`). */
const arnFromSpec = (resourceType: string, physicalId: string): string | undefined => {
  const template = specArnTemplate(resourceType);
  if (!template) return undefined;
  const variables = [...template.matchAll(/\$\{([^}]+)\}/g)]
    .map((m) => m[1]!)
    .filter((v) => !['Partition', 'Region', 'Account'].includes(v));
  if (variables.length !== 1) return undefined;
  return template
    .replace('${Partition}', 'aws')
    .replace('${Region}', REGION)
    .replace('${Account}', ACCOUNT)
    .replace(`\${${variables[0]!}}`, physicalId);
};

/** The property that names a recorded resource (its physical name), when the type has one. */
export const recordedNameProperty = (
  resourceType: string,
  properties: Record<string, unknown>,
): readonly string[] | undefined =>
  resourceType in RECORDED_TYPES
    ? RECORDED_TYPES[resourceType]!.nameProperty
    : genericNameProperty(resourceType, properties);

export const nameAtPath = (properties: Record<string, unknown>, path: readonly string[]): string | undefined =>
  nameAt(properties, path);

const attributesFor = (
  resourceType: string,
  physicalId: string,
  properties: Record<string, unknown>,
): Record<string, unknown> => {
  const attributes = RECORDED_TYPES[resourceType]?.attributes?.(physicalId, properties) ?? {};
  if (attributes.Arn === undefined) {
    const arn = arnFromSpec(resourceType, physicalId);
    if (arn !== undefined) attributes.Arn = arn;
  }
  return attributes;
};

/**
 * Every type the local cloud does not run (IAM, Logs, Glue, Athena, SNS, CodeBuild, CodePipeline, …): recorded with
 * a physical id and the attributes whose shape is known, nothing else happens.
 */
export const recordedProvisioner: Provisioner = {
  async create(ctx, properties) {
    const known = RECORDED_TYPES[ctx.resourceType];
    const namePath = known ? known.nameProperty : genericNameProperty(ctx.resourceType, properties);
    const name = (namePath && nameAt(properties, namePath)) ?? generatedName(ctx, known?.maxNameLength ?? 128);
    const refusal = known?.refusal?.(name, properties);
    if (refusal) throw new ResourceProvisioningError(refusal);
    const physicalId = known?.physicalId ? known.physicalId(name, properties) : name;
    return { physicalId, attributes: attributesFor(ctx.resourceType, physicalId, properties) };
  },
  // The physical id stays: a change of the name property is a replacement, which creates a new resource instead.
  async update(ctx, current, properties) {
    const refusal = RECORDED_TYPES[ctx.resourceType]?.refusal?.(current.physicalId, properties);
    if (refusal) throw new ResourceProvisioningError(refusal);
    return {
      physicalId: current.physicalId,
      attributes: attributesFor(ctx.resourceType, current.physicalId, properties),
    };
  },
  async delete() {},
};
