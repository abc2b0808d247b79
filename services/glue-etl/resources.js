// The Glue ETL stack's buckets and roles, built with config/iam.js for the stage's application environment
// (config/environments.js): every bucket from secureBucket (protected environments retain and version their data),
// every role under the environment's role path and capped by its permissions boundary (the orchestrator stack
// creates the boundary; CloudFormation's role may only create roles that carry it).

const { allow, arn, getAtt, secureBucket, serviceRole, sub } = require('../../config/iam');
const { actions, environment, permissionsBoundaryArn } = require('../../config/environments');

/** Where the job reads and writes, relative to its buckets (glue-jobs/README.md). */
const RAW_PREFIX = 'nyc-taxi/yellow_tripdata';
const REJECTS_PREFIX = `rejects/${RAW_PREFIX}`;

/**
 * Keys that stand for the folders above and at `prefix`: Glue's S3 file system HEADs `<dir>` and `<dir>_$folder$`
 * while resolving a path and may write `<dir>_$folder$` markers when it creates one.
 */
const directoryKeys = (prefix) =>
  prefix
    .split('/')
    .map((_, index, parts) => parts.slice(0, index + 1).join('/'))
    .flatMap((dir) => [dir, `${dir}_$folder$`]);

const objects = (bucketId, keys) => keys.map((key) => sub(`\${${bucketId}.Arn}/${key}`));
const catalogArns = (databaseId) => [
  arn.glue('catalog'),
  arn.glue(`database/\${${databaseId}}`),
  arn.glue(`table/\${${databaseId}}/*`),
];
const glueLogs = arn.logGroup('/aws-glue/*');

/** A role Glue assumes for this stack: under the environment's path, capped by its boundary. */
const glueRole = (env, { description, policyName, statements }) =>
  serviceRole({
    services: 'glue.amazonaws.com',
    sourceAccount: true,
    path: env.rolePath,
    permissionsBoundary: permissionsBoundaryArn(env),
    description,
    policyName,
    statements,
  });

/** A crawler's role: list and read one prefix of one bucket, maintain the tables of one database. */
const crawlerRole = (env, { bucketId, databaseId, description, policyName }) =>
  glueRole(env, {
    description,
    policyName,
    statements: [
      allow('ListCrawledPrefix', 's3:ListBucket', getAtt(bucketId), {
        StringLike: { 's3:prefix': [RAW_PREFIX, `${RAW_PREFIX}/*`] },
      }),
      // GetBucketLocation carries no prefix: a prefix condition would deny it.
      allow('LocateBucket', 's3:GetBucketLocation', getAtt(bucketId)),
      allow('ReadCrawledPrefix', 's3:GetObject', objects(bucketId, [`${RAW_PREFIX}/*`])),
      allow('MaintainCatalog', actions.crawlerCatalog, catalogArns(databaseId)),
      allow('CrawlerLogs', actions.glueLogs, glueLogs),
    ],
  });

const resourcesFor = ({ stage, deploymentBucket }) => {
  const env = environment(stage);
  const retain = env.protected;
  const Resources = {
    ...secureBucket('RawBucket', {
      name: sub(`\${AWS::StackName}-raw-\${AWS::AccountId}`),
      versioned: true,
      retain,
      lifecycleRules: [
        // Versioning protects against bad overwrites and deletes; old versions do not need to live forever.
        {
          Id: 'ExpireNoncurrentVersions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    }),
    ...secureBucket('DataLakeBucket', {
      name: sub(`\${AWS::StackName}-lake-\${AWS::AccountId}`),
      versioned: true,
      retain,
      lifecycleRules: [
        {
          Id: 'ExpireNoncurrentVersions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    }),
    ...secureBucket('AthenaResultsBucket', {
      name: sub(`\${AWS::StackName}-athena-\${AWS::AccountId}`),
      retain,
      lifecycleRules: [{ Id: 'ExpireQueryResults', Status: 'Enabled', Prefix: 'results/', ExpirationInDays: 30 }],
    }),
    RawCrawlerRole: crawlerRole(env, {
      bucketId: 'RawBucket',
      databaseId: 'RawDatabase',
      description: 'Raw crawler; reads the raw NYC taxi prefix, maintains tables in the raw database.',
      policyName: 'raw-crawler',
    }),
    DataLakeCrawlerRole: crawlerRole(env, {
      bucketId: 'DataLakeBucket',
      databaseId: 'DataLakeDatabase',
      description: 'Data-lake crawler; reads the curated NYC taxi prefix, maintains tables in the data-lake database.',
      policyName: 'data-lake-crawler',
    }),
    JobRole: glueRole(env, {
      description: 'NYC taxi job; reads raw CSV and its job files, writes curated Parquet and rejects.',
      policyName: 'nyc-taxi-job',
      statements: [
        // Glue's S3 file system lists parent "directories"; without ListBucket a missing key answers 403, not 404.
        allow('ListJobBuckets', actions.listBucket, [getAtt('RawBucket'), getAtt('DataLakeBucket')]),
        allow('ReadRawPrefix', 's3:GetObject', objects('RawBucket', [`${RAW_PREFIX}/*`, ...directoryKeys(RAW_PREFIX)])),
        allow('ReadJobFiles', 's3:GetObject', arn.s3(`${deploymentBucket}/glue-jobs/*`)),
        // Overwrite mode deletes the previous output; folder markers are written for every directory created.
        allow(
          'WriteDataLakeOutputPrefixes',
          actions.writeObjects,
          objects('DataLakeBucket', [
            `${RAW_PREFIX}/*`,
            `${REJECTS_PREFIX}/*`,
            ...new Set([...directoryKeys(RAW_PREFIX), ...directoryKeys(REJECTS_PREFIX)]),
          ]),
        ),
        allow('JobLogs', actions.glueLogs, glueLogs),
        // PutMetricData has no resource-level permissions; the namespace condition scopes it.
        allow('JobMetrics', 'cloudwatch:PutMetricData', '*', { StringEquals: { 'cloudwatch:namespace': 'Glue' } }),
      ],
    }),
  };
  return { Resources };
};

const stageOf = async ({ resolveVariable }) => ({
  stage: await resolveVariable('sls:stage'),
  deploymentBucket: await resolveVariable('self:provider.deploymentBucket.name'),
});

module.exports = {
  RAW_PREFIX,
  REJECTS_PREFIX,
  directoryKeys,
  resourcesFor,
  /** `resources: - ${file(./resources.js):resources}` */
  resources: async (sls) => resourcesFor(await stageOf(sls)),
  /** DeletionPolicy/UpdateReplacePolicy of the stage's other stateful resources (the Glue databases). */
  dataRetention: async ({ resolveVariable }) =>
    environment(await resolveVariable('sls:stage')).protected ? 'Retain' : 'Delete',
};
