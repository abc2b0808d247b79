// IAM and buckets for every glue-cd template, written one way: ARNs, statements, roles, managed policies and the
// secure bucket. Each service's resources.js builds its resources with these and its serverless.yml includes them
// (`${file(./resources.js):resources}`); nothing here reads the environment, so tests call the same functions.
// The builders refuse what the policy gate (scripts/policy-gate.ts) would reject, so a bad grant fails at package time.

const sub = (text) => ({ 'Fn::Sub': text });
const getAtt = (logicalId, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
const ref = (logicalId) => ({ Ref: logicalId });
const list = (value) => (Array.isArray(value) ? value : [value]);
const one = (values) => (values.length === 1 ? values[0] : values);

/** ARNs in the deploying stack's partition, region and account (a pattern may hold `*` and `${Logical.Arn}`). */
const arn = {
  regional: (service, resource) =>
    sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`),
  /** IAM is global: no region. */
  iam: (resource) => sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${resource}`),
  /** S3 bucket and object ARNs carry neither region nor account. */
  s3: (resource) => sub(`arn:\${AWS::Partition}:s3:::${resource}`),
  cloudformationStack: (stackName) => arn.regional('cloudformation', `stack/${stackName}/*`),
  glue: (resource) => arn.regional('glue', resource),
  logGroup: (name) => arn.regional('logs', `log-group:${name}`),
  role: (pathAndName) => arn.iam(`role${pathAndName}`),
  policy: (pathAndName) => arn.iam(`policy${pathAndName}`),
};

/** Actions that change what a role may do: allowed only on roles that keep the project's permissions boundary. */
const ROLE_PERMISSION_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:UpdateAssumeRolePolicy',
];
/** Actions no glue-cd role is ever granted: each removes or rewrites a permissions boundary. */
const BOUNDARY_TAMPERING_ACTIONS = [
  'iam:DeleteRolePermissionsBoundary',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:DeletePolicyVersion',
];

const conditionKeys = (condition) => Object.values(condition ?? {}).flatMap((operands) => Object.keys(operands));

class IamDeclarationError extends Error {
  name = 'IamDeclarationError';
}

const statement = (Effect) => (Sid, actions, resources, Condition) => {
  const Action = list(actions);
  if (!/^[A-Za-z0-9]+$/.test(Sid)) throw new IamDeclarationError(`statement Sid "${Sid}" must be alphanumeric`);
  if (Effect === 'Allow') {
    const wildcard = Action.filter((action) => typeof action !== 'string' || action.includes('*'));
    if (wildcard.length > 0) throw new IamDeclarationError(`${Sid}: wildcard action ${wildcard.join(', ')}`);
    const tampering = Action.filter((action) => BOUNDARY_TAMPERING_ACTIONS.includes(action));
    if (tampering.length > 0) throw new IamDeclarationError(`${Sid}: ${tampering.join(', ')} is never granted`);
    const keys = conditionKeys(Condition);
    if (Action.includes('iam:PassRole') && !keys.includes('iam:PassedToService')) {
      throw new IamDeclarationError(`${Sid}: iam:PassRole needs an iam:PassedToService condition`);
    }
    if (
      Action.some((action) => ROLE_PERMISSION_ACTIONS.includes(action)) &&
      !keys.includes('iam:PermissionsBoundary')
    ) {
      throw new IamDeclarationError(`${Sid}: ${Action.join(', ')} needs an iam:PermissionsBoundary condition`);
    }
  }
  return { Sid, Effect, Action, Resource: one(list(resources)), ...(Condition ? { Condition } : {}) };
};

/** `allow(Sid, actions, resources, condition?)`: every action named, never `*`. */
const allow = statement('Allow');
const deny = statement('Deny');

/** iam:PassRole of `roles`, only to the services that take them. */
const passRole = (Sid, roles, services) =>
  allow(Sid, 'iam:PassRole', roles, { StringEquals: { 'iam:PassedToService': one(list(services)) } });

const policyDocument = (statements) => ({ Version: '2012-10-17', Statement: statements });

/**
 * A role that AWS services assume, with one inline policy. `permissionsBoundary` (a managed policy ARN) caps what it
 * may ever do; `path` groups roles so policies can scope them by ARN; `sourceAccount` guards a service trust
 * against the confused deputy.
 */
