// The names of the delivery stacks' resources that another stack uses, declared once. Each service names its
// resource with them, and a stack that uses another's resource builds the ARN from the same name instead of
// importing an export: the orchestrator, trigger and pipeline stacks then deploy in any order, side by side (the
// exports stay, for operators). What an import guarded, a stack that is not there yet, shows as the AWS error of the
// first call that needs it (docs/pipeline.md, "Bootstrap").

const { arn } = require('./iam');

/** The deploy state machine (services/deploy-orchestrator), which the trigger starts and polls. */
const deployStateMachineName = (stage) => `glue-cd-deploy-${stage}`;

/** The pipeline trigger function (services/pipeline-trigger), the FunctionName of the pipeline's invoke actions. */
const triggerFunctionName = (stage) => `glue-cd-pipeline-trigger-${stage}-trigger`;

/** The orchestrator's encrypted notification topic, which the pipeline's failed-action rule publishes to. */
const notificationTopicName = (stage) => `glue-cd-notifications-${stage}`;

const deployStateMachineArn = (stage) => arn.regional('states', `stateMachine:${deployStateMachineName(stage)}`);
const triggerFunctionArn = (stage) => arn.regional('lambda', `function:${triggerFunctionName(stage)}`);
const notificationTopicArn = (stage) => arn.regional('sns', notificationTopicName(stage));

/** `${file(<path>/config/delivery-names.js):<name>}` in a serverless.yml: the value for the packaging's stage. */
const forStage =
  (name) =>
  async ({ resolveVariable }) =>
    name(await resolveVariable('sls:stage'));

module.exports = {
  deployStateMachineName,
  deployStateMachineArn,
  triggerFunctionName,
  triggerFunctionArn,
  notificationTopicName,
  notificationTopicArn,
  stage: {
    deployStateMachineName: forStage(deployStateMachineName),
    deployStateMachineArn: forStage(deployStateMachineArn),
    triggerFunctionName: forStage(triggerFunctionName),
  },
};
