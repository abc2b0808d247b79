// What CloudFormation's resource handlers call, per resource type and operation, as IAM requests: the local engine
// asks IAM for these as the stack's service role (RoleARN) before each resource operation. A type missing here
// cannot be provisioned as a role (denied naming it), as a role without its handler's permissions cannot on AWS.
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, functionArn, stateMachineArn } from '../contracts';
import type { IamRequest } from './actions';

export type HandlerOperation = 'create' | 'update' | 'delete';

/** One resource operation: its physical name (known, or the one CloudFormation will generate) and properties. */
export interface HandlerCall {
  operation: HandlerOperation;
  name: string;
  properties: Record<string, unknown>;
}

type Rule = (call: HandlerCall) => IamRequest[];

const REGION = LOCAL_REGION;
const ACCOUNT = LOCAL_ACCOUNT_ID;
const glueArn = (suffix: string): string => `arn:aws:glue:${REGION}:${ACCOUNT}:${suffix}`;
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const on = (resource: string, ...actions: string[]): IamRequest[] => actions.map((action) => ({ action, resource }));
const passRole = (role: unknown, service: string): IamRequest[] =>
  typeof role === 'string' && role !== ''
    ? [{ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': service } }]
    : [];
const byOperation =
  (rules: Partial<Record<HandlerOperation, Rule>>): Rule =>
  (call) =>
    rules[call.operation]?.(call) ?? [];

/** The bucket configurations the S3 handler writes when the template sets them. */
const BUCKET_CONFIGURATION: Record<string, string> = {
  Tags: 's3:PutBucketTagging',
  BucketEncryption: 's3:PutEncryptionConfiguration',
  PublicAccessBlockConfiguration: 's3:PutBucketPublicAccessBlock',
  OwnershipControls: 's3:PutBucketOwnershipControls',
  VersioningConfiguration: 's3:PutBucketVersioning',
  LifecycleConfiguration: 's3:PutLifecycleConfiguration',
};
const bucketConfiguration = ({ name, properties }: HandlerCall): IamRequest[] =>
  Object.entries(BUCKET_CONFIGURATION)
    .filter(([property]) => properties[property] !== undefined)
    .flatMap(([, action]) => on(`arn:aws:s3:::${name}`, action));

const roleArn = (call: HandlerCall): string =>
  `arn:aws:iam::${ACCOUNT}:role${typeof call.properties.Path === 'string' ? call.properties.Path : '/'}${call.name}`;
/** Role writes carry the boundary the role gets (roles may only be created inside a permissions boundary). */
const roleWrite = (call: HandlerCall, ...actions: string[]): IamRequest[] => {
  const boundary = call.properties.PermissionsBoundary;
  return actions.map((action) => ({
    action,
    resource: roleArn(call),
    ...(typeof boundary === 'string' ? { context: { 'iam:PermissionsBoundary': boundary } } : {}),
  }));
};
const rolePolicyActions = (call: HandlerCall): string[] => [
  ...(Array.isArray(call.properties.Policies) && call.properties.Policies.length > 0 ? ['iam:PutRolePolicy'] : []),
  ...(Array.isArray(call.properties.ManagedPolicyArns) && call.properties.ManagedPolicyArns.length > 0
    ? ['iam:AttachRolePolicy']
    : []),
  ...(typeof call.properties.PermissionsBoundary === 'string' ? ['iam:PutRolePermissionsBoundary'] : []),
];

const policyArn = (call: HandlerCall): string =>
  call.name.startsWith('arn:')
    ? call.name
    : `arn:aws:iam::${ACCOUNT}:policy${typeof call.properties.Path === 'string' ? call.properties.Path : '/'}${call.name}`;
/** A state machine's physical id is its ARN; the table takes names. */
const lastName = (name: string): string => (name.startsWith('arn:') ? name.slice(name.lastIndexOf(':') + 1) : name);

const lambdaCode = ({ properties }: HandlerCall): IamRequest[] => {
  const code = record(properties.Code);
  return typeof code.S3Bucket === 'string' && typeof code.S3Key === 'string'
    ? on(`arn:aws:s3:::${code.S3Bucket}/${code.S3Key}`, 's3:GetObject')
    : [];
};

const logGroupArn = (name: string): string => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;

const databaseName = (call: HandlerCall): string => call.name.toLowerCase();
const tableArns = (call: HandlerCall): string[] => {
  const database = String(call.properties.DatabaseName ?? '').toLowerCase();
  return [glueArn('catalog'), glueArn(`database/${database}`), glueArn(`table/${database}/${call.name.toLowerCase()}`)];
};

export const CLOUDFORMATION_HANDLERS: Readonly<Record<string, Rule>> = {
  // CloudFormation keeps it itself (a presigned URL for signals): its handler calls no other service.
  'AWS::CloudFormation::WaitConditionHandle': () => [],
  'AWS::S3::Bucket': byOperation({
    create: (call) => [...on(`arn:aws:s3:::${call.name}`, 's3:CreateBucket'), ...bucketConfiguration(call)],
    update: bucketConfiguration,
    delete: (call) => on(`arn:aws:s3:::${call.name}`, 's3:DeleteBucket'),
  }),
  'AWS::S3::BucketPolicy': (call) =>
    on(
      `arn:aws:s3:::${String(call.properties.Bucket ?? '')}`,
      call.operation === 'delete' ? 's3:DeleteBucketPolicy' : 's3:PutBucketPolicy',
    ),
  'AWS::IAM::Role': byOperation({
    create: (call) => roleWrite(call, 'iam:CreateRole', ...rolePolicyActions(call)),
    update: (call) => roleWrite(call, 'iam:UpdateAssumeRolePolicy', ...rolePolicyActions(call)),
    // DeleteRole carries the role's boundary too (iam:PermissionsBoundary applies to it): callers scope deletes by it.
    delete: (call) =>
      roleWrite(
        call,
        ...(Array.isArray(call.properties.Policies) && call.properties.Policies.length > 0
          ? ['iam:DeleteRolePolicy']
          : []),
        'iam:DeleteRole',
      ),
  }),
  'AWS::IAM::ManagedPolicy': byOperation({
    create: (call) => on(policyArn(call), 'iam:CreatePolicy'),
    update: (call) => on(policyArn(call), 'iam:CreatePolicyVersion'),
    delete: (call) => on(policyArn(call), 'iam:DeletePolicy'),
  }),
  'AWS::Lambda::Function': byOperation({
    create: (call) => [
      ...on(functionArn(call.name), 'lambda:CreateFunction'),
      ...passRole(call.properties.Role, 'lambda.amazonaws.com'),
      ...lambdaCode(call),
    ],
    update: (call) => [
      ...on(functionArn(call.name), 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration'),
      ...passRole(call.properties.Role, 'lambda.amazonaws.com'),
      ...lambdaCode(call),
    ],
    delete: (call) => on(functionArn(call.name), 'lambda:DeleteFunction'),
  }),
  'AWS::StepFunctions::StateMachine': byOperation({
    create: (call) => [
      ...on(stateMachineArn(lastName(call.name)), 'states:CreateStateMachine'),
      ...passRole(call.properties.RoleArn, 'states.amazonaws.com'),
    ],
    update: (call) => [
      ...on(stateMachineArn(lastName(call.name)), 'states:UpdateStateMachine'),
      ...passRole(call.properties.RoleArn, 'states.amazonaws.com'),
    ],
    delete: (call) => on(stateMachineArn(lastName(call.name)), 'states:DeleteStateMachine'),
  }),
  'AWS::Glue::Database': (call) =>
    [glueArn('catalog'), glueArn(`database/${databaseName(call)}`)].flatMap((arn) =>
      on(
        arn,
        { create: 'glue:CreateDatabase', update: 'glue:UpdateDatabase', delete: 'glue:DeleteDatabase' }[call.operation],
      ),
    ),
  'AWS::Glue::Table': (call) =>
    tableArns(call).flatMap((arn) =>
      on(arn, { create: 'glue:CreateTable', update: 'glue:UpdateTable', delete: 'glue:DeleteTable' }[call.operation]),
    ),
  'AWS::Glue::Crawler': byOperation({
    create: (call) => [
      ...on(glueArn(`crawler/${call.name}`), 'glue:CreateCrawler'),
      ...passRole(call.properties.Role, 'glue.amazonaws.com'),
    ],
    update: (call) => [
      ...on(glueArn(`crawler/${call.name}`), 'glue:UpdateCrawler'),
      ...passRole(call.properties.Role, 'glue.amazonaws.com'),
    ],
    delete: (call) => on(glueArn(`crawler/${call.name}`), 'glue:StopCrawler', 'glue:DeleteCrawler'),
  }),
  'AWS::Glue::Job': byOperation({
    create: (call) => [
      ...on(glueArn(`job/${call.name}`), 'glue:CreateJob'),
      ...passRole(call.properties.Role, 'glue.amazonaws.com'),
    ],
    update: (call) => [
      ...on(glueArn(`job/${call.name}`), 'glue:UpdateJob'),
      ...passRole(call.properties.Role, 'glue.amazonaws.com'),
    ],
    delete: (call) => on(glueArn(`job/${call.name}`), 'glue:DeleteJob'),
  }),
  'AWS::Athena::WorkGroup': (call) =>
    on(
      `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${call.name}`,
      { create: 'athena:CreateWorkGroup', update: 'athena:UpdateWorkGroup', delete: 'athena:DeleteWorkGroup' }[
        call.operation
      ],
    ),
  // The delivery pipeline stack's types (recorded by the local CloudFormation; their handlers' calls judged here).
  'AWS::Logs::LogGroup': byOperation({
    create: (call) =>
      on(
        logGroupArn(call.name),
        'logs:CreateLogGroup',
        ...(call.properties.RetentionInDays !== undefined ? ['logs:PutRetentionPolicy'] : []),
      ),
    update: (call) =>
      on(
        logGroupArn(call.name),
        call.properties.RetentionInDays !== undefined ? 'logs:PutRetentionPolicy' : 'logs:DeleteRetentionPolicy',
      ),
    delete: (call) => on(logGroupArn(call.name), 'logs:DeleteLogGroup'),
  }),
  'AWS::CodeBuild::Project': (call) => [
    ...on(
      `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${call.name}`,
      { create: 'codebuild:CreateProject', update: 'codebuild:UpdateProject', delete: 'codebuild:DeleteProject' }[
        call.operation
      ],
    ),
    ...(call.operation === 'delete' ? [] : passRole(call.properties.ServiceRole, 'codebuild.amazonaws.com')),
  ],
  'AWS::CodeBuild::ReportGroup': (call) =>
    on(
      call.name.startsWith('arn:') ? call.name : `arn:aws:codebuild:${REGION}:${ACCOUNT}:report-group/${call.name}`,
      {
        create: 'codebuild:CreateReportGroup',
        update: 'codebuild:UpdateReportGroup',
        delete: 'codebuild:DeleteReportGroup',
      }[call.operation],
    ),
  'AWS::CodePipeline::Pipeline': (call) => [
    ...on(
      `arn:aws:codepipeline:${REGION}:${ACCOUNT}:${call.name}`,
      {
        create: 'codepipeline:CreatePipeline',
        update: 'codepipeline:UpdatePipeline',
        delete: 'codepipeline:DeletePipeline',
      }[call.operation],
    ),
    ...(call.operation === 'delete' ? [] : passRole(call.properties.RoleArn, 'codepipeline.amazonaws.com')),
  ],
  'AWS::SNS::Topic': (call) =>
    on(
      call.name.startsWith('arn:') ? call.name : `arn:aws:sns:${REGION}:${ACCOUNT}:${call.name}`,
      ...{
        create: ['sns:CreateTopic', 'sns:SetTopicAttributes'],
        update: ['sns:SetTopicAttributes'],
        delete: ['sns:DeleteTopic'],
      }[call.operation],
    ),
  'AWS::Events::Rule': (call) => {
    const targets = Array.isArray(call.properties.Targets) && call.properties.Targets.length > 0;
    return [
      ...on(
        `arn:aws:events:${REGION}:${ACCOUNT}:rule/${call.name}`,
        ...(call.operation === 'delete'
          ? [...(targets ? ['events:RemoveTargets'] : []), 'events:DeleteRule']
          : ['events:PutRule', ...(targets ? ['events:PutTargets'] : [])]),
      ),
      ...(call.operation === 'delete' ? [] : passRole(call.properties.RoleArn, 'events.amazonaws.com')),
    ];
  },
  // The connection's id is generated: its ARN is known only after the create.
  'AWS::CodeStarConnections::Connection': (call) =>
    on(
      call.name.startsWith('arn:') ? call.name : `arn:aws:codestar-connections:${REGION}:${ACCOUNT}:connection/*`,
      {
        create: 'codestar-connections:CreateConnection',
        update: 'codestar-connections:TagResource',
        delete: 'codestar-connections:DeleteConnection',
      }[call.operation],
    ),
  'AWS::SecretsManager::Secret': (call) =>
    on(
      call.name.startsWith('arn:')
        ? call.name
        : `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${call.name}-AbCdEf`,
      {
        create: 'secretsmanager:CreateSecret',
        update: 'secretsmanager:UpdateSecret',
        delete: 'secretsmanager:DeleteSecret',
      }[call.operation],
    ),
};

/** The IAM requests of one resource operation, or undefined for a type the table does not know. */
export const handlerRequestsOf = (resourceType: string, call: HandlerCall): IamRequest[] | undefined =>
  Object.hasOwn(CLOUDFORMATION_HANDLERS, resourceType) ? CLOUDFORMATION_HANDLERS[resourceType]!(call) : undefined;