const serviceRole = ({
  services,
  description,
  policyName,
  statements,
  permissionsBoundary,
  path,
  sourceAccount = false,
}) => {
  if (statements.length === 0) throw new IamDeclarationError(`role ${policyName} has no statements`);
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      ...(description ? { Description: description } : {}),
      ...(path ? { Path: path } : {}),
      AssumeRolePolicyDocument: policyDocument([
        {
          Effect: 'Allow',
          Principal: { Service: one(list(services)) },
          Action: 'sts:AssumeRole',
          ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } } : {}),
        },
      ]),
      ...(permissionsBoundary ? { PermissionsBoundary: permissionsBoundary } : {}),
      Policies: [{ PolicyName: policyName, PolicyDocument: policyDocument(statements) }],
    },
  };
};

/** A customer managed policy with a known name (a permissions boundary other templates refer to by ARN). */
const managedPolicy = ({ name, path, description, statements }) => ({
  Type: 'AWS::IAM::ManagedPolicy',
  Properties: {
    ManagedPolicyName: name,
    ...(path ? { Path: path } : {}),
    ...(description ? { Description: description } : {}),
    PolicyDocument: policyDocument(statements),
  },
});

/** Writing to its own log group: what every Lambda role needs besides its task. */
const lambdaLogs = (functionName) =>
  allow('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], arn.logGroup(`/aws/lambda/${functionName}:*`));

/**
 * An S3 bucket as every glue-cd bucket is: SSE-S3 encryption, every public access blocked, ACLs disabled and a
 * bucket policy that denies any request without TLS. Per bucket: `name`, `versioned`, `retain` (DeletionPolicy and
 * UpdateReplacePolicy Retain on the bucket and its policy, so a kept bucket keeps its TLS rule), `lifecycleRules`,
 * `bucketKey`. Returns `{ <logicalId>: bucket, <logicalId>Policy: policy }`.
 */
const secureBucket = (
  logicalId,
  { name, versioned = false, retain = false, lifecycleRules = [], bucketKey = false } = {},
) => {
  const policy = retain ? 'Retain' : 'Delete';
  const lifecycle = { DeletionPolicy: policy, UpdateReplacePolicy: policy };
  return {
    [logicalId]: {
      Type: 'AWS::S3::Bucket',
      ...lifecycle,
      Properties: {
        ...(name ? { BucketName: name } : {}),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              ...(bucketKey ? { BucketKeyEnabled: true } : {}),
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        ...(versioned ? { VersioningConfiguration: { Status: 'Enabled' } } : {}),
        ...(lifecycleRules.length > 0 ? { LifecycleConfiguration: { Rules: lifecycleRules } } : {}),
      },
    },
    [`${logicalId}Policy`]: {
      Type: 'AWS::S3::BucketPolicy',
      ...lifecycle,
      Properties: {
        Bucket: ref(logicalId),
        PolicyDocument: policyDocument([
          // A Deny, not a grant: the TLS-only rule has to cover every S3 action.
          {
            Principal: '*',
            ...deny('DenyInsecureTransport', 's3:*', [getAtt(logicalId), sub(`\${${logicalId}.Arn}/*`)], {
              Bool: { 'aws:SecureTransport': 'false' },
            }),
          },
        ]),
      },
    },
  };
};

/**
 * `resources.extensions` for serverless functions with their own role: serverless adds `DependsOn: <role>` although
 * the function's `Role` GetAtt already orders them, which cfn-lint reports as W3005; silenced on those functions only.
 */
const functionRoleExtensions = (lambdaLogicalIds) =>
  Object.fromEntries(
    lambdaLogicalIds.map((id) => [id, { Metadata: { 'cfn-lint': { config: { ignore_checks: ['W3005'] } } } }]),
  );

module.exports = {
  functionRoleExtensions,
  IamDeclarationError,
  ROLE_PERMISSION_ACTIONS,
  BOUNDARY_TAMPERING_ACTIONS,
  sub,
  getAtt,
  ref,
  arn,
  allow,
  deny,
  passRole,
  policyDocument,
  serviceRole,
  managedPolicy,
  lambdaLogs,
  secureBucket,
};
