import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CodePipelineEvent } from 'aws-lambda';
import { artifactS3Client, makeTrigger } from '../trigger';

const trigger = makeTrigger({
  sfn: new SFNClient({}),
  codePipeline: new CodePipelineClient({}),
  artifactS3Factory: artifactS3Client,
  logger: new Logger({ serviceName: 'glue-cd-pipeline-trigger' }),
  defaultStateMachineArn: process.env.DEPLOY_STATE_MACHINE_ARN,
});

/** CodePipeline Lambda Invoke action: starts or polls the deploy state machine, and always answers the job. */
export const handler = async (event: CodePipelineEvent): Promise<void> => {
  await trigger(event);
};
