import type { CodePipelineEvent, Context } from 'aws-lambda';
import { createTriggerClients } from '../clients';
import { createTriggerLogger } from '../logging';
import { secretsManagerTokenKeys } from '../token-keys';
import { makeTrigger } from '../trigger';

// Built once per container: clients, logger, and the token key cache.
const clients = createTriggerClients();
const { logger, redactor } = createTriggerLogger();

const trigger = makeTrigger({
  sfn: clients.sfn,
  codePipeline: clients.codePipeline,
  artifactS3Factory: clients.artifactS3,
  tokenKeys: secretsManagerTokenKeys({
    client: clients.secretsManager,
    secretId: process.env.CONTINUATION_TOKEN_KEY_SECRET_ARN,
  }),
  logger,
  redactor,
  defaultStateMachineArn: process.env.DEPLOY_STATE_MACHINE_ARN,
});

/** CodePipeline Lambda Invoke action: starts or polls the deploy state machine, and always answers the job. */
export const handler = async (event: CodePipelineEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  await trigger(event, context);
};
