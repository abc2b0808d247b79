// The CloudFormation service role of one application environment, built from what CloudFormation's resource
// handlers call for each resource type the Glue ETL stack uses (create / read / update / delete), scoped to that
// environment's names (config/environments.js). A resource type missing here is a template CloudFormation cannot
// deploy with this role: test/iam-proof.test.ts fails naming it. Handler actions follow the CloudFormation resource
// schemas' `handlers.*.permissions` (Athena work group) and the service APIs behind the legacy handlers (S3, IAM, Glue).

const { allow, arn, passRole, serviceRole, ROLE_PERMISSION_ACTIONS } = require('./iam');
const { environment, permissionsBoundaryArn, resourceArns } = require('./environments');

const BUCKET_CONFIGURATION = [
  'Tagging',
  'Encryption',
  'PublicAccessBlock',
  'OwnershipControls',
  'Versioning',
  'Lifecycle',
];
const bucketPut = {
  Tagging: 's3:PutBucketTagging',
  Encryption: 's3:PutEncryptionConfiguration',
  PublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  OwnershipControls: 's3:PutBucketOwnershipControls',
  Versioning: 's3:PutBucketVersioning',
  Lifecycle: 's3:PutLifecycleConfiguration',
};

/**
 * Per resource type: grants of `actions` by operation on resources of the given kinds (keys of resourceArns).
 * `dataLoss` names the actions that destroy data: a protected environment's role never gets them, so even a
 * template without Retain cannot delete prod data through the pipeline.
 */
const RESOURCE_TYPES = {
  'AWS::S3::Bucket': [
    {
      on: ['buckets'],
      create: ['s3:CreateBucket', ...BUCKET_CONFIGURATION.map((c) => bucketPut[c])],
      // The bucket handler reads back every configuration it models, whether the template sets it or not.
      read: [
        's3:ListBucket',
        's3:GetBucketLocation',
        's3:GetBucketTagging',
        's3:GetEncryptionConfiguration',
        's3:GetBucketPublicAccessBlock',
        's3:GetBucketOwnershipControls',
        's3:GetBucketVersioning',
        's3:GetLifecycleConfiguration',
        's3:GetBucketPolicy',
        's3:GetBucketAcl',
        's3:GetBucketCORS',
        's3:GetBucketLogging',
        's3:GetBucketNotification',
        's3:GetBucketWebsite',
        's3:GetBucketObjectLockConfiguration',
        's3:GetAccelerateConfiguration',
        's3:GetReplicationConfiguration',
        's3:GetAnalyticsConfiguration',
        's3:GetInventoryConfiguration',
        's3:GetMetricsConfiguration',
        's3:GetIntelligentTieringConfiguration',
      ],
      update: BUCKET_CONFIGURATION.map((c) => bucketPut[c]),
      delete: ['s3:DeleteBucket'],
      dataLoss: ['s3:DeleteBucket'],
    },
  ],
  'AWS::S3::BucketPolicy': [
    {
      on: ['buckets'],
      create: ['s3:PutBucketPolicy'],
      read: ['s3:GetBucketPolicy'],
      update: ['s3:PutBucketPolicy'],
      delete: ['s3:DeleteBucketPolicy'],
    },
  ],
  'AWS::IAM::Role': [
    {
      on: ['roles'],
      // Only roles that carry the environment's boundary (the condition is added below).
      bounded: true,
      create: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary'],
      update: [
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:PutRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:PutRolePermissionsBoundary',
      ],
      delete: ['iam:DeleteRolePolicy', 'iam:DeleteRole'],
    },
    {
      on: ['roles'],
      create: ['iam:TagRole'],
      read: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'],
      update: ['iam:TagRole', 'iam:UntagRole'],
      // DeleteRole refuses while instance profiles hold the role; the handler lists them first.
      delete: ['iam:ListInstanceProfilesForRole'],
    },
  ],
  'AWS::Glue::Database': [
    {
      on: ['catalog', 'databases'],
      create: ['glue:CreateDatabase'],
      read: ['glue:GetDatabase'],
      update: ['glue:UpdateDatabase'],
    },
    {
      // Deleting a database deletes its tables and functions: Glue authorizes every one of them.
      on: ['catalog', 'databases', 'tables', 'userDefinedFunctions'],
      delete: ['glue:DeleteDatabase'],
      dataLoss: ['glue:DeleteDatabase'],
    },
  ],
  'AWS::Glue::Table': [
    {
      on: ['catalog', 'databases', 'tables'],
      create: ['glue:CreateTable'],
      read: ['glue:GetTable'],
      update: ['glue:UpdateTable'],
      delete: ['glue:DeleteTable'],
      dataLoss: ['glue:DeleteTable'],
    },
  ],
  'AWS::Glue::Crawler': [
    {
      on: ['crawlers'],
      create: ['glue:TagResource'],
      read: ['glue:GetCrawler', 'glue:GetTags'],
      update: ['glue:UpdateCrawler', 'glue:TagResource', 'glue:UntagResource'],
      // A running crawler cannot be deleted; the handler stops it first.
      delete: ['glue:StopCrawler', 'glue:DeleteCrawler'],
    },
    {
      // CreateCrawler has no resource-level permissions; the role it may pass (PassRole, below) is what scopes it.
      on: ['any'],
      create: ['glue:CreateCrawler'],
    },
  ],
  'AWS::Glue::Job': [
    {
      on: ['jobs'],
      create: ['glue:CreateJob', 'glue:TagResource'],
      read: ['glue:GetJob', 'glue:GetTags'],
      update: ['glue:UpdateJob', 'glue:TagResource', 'glue:UntagResource'],
      delete: ['glue:DeleteJob'],
    },
  ],
  'AWS::Athena::WorkGroup': [
    {
      on: ['workgroups'],
      create: ['athena:CreateWorkGroup', 'athena:TagResource'],
      read: ['athena:GetWorkGroup', 'athena:ListTagsForResource'],
      update: ['athena:UpdateWorkGroup', 'athena:TagResource', 'athena:UntagResource'],
      delete: ['athena:DeleteWorkGroup', 'athena:UntagResource'],
    },
    {
      // Athena checks the result location with the caller's credentials when a work group is created or updated.
      on: ['buckets'],
      create: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      update: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
    },
    {
      on: ['objects'],
      create: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      update: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    },
  ],
};

