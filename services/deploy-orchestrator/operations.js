// Operations of the deploy state machine on AWS, declared once: its execution log group (the state machine's
// loggingConfig in serverless.yml writes there), an alarm on failed executions, and the encrypted notification topic
// that receives the alarm, refused deploys (an EventBridge rule on FAILED executions with UnsafeChangeSetError) and
// the pipeline's failed actions (pipeline-resources.js). The topic lives here, with most of its publishers: the
// orchestrator is used without the pipeline too; the pipeline finds the topic by its name (config/delivery-names.js).

const { allow, arn, deny, getAtt, ref, sub } = require('../../config/iam');
const { deployStateMachineName, notificationTopicName } = require('../../config/delivery-names');
const {
  notificationTopicExport,
  pipelineFailureRuleName,
  refusedDeployRuleName,
} = require('../../config/notifications');

const LOG_RETENTION_DAYS = 30;

/** Key administration for the account (its IAM policies decide who); no one is given the key's use but publishers. */
const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The services that publish to the topic; SNS uses the key with the publisher's rights. */
const PUBLISHING_SERVICES = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'];

/** An SNS message body from an EventBridge event: a JSON document whose values are the event's (escaped by EventBridge). */
const eventMessage = (paths, template) => ({
  InputPathsMap: paths,
  InputTemplate: JSON.stringify(template, null, 2).replace(/"<([a-zA-Z]+)>"/g, '<$1>'),
});

const resourcesFor = ({ stage, notificationEmail }) => {
  const stateMachineName = deployStateMachineName(stage);
  const topicArn = ref('NotificationTopic');
  const accountRoot = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
  const Resources = {
    // Step Functions names vended log groups /aws/vendedlogs/…: their resource policy stays small.
    DeployStateMachineLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
        RetentionInDays: LOG_RETENTION_DAYS,
      },
    },
    // A customer managed key: CloudWatch alarms and EventBridge cannot publish to a topic under the AWS managed key.
    NotificationKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `glue-cd ${stage}: encrypts the notification topic`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Principal: { AWS: accountRoot }, ...allow('KeyAdministration', KEY_ADMIN_ACTIONS, '*') },
            {
              Principal: { Service: PUBLISHING_SERVICES },
              ...allow('PublishersEncryptMessages', ['kms:GenerateDataKey', 'kms:Decrypt'], '*'),
            },
          ],
        },
      },
    },
    NotificationKeyAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: `alias/glue-cd-notifications-${stage}`, TargetKeyId: ref('NotificationKey') },
    },
    NotificationTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: notificationTopicName(stage),
        DisplayName: 'glue-cd',
        KmsMasterKeyId: ref('NotificationKey'),
      },
    },
    // Exactly the three publishers, each by its ARN; nobody else may publish.
    NotificationTopicPolicy: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [topicArn],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              ...allow('FailedExecutionsAlarm', 'sns:Publish', topicArn, {
                ArnEquals: { 'aws:SourceArn': getAtt('DeployExecutionsFailedAlarm') },
              }),
            },
            {
              Principal: { Service: 'events.amazonaws.com' },
              ...allow('RefusedDeploysAndPipelineFailures', 'sns:Publish', topicArn, {
                ArnEquals: {
                  'aws:SourceArn': [
                    getAtt('RefusedDeployRule'),
                    // The pipeline stack's rule, deployed after this stack (config/notifications.js).
                    arn.regional('events', `rule/${pipelineFailureRuleName(stage)}`),
                  ],
                },
              }),
            },
            {
              Principal: '*',
              ...deny('DenyInsecureTransport', 'sns:Publish', topicArn, { Bool: { 'aws:SecureTransport': 'false' } }),
            },
          ],
        },
      },
    },
    DeployExecutionsFailedAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${stateMachineName}-executions-failed`,
        AlarmDescription: `Executions of the glue-cd deploy state machine ${stateMachineName} failed (refusals included): see its execution history and the log group /aws/vendedlogs/states/${stateMachineName}.`,
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: ref('DeployStateMachine') }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // No executions is not a failure.
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicArn],
      },
    },
    RefusedDeployRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: refusedDeployRuleName(stage),
        Description: 'A deploy refused by the safety verdict: the execution failed with UnsafeChangeSetError',
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: { status: ['FAILED'], stateMachineArn: [ref('DeployStateMachine')], error: ['UnsafeChangeSetError'] },
        },
        Targets: [
          {
            Id: 'notify',
            Arn: topicArn,
            // The cause is the refusing task's error (JSON from Lambda): its errorMessage lists the violations and
            // names the full verdict in S3. Never the execution's input.
            InputTransformer: eventMessage(
              {
                execution: '$.detail.name',
                executionArn: '$.detail.executionArn',
                error: '$.detail.error',
                cause: '$.detail.cause',
                time: '$.time',
              },
              {
                summary: `glue-cd refused a deploy: the change set would delete or replace resources, or broaden access without approval (state machine ${stateMachineName})`,
                execution: '<execution>',
                executionArn: '<executionArn>',
                time: '<time>',
                error: '<error>',
                cause: '<cause>',
              },
            ),
          },
        ],
      },
    },
  };
  if (notificationEmail) {
    Resources.NotificationEmailSubscription = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: topicArn, Protocol: 'email', Endpoint: notificationEmail },
    };
  }
  return {
    Resources,
    Outputs: {
      NotificationTopicArn: {
        Description: 'Failed deploy executions (alarm), refused deploys and failed pipeline actions',
        Value: topicArn,
        Export: { Name: notificationTopicExport(stage) },
      },
      DeployStateMachineLogGroupName: { Value: ref('DeployStateMachineLogGroup') },
    },
  };
};

module.exports = {
  LOG_RETENTION_DAYS,
  resourcesFor,
  /** `resources: - ${file(./operations.js):resources}` */
  resources: async ({ resolveVariable }) =>
    resourcesFor({
      stage: await resolveVariable('sls:stage'),
      notificationEmail: await resolveVariable('self:custom.notificationEmail'),
    }),
};
