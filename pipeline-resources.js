// The delivery pipeline's artifact bucket and roles (serverless.yml at the repo root), built with config/iam.js.
// The live test may touch the test environment only; the build writes job files to every environment's
// deployment bucket, under glue-jobs/ only.

const { allow, arn, getAtt, secureBucket, serviceRole, sub } = require('./config/iam');
const { environment, environments, resourceArns } = require('./config/environments');
const { notificationTopicArn, triggerFunctionArn } = require('./config/delivery-names');
const { pipelineFailureRuleName } = require('./config/notifications');

/** Writing to one CodeBuild project's log group. */
const projectLogs = (logGroupId) =>
  allow(
    'Logs',
    ['logs:CreateLogStream', 'logs:PutLogEvents'],
    [getAtt(logGroupId), arn.regional('logs', `log-group:\${${logGroupId}}:log-stream:*`)],
  );

const codeBuildRole = (policyName, statements) =>
  serviceRole({ services: 'codebuild.amazonaws.com', policyName, statements });

/** Without a given connection ARN the stack creates a GitHub connection that an operator completes once. */
const sourceConnection = (stage, connectionArn) =>
  connectionArn
    ? {}
    : {
        SourceConnection: {
          Type: 'AWS::CodeStarConnections::Connection',
          Properties: { ConnectionName: `glue-cd-${stage}`, ProviderType: 'GitHub' },
        },
      };
const sourceConnectionArnOf = (connectionArn) => connectionArn || { Ref: 'SourceConnection' };

/**
 * Failed pipeline actions to the orchestrator stack's notification topic (its policy names this rule). Every failed
 * pipeline execution starts from a failed action, whose event names the stage and action: one message per failure.
 */
const pipelineNotifications = (stage) => ({
  PipelineFailureRule: {
    Type: 'AWS::Events::Rule',
    Properties: {
      Name: pipelineFailureRuleName(stage),
      Description: 'A failed action of the glue-cd pipeline',
      EventPattern: {
        source: ['aws.codepipeline'],
        'detail-type': ['CodePipeline Action Execution State Change'],
        detail: { pipeline: [{ Ref: 'Pipeline' }], state: ['FAILED'] },
      },
      Targets: [
        {
          Id: 'notify',
          Arn: notificationTopicArn(stage),
          InputTransformer: {
            InputPathsMap: {
              pipeline: '$.detail.pipeline',
              executionId: '$.detail.execution-id',
              stage: '$.detail.stage',
              action: '$.detail.action',
              provider: '$.detail.type.provider',
              region: '$.region',
              time: '$.time',
            },
            // Values outside quotes are inserted as JSON; inside quotes they are plain names and ids.
            InputTemplate: JSON.stringify(
              {
                summary: 'glue-cd pipeline action failed',
                pipeline: '<pipeline>',
                stage: '<stage>',
                action: '<action>',
                provider: '<provider>',
                executionId: '<executionId>',
                time: '<time>',
                console:
                  'https://<region>.console.aws.amazon.com/codesuite/codepipeline/pipelines/<pipeline>/executions/<executionId>/timeline',
              },
              null,
              2,
            ).replace(/"<([a-zA-Z]+)>"/g, '<$1>'),
          },
        },
      ],
    },
  },
});

/** The report group buildspecs/live-test.yml names `checks`: CodeBuild uses `<project name>-checks` when it exists. */
const liveTestReportGroupName = (liveTestProjectName) => `${liveTestProjectName}-checks`;