/** Services the application's roles are passed to (a crawler's or job's Role). */
const PASSED_TO = { 'AWS::Glue::Crawler': 'glue.amazonaws.com', 'AWS::Glue::Job': 'glue.amazonaws.com' };

const OPERATIONS = ['create', 'read', 'update', 'delete'];
const unique = (values) => [...new Set(values)];

/** Every action a grant gives in an environment (dataLoss removed when protected). */
const grantActions = (grant, env) =>
  unique(OPERATIONS.flatMap((operation) => grant[operation] ?? [])).filter(
    (action) => !(env.protected && (grant.dataLoss ?? []).includes(action)),
  );

/** The logical id of an environment's CloudFormation service role: CloudFormationRoleTest, CloudFormationRoleProd. */
const cloudFormationRoleId = (env) => `CloudFormationRole${env.id}`;

/** The statements of an environment's CloudFormation service role, one per resource type grant. */
const cloudFormationRoleStatements = (env) => {
  const arns = resourceArns(env);
  const boundary = { StringEquals: { 'iam:PermissionsBoundary': permissionsBoundaryArn(env) } };
  const statements = Object.entries(RESOURCE_TYPES).flatMap(([type, grants]) =>
    grants.flatMap((grant, index) => {
      const actions = grantActions(grant, env);
      if (actions.length === 0) return [];
      const sid = `${type.split('::').slice(1).join('')}${index === 0 ? '' : index + 1}`;
      const bounded = grant.bounded || actions.some((action) => ROLE_PERMISSION_ACTIONS.includes(action));
      return [
        allow(
          sid,
          actions,
          grant.on.flatMap((kind) => arns[kind]),
          bounded ? boundary : undefined,
        ),
      ];
    }),
  );
  const passedTo = unique(Object.values(PASSED_TO));
  return [...statements, passRole('PassApplicationRoles', arns.roles, passedTo)];
};

/** An environment's CloudFormation service role (`RoleARN` of its stacks), as a CloudFormation resource. */
const cloudFormationRole = (env) =>
  serviceRole({
    services: 'cloudformation.amazonaws.com',
    description: `CloudFormation service role of the ${env.name} Glue ETL stacks (${env.stackName}*): their resources only.`,
    policyName: `glue-etl-${env.name}-stack`,
    statements: cloudFormationRoleStatements(env),
  });

/** `arn:…:role/…` of an environment's CloudFormation role, from the template that declares it. */
const cloudFormationRoleArn = (env) => ({ 'Fn::GetAtt': [cloudFormationRoleId(env), 'Arn'] });

module.exports = {
  RESOURCE_TYPES,
  PASSED_TO,
  OPERATIONS,
  grantActions,
  cloudFormationRole,
  cloudFormationRoleArn,
  cloudFormationRoleId,
  cloudFormationRoleStatements,
  environment,
  arn,
};
