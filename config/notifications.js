// Where glue-cd's operational notifications go, named once: the orchestrator stack owns the encrypted topic and
// allows exactly its publishers (services/deploy-orchestrator/operations.js); the pipeline stack adds one of them,
// the rule on its failed actions (pipeline-resources.js), which it finds by these names (the topic's own name is in
// config/delivery-names.js).

/** The orchestrator stack's export of the notification topic's ARN (for operators; no stack imports it). */
const notificationTopicExport = (stage) => `glue-cd-deploy-orchestrator-${stage}-NotificationTopicArn`;

/** The pipeline's EventBridge rule on failed actions (a publisher the topic policy names before the rule exists). */
const pipelineFailureRuleName = (stage) => `glue-cd-pipeline-${stage}-failed-actions`;

/** The deploy state machine's EventBridge rule on refused deploys. */
const refusedDeployRuleName = (stage) => `glue-cd-deploy-${stage}-refused`;

module.exports = { notificationTopicExport, pipelineFailureRuleName, refusedDeployRuleName };
