// The application environments the pipeline deploys (deploy/<environment>.json) and every name derived from one:
// IAM scopes each environment's roles by these patterns, so a test deploy can never touch a prod resource.
// Used by services/glue-etl (its stage is the environment), the orchestrator (one CloudFormation role and one
// permissions boundary per environment) and the pipeline (the live test reads the test environment only).

const { allow, arn } = require('./iam');

/** The Glue ETL application's stack is `<APPLICATION_STACK>-<environment>`; blue/green copies add `-<suffix>`. */
const APPLICATION_STACK = 'glue-cd-glue-etl';
const ENVIRONMENT_NAMES = ['test', 'prod'];
/** Environments whose data outlives any stack operation (Retain, versioning, no delete rights on data). */
// GLUE_CD_PROTECTED_ENVIRONMENTS (comma-separated, at package time) overrides; validateInput reads the same list.
const PROTECTED_ENVIRONMENTS = (process.env.GLUE_CD_PROTECTED_ENVIRONMENTS ?? 'prod')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);

/** Action groups shared by the application's roles and the boundary that caps them (one list each). */
const actions = {
  crawlerCatalog: [
    'glue:GetDatabase',
    'glue:GetTable',
    'glue:GetTables',
    'glue:CreateTable',
    'glue:UpdateTable',
    'glue:GetPartition',
    'glue:GetPartitions',
    'glue:BatchGetPartition',
    'glue:CreatePartition',
    'glue:BatchCreatePartition',
    'glue:UpdatePartition',
    'glue:BatchUpdatePartition',
  ],
  glueLogs: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
  listBucket: ['s3:ListBucket', 's3:GetBucketLocation'],
  writeObjects: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
};

class UnknownEnvironmentError extends Error {
  name = 'UnknownEnvironmentError';
}

/** Everything IAM needs to know about one environment's names. */
const environment = (name) => {
  if (!ENVIRONMENT_NAMES.includes(name)) {
    throw new UnknownEnvironmentError(
      `unknown application environment "${name}"; known: ${ENVIRONMENT_NAMES.join(', ')} (config/environments.js)`,
    );
  }
  const stackName = `${APPLICATION_STACK}-${name}`;
  const databasePrefix = stackName.replace(/-/g, '_');
  const capitalised = name.charAt(0).toUpperCase() + name.slice(1);
  return {
    name,
    /** `Test`, `Prod`: for logical ids. */
    id: capitalised,
    protected: PROTECTED_ENVIRONMENTS.includes(name),
    stackName,
    /** Stack name patterns: the stack and its blue/green copies. */
    stackNames: [stackName, `${stackName}-*`],
    /** Buckets are `<stack>-<purpose>-<account>`. */
    bucketNames: `${stackName}-*`,
    /** Crawlers, jobs and the Athena workgroup are named after the stack. */
    resourceNames: [stackName, `${stackName}-*`],
    /** Glue databases: the stack name with '-' as '_', then `_<purpose>`. */
    databaseNames: `${databasePrefix}_*`,
    /** Every role the application stack creates lives under this path, so ARNs scope them per environment. */
    rolePath: `/glue-cd/${name}/`,
    /** The managed policy that caps every role the application stack creates (the orchestrator stack owns it). */
    permissionsBoundaryPath: '/glue-cd/',
    permissionsBoundaryName: `glue-cd-${name}-workload-boundary`,
    /** Where the Build stage uploads the Glue job files for this environment (config/serverless.common.yml). */
    deploymentBucket: `glue-cd-deployments-${name}`,
  };
};

const environments = () => ENVIRONMENT_NAMES.map(environment);

const permissionsBoundaryArn = (env) => arn.policy(`${env.permissionsBoundaryPath}${env.permissionsBoundaryName}`);

/** ARNs of an environment's resources, by kind (the CloudFormation roles and the boundary scope with these). */
const resourceArns = (env) => ({
  /** For actions without resource-level permissions. */
  any: ['*'],
  stacks: env.stackNames.map(arn.cloudformationStack),
  buckets: [arn.s3(env.bucketNames)],
  objects: [arn.s3(`${env.bucketNames}/*`)],
  catalog: [arn.glue('catalog')],
  databases: [arn.glue(`database/${env.databaseNames}`)],
  tables: [arn.glue(`table/${env.databaseNames}/*`)],
  userDefinedFunctions: [arn.glue(`userDefinedFunction/${env.databaseNames}/*`)],
  crawlers: env.resourceNames.map((name) => arn.glue(`crawler/${name}`)),
  jobs: env.resourceNames.map((name) => arn.glue(`job/${name}`)),
  workgroups: env.resourceNames.map((name) => arn.regional('athena', `workgroup/${name}`)),
  roles: [arn.role(`${env.rolePath}*`)],
  glueLogGroups: [arn.logGroup('/aws-glue/*')],
});

/**
 * The permissions boundary of an environment: the most any role of its application stack may ever do, whatever
 * its own policy says — its own buckets and catalog, its job files, Glue logs and metrics; no IAM, no other data.
 */
const workloadBoundaryStatements = (env) => {
  const arns = resourceArns(env);
  return [
    allow('OwnBuckets', actions.listBucket, arns.buckets),
    allow('OwnObjects', actions.writeObjects, arns.objects),
    allow('JobFiles', 's3:GetObject', arn.s3(`${env.deploymentBucket}/glue-jobs/*`)),
    allow('OwnCatalog', actions.crawlerCatalog, [...arns.catalog, ...arns.databases, ...arns.tables]),
    allow('GlueLogs', actions.glueLogs, arns.glueLogGroups),
    // PutMetricData has no resource-level permissions; the namespace condition scopes it.
    allow('GlueMetrics', 'cloudwatch:PutMetricData', '*', { StringEquals: { 'cloudwatch:namespace': 'Glue' } }),
  ];
};

module.exports = {
  APPLICATION_STACK,
  ENVIRONMENT_NAMES,
  PROTECTED_ENVIRONMENTS,
  UnknownEnvironmentError,
  actions,
  environment,
  environments,
  permissionsBoundaryArn,
  resourceArns,
  workloadBoundaryStatements,
};
