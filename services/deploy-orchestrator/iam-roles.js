// One least-privilege IAM role per task function, plus the state machine's role, generated from the table below
// (osls has no per-function role plugin). serverless.yml includes this as resources; every Action is named,
// never "*". Resources are scoped to the stacks, change sets and buckets whose names start with the managed prefix.

const arn = (service, resource) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});
const s3Arn = (resource) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${resource}` });
const logicalId = (fn) => fn.charAt(0).toUpperCase() + fn.slice(1);

/** Task function name → its statements (besides writing its own logs). */
const permissions = ({ stackPrefix, artifactBucketPrefix }) => {
  const stacks = arn('cloudformation', `stack/${stackPrefix}*/*`);
  const changeSets = arn('cloudformation', 'changeSet/glue-cd-*/*');
  const passServiceRole = {
    Effect: 'Allow',
    Action: ['iam:PassRole'],
    Resource: { 'Fn::GetAtt': ['CloudFormationServiceRole', 'Arn'] },
  };
  const readStagedTemplates = {
    Effect: 'Allow',
    Action: ['s3:GetObject'],
    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${TemplateStagingBucket}/templates/*' },
  };
  const cfn = (actions, resources = [stacks]) => ({
    Effect: 'Allow',
    Action: actions.map((a) => `cloudformation:${a}`),
    Resource: resources,
  });
  return {
    validateInput: [],
    checkStack: [cfn(['DescribeStacks'])],
    prepareTemplate: [
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [s3Arn(`${artifactBucketPrefix}*/*`)] },
      {
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${TemplateStagingBucket}/templates/*' },
      },
    ],
    createStack: [cfn(['CreateStack', 'DescribeStacks', 'TagResource']), passServiceRole, readStagedTemplates],
    createChangeSet: [
      cfn(['CreateChangeSet', 'DescribeStacks', 'TagResource'], [stacks, changeSets]),
      passServiceRole,
      readStagedTemplates,
    ],
    pollChangeSet: [cfn(['DescribeChangeSet', 'DeleteChangeSet'], [stacks, changeSets])],
    executeChangeSet: [cfn(['ExecuteChangeSet', 'DescribeStacks'], [stacks, changeSets])],
    deleteChangeSet: [cfn(['DeleteChangeSet'], [stacks, changeSets])],
    refuseChangeSet: [cfn(['DeleteChangeSet'], [stacks, changeSets])],
    pollStackOperation: [cfn(['DescribeStacks', 'DescribeStackEvents'])],
    emptyBuckets: [
      cfn(['ListStackResources', 'GetTemplate']),
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketVersions'], Resource: [s3Arn(`${stackPrefix}*`)] },
      {
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: [s3Arn(`${stackPrefix}*/*`)],
      },
    ],
    deleteStack: [cfn(['DeleteStack', 'DescribeStacks']), passServiceRole],
    finish: [cfn(['DescribeStacks'])],
  };
};

const functionRole = (fn, statements) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['sts:AssumeRole'] }],
    },
    Policies: [
      {
        PolicyName: `${fn}-task`,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: arn('logs', `log-group:/aws/lambda/\${AWS::StackName}-${fn}:*`),
            },
            ...statements,
          ],
        },
      },
    ],
  },
});

const stateMachineRole = (functions) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: ['sts:AssumeRole'] }],
    },
    Policies: [
      {
        PolicyName: 'invoke-deploy-tasks',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['lambda:InvokeFunction'],
              Resource: functions.flatMap((fn) => [
                { 'Fn::GetAtt': [`${logicalId(fn)}LambdaFunction`, 'Arn'] },
                { 'Fn::Sub': `\${${logicalId(fn)}LambdaFunction.Arn}:*` },
              ]),
            },
          ],
        },
      },
    ],
  },
});

module.exports = async ({ resolveVariable }) => {
  const stackPrefix = await resolveVariable('self:custom.managedStackPrefix');
  const artifactBucketPrefix = await resolveVariable('self:custom.artifactBucketPrefix');
  const table = permissions({ stackPrefix, artifactBucketPrefix });
  const Resources = Object.fromEntries(
    Object.entries(table).map(([fn, statements]) => [`${logicalId(fn)}Role`, functionRole(fn, statements)]),
  );
  Resources.DeployStateMachineRole = stateMachineRole(Object.keys(table));
  return { Resources };
};
module.exports.permissions = permissions;
