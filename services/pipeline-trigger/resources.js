// The trigger's role and its token key, built with config/iam.js. The function starts and polls executions of its
// stage's deploy state machine, answers CodePipeline jobs, and reads the key that signs its continuation tokens.

const { deployStateMachineName, triggerFunctionName } = require('../../config/delivery-names');
const { allow, arn, functionRoleExtensions, lambdaLogs, serviceRole } = require('../../config/iam');

const resourcesFor = ({ stage, stateMachineArn }) => ({
  Resources: {
    // The HMAC key of the continuation tokens; read once per container (CONTINUATION_TOKEN_KEY_SECRET_ARN).
    ContinuationTokenKey: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: {
        Description: `Signs the glue-cd pipeline trigger's continuation tokens (stage ${stage}).`,
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      },
    },
    PipelineTriggerRole: serviceRole({
      services: 'lambda.amazonaws.com',
      policyName: 'glue-cd-pipeline-trigger',
      statements: [
        lambdaLogs(triggerFunctionName(stage)),
        allow('StartDeploy', 'states:StartExecution', stateMachineArn),
        allow(
          'PollDeploy',
          'states:DescribeExecution',
          arn.regional('states', `execution:${deployStateMachineName(stage)}:*`),
        ),
        // CodePipeline's job-worker actions support no resource-level permissions.
        allow(
          'AnswerCodePipelineJobs',
          ['codepipeline:GetJobDetails', 'codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
          '*',
        ),
        allow('ReadTokenKey', 'secretsmanager:GetSecretValue', { Ref: 'ContinuationTokenKey' }),
      ],
    }),
  },
  extensions: functionRoleExtensions(['TriggerLambdaFunction']),
});

module.exports = {
  resourcesFor,
  /** `resources: - ${file(./resources.js):resources}` */
  resources: async ({ resolveVariable }) =>
    resourcesFor({
      stage: await resolveVariable('sls:stage'),
      stateMachineArn: await resolveVariable('self:custom.deployStateMachineArn'),
    }),
};
