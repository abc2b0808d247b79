import { edgeHandler } from '@glue-cd/lambda-edge';
import type { CodePipelineEvent } from 'aws-lambda';
import { createTriggerClients } from '../clients';
import { createTriggerLogger } from '../logging';
import { secretsManagerTokenKeys } from '../token-keys';
import { makeTrigger, type InvocationContext } from '../trigger';

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

/**
 * CodePipeline Lambda Invoke action: starts or polls the deploy state machine, and always answers the job. It only
 * throws when CodePipeline cannot be answered; that error leaves with its message redacted.
 */
export const handler = edgeHandler<CodePipelineEvent, void>(
  {
    logger,
    mapError: (error) => {
      if (error instanceof Error) error.message = redactor.text(error.message);
      return error;
    },
    messages: { failed: 'could not answer CodePipeline' },
  },
  async (event, context) => {
    await trigger(
      event,
      typeof context.getRemainingTimeInMillis === 'function' ? (context as InvocationContext) : undefined,
    );
  },
);
