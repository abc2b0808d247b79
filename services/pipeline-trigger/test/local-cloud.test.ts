// The trigger with real SDK clients against the local cloud's CodePipeline (GetJobDetails of created jobs), Step
// Functions and S3. Only Secrets Manager is a test double here: the local cloud does not serve it yet.
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { codePipelineJobEvent, localPipelineContext } from '@glue-cd/release';
import { startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTriggerClients, createTriggerLogger, makeTrigger, secretsManagerTokenKeys } from '../src';
import { TOKEN_KEY_TEXT, VALID_INPUT } from './fixtures';

const FUNCTION_NAME = 'glue-cd-pipeline-trigger-local-trigger';
let cloud: LocalCloud;
let stateDir: string;
let stateMachineArn: string;
let trigger: ReturnType<typeof makeTrigger>;

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'trigger-local-cloud-'));
  cloud = await startLocalCloud({ stateDir, port: 0, log: () => undefined });
  ({ stateMachineArn } = await cloud.stateMachines.createStateMachine({
    name: 'glue-cd-deploy-local',
    definition: JSON.stringify({
      StartAt: 'Done',
      States: {
        Done: { Type: 'Pass', Result: { outcome: 'updated', stackName: 'glue-etl-test', outputs: {} }, End: true },
      },
    }),
  }));
  const secrets = mockClient(SecretsManagerClient);
  secrets
    .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: TOKEN_KEY_TEXT })
    .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
    .rejects(new ResourceNotFoundException({ message: 'none', $metadata: {} }));
  const env = cloud.environment();
  const clients = createTriggerClients({
    env,
    clientOptions: {
      region: env.AWS_REGION,
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
  });
  trigger = makeTrigger({
    sfn: clients.sfn,
    codePipeline: clients.codePipeline,
    artifactS3Factory: clients.artifactS3,
    tokenKeys: secretsManagerTokenKeys({ client: clients.secretsManager, secretId: 'local-token-key' }),
    ...createTriggerLogger({ logLevel: 'SILENT' }),
    defaultStateMachineArn: stateMachineArn,
  });
});

afterAll(async () => {
  await cloud.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** One invocation as the local release makes it: a new job, created in the local CodePipeline first. */
const invoke = async (context: ReturnType<typeof localPipelineContext>, continuationToken?: string) => {
  const jobId = randomUUID();
  const event = codePipelineJobEvent({
    jobId,
    functionName: FUNCTION_NAME,
    userParameters: JSON.stringify({ input: VALID_INPUT }),
    inputArtifacts: [],
    continuationToken,
  });
  cloud.jobResults.createJob(jobId, { pipelineContext: context, ...event['CodePipeline.job'].data });
  await trigger(event);
  return Object.assign({ jobId }, cloud.jobResults.get(jobId));
};

describe('the trigger against the local cloud', () => {
  test('starts, then follows its execution through a new job of the same action execution', async () => {
    const context = localPipelineContext({ functionName: FUNCTION_NAME });
    const first = await invoke(context);
    expect(first).toMatchObject({ status: 'succeeded', continuationToken: expect.stringMatching(/^gcd2\./) });
    // This test's execution, named after its first job (the other test's executions share the state machine).
    const executionArn = executionArnFor(stateMachineArn, executionNameForJob(first.jobId));
    expect(cloud.stateMachines.executions(stateMachineArn).map((e) => e.executionArn)).toContain(executionArn);
    await cloud.stateMachines.waitForExecution(executionArn);

    const second = await invoke(context, first?.status === 'succeeded' ? first.continuationToken : undefined);

    expect(second).toMatchObject({
      status: 'succeeded',
      outputVariables: { stackName: 'glue-etl-test', outcome: 'updated', executionArn },
    });
  });

  test('a token carried into another pipeline execution is rejected; an unknown job cannot be bound', async () => {
    const first = await invoke(localPipelineContext({ functionName: FUNCTION_NAME }));
    const token = first?.status === 'succeeded' ? first.continuationToken : undefined;

    const foreign = await invoke(localPipelineContext({ functionName: FUNCTION_NAME }), token);

    expect(foreign).toMatchObject({ status: 'failed', failureType: 'JobFailed' });
    expect(foreign?.status === 'failed' && foreign.message).toMatch(
      /^ContinuationTokenError: .*pipelineExecutionId differ/,
    );

    const jobId = randomUUID();
    await trigger(
      codePipelineJobEvent({ jobId, functionName: FUNCTION_NAME, userParameters: '{"input":{}}', inputArtifacts: [] }),
    );
    expect(cloud.jobResults.get(jobId)).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/^JobNotFoundException: /),
    });
  });
});
