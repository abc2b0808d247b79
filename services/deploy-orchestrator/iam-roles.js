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
    Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
  };
  const staged = (prefix) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${TemplateStagingBucket}/${prefix}*` });
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
    // Protected environments: termination protection and the stack policy are set by CreateStack itself; a retry
    // after the create took effect recognises its ClientRequestToken in the stack events.
    createStack: [
      cfn([
        'CreateStack',
        'DescribeStacks',
        'DescribeStackEvents',
        'TagResource',
        'SetStackPolicy',
        'UpdateTerminationProtection',
      ]),
      passServiceRole,
      readStagedTemplates,
    ],
    createChangeSet: [
      cfn(['CreateChangeSet', 'DescribeChangeSet', 'DescribeStacks', 'TagResource'], [stacks, changeSets]),
      passServiceRole,
      readStagedTemplates,
    ],
    // Reads the change set and both templates, stores the verdict (verdicts/*) and plans (plans/*), reads an
    // approved plan; a plan's failed CREATE change set takes its REVIEW_IN_PROGRESS stack with it.
    pollChangeSet: [
      cfn(['DescribeChangeSet', 'DeleteChangeSet', 'GetTemplate', 'DeleteStack'], [stacks, changeSets]),
      passServiceRole,
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [staged('verdicts/'), staged('plans/')] },
    ],
    executeChangeSet: [
      cfn(
        [
          'ExecuteChangeSet',
          'DescribeChangeSet',
          'DescribeStacks',
          'GetStackPolicy',
          'SetStackPolicy',
          'UpdateTerminationProtection',
        ],
        [stacks, changeSets],
      ),
    ],
    deleteChangeSet: [cfn(['DeleteChangeSet'], [stacks, changeSets])],
    refuseChangeSet: [cfn(['DeleteChangeSet'], [stacks, changeSets])],
    pollStackOperation: [cfn(['DescribeStacks', 'DescribeStackEvents', 'DescribeChangeSet'], [stacks, changeSets])],
    emptyBuckets: [
      cfn(['ListStackResources', 'GetTemplate']),
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketVersions'], Resource: [s3Arn(`${stackPrefix}*`)] },
      {
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: [s3Arn(`${stackPrefix}*/*`)],
      },
    ],
    // Turns termination protection off only on a ROLLBACK_COMPLETE / REVIEW_IN_PROGRESS stack (no resources).
    deleteStack: [cfn(['DeleteStack', 'DescribeStacks', 'UpdateTerminationProtection']), passServiceRole],
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