const resourcesFor = ({ stage, connectionArn, liveTestProjectName }) => {
  const test = resourceArns(environment('test'));
  const deploymentBuckets = environments().map((env) => env.deploymentBucket);
  const sourceConnectionArn = sourceConnectionArnOf(connectionArn);
  return {
    Resources: {
      ...sourceConnection(stage, connectionArn),
      ...pipelineNotifications(stage),
      ...secureBucket('ArtifactBucket', {
        // A known name, so the orchestrator's prepareTemplate can read build artifacts and nothing else.
        name: sub(`glue-cd-pipeline-${stage}-artifacts-\${AWS::AccountId}`),
        versioned: true,
        retain: true,
        bucketKey: true,
        lifecycleRules: [
          {
            Id: 'expire-old-artifact-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
          { Id: 'expire-old-pipeline-artifacts', Status: 'Enabled', ExpirationInDays: 180 },
        ],
      }),
      BuildProjectRole: codeBuildRole('build', [
        projectLogs('BuildLogGroup'),
        allow('ArtifactBucket', ['s3:GetBucketLocation', 's3:GetBucketAcl'], getAtt('ArtifactBucket')),
        allow(
          'ArtifactObjects',
          ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
          sub('${ArtifactBucket.Arn}/*'),
        ),
        allow(
          'GlueJobScriptsList',
          's3:ListBucket',
          deploymentBuckets.map((bucket) => arn.s3(bucket)),
          { StringLike: { 's3:prefix': ['glue-jobs/*'] } },
        ),
        allow(
          'GlueJobScripts',
          ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          deploymentBuckets.map((bucket) => arn.s3(`${bucket}/glue-jobs/*`)),
        ),
      ]),
      // The live test's checks as CodeBuild test reports (JUnit from packages/live-test/src/cli.ts).
      LiveTestReportGroup: {
        Type: 'AWS::CodeBuild::ReportGroup',
        Properties: {
          Name: liveTestReportGroupName(liveTestProjectName),
          Type: 'TEST',
          ExportConfig: { ExportConfigType: 'NO_EXPORT' },
          // The group holds reports only; deleting the pipeline stack deletes them with it.
          DeleteReports: true,
        },
      },
      LiveTestProjectRole: codeBuildRole('live-test', [
        projectLogs('LiveTestLogGroup'),
        // What CodeBuild itself calls with the project role to fill the report group (and never another group).
        allow(
          'TestReports',
          [
            'codebuild:CreateReportGroup',
            'codebuild:CreateReport',
            'codebuild:UpdateReport',
            'codebuild:BatchPutTestCases',
            'codebuild:BatchPutCodeCoverages',
          ],
          getAtt('LiveTestReportGroup'),
        ),
        allow('ArtifactBucket', ['s3:GetBucketLocation', 's3:GetBucketAcl'], getAtt('ArtifactBucket')),
        allow('ArtifactObjectsRead', ['s3:GetObject', 's3:GetObjectVersion'], sub('${ArtifactBucket.Arn}/*')),
        allow('GlueCrawlers', ['glue:StartCrawler', 'glue:GetCrawler'], test.crawlers),
        allow('GlueJobRuns', ['glue:StartJobRun', 'glue:GetJobRun'], test.jobs),
        // Athena reads the catalog with the caller's credentials.
        allow(
          'GlueCatalogRead',
          ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
          [...test.catalog, ...test.databases, ...test.tables],
        ),
        allow(
          'AthenaQueries',
          [
            'athena:StartQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:StopQueryExecution',
            'athena:GetWorkGroup',
          ],
          test.workgroups,
        ),
        // The test data, and Athena's reads and result writes, which it makes with the caller's credentials.
        allow('TestBuckets', ['s3:ListBucket', 's3:GetBucketLocation'], test.buckets),
        allow(
          'TestBucketObjects',
          ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
          test.objects,
        ),
      ]),
      PipelineRole: serviceRole({
        services: 'codepipeline.amazonaws.com',
        policyName: 'pipeline',
        statements: [
          allow(
            'SourceConnection',
            ['codestar-connections:UseConnection', 'codeconnections:UseConnection'],
            sourceConnectionArn,
          ),
          allow(
            'ArtifactBucket',
            ['s3:GetBucketLocation', 's3:GetBucketVersioning', 's3:ListBucket'],
            getAtt('ArtifactBucket'),
          ),
          allow(
            'ArtifactObjects',
            ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
            sub('${ArtifactBucket.Arn}/*'),
          ),
          allow(
            'CodeBuild',
            ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
            [getAtt('BuildProject'), getAtt('LiveTestProject')],
          ),
          allow('PipelineTrigger', 'lambda:InvokeFunction', triggerFunctionArn(stage)),
          allow('ApprovalNotification', 'sns:Publish', { Ref: 'ApprovalTopic' }),
        ],
      }),
    },
  };
};

module.exports = {
  resourcesFor,
  liveTestReportGroupName,
  /** `resources: - ${file(./pipeline-resources.js):resources}` */
  resources: async ({ resolveVariable }) =>
    resourcesFor({
      stage: await resolveVariable('sls:stage'),
      connectionArn: await resolveVariable('self:custom.source.connectionArn'),
      liveTestProjectName: await resolveVariable('self:custom.liveTestProjectName'),
    }),
  /** `${file(./pipeline-resources.js):sourceConnectionArn}`: the given ARN, or a Ref to the created connection. */
  sourceConnectionArn: async ({ resolveVariable }) =>
    sourceConnectionArnOf(await resolveVariable('self:custom.source.connectionArn')),
};
