import {
  CodePipelineClient,
  GetJobDetailsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  decodeContinuationToken,
  encodeContinuationToken,
  tokenKey,
  type ContinuationState,
  type JobBinding,
} from '@glue-cd/core';
import type { CodePipelineEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createTriggerLogger, makeTrigger, secretsManagerTokenKeys, type ArtifactCredentials } from '../src';

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:glue-cd-deploy-test';
export const FIRST_JOB_ID = '0f6c1b7e-1111-4a2b-9c3d-aaaaaaaaaaaa';
export const TOKEN_KEY_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:glue-cd-pipeline-trigger-test-token-key-AbCdEf';
// Distinctive, so a test can prove it never reaches the logs.
export const TOKEN_KEY_TEXT = 'TokenKeyDoNotLog0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL';
export const TOKEN_KEY = tokenKey(TOKEN_KEY_TEXT);
export const BINDING: JobBinding = {
  pipelineName: 'glue-cd-pipeline-test',
  stage: 'LiveTest',
  action: 'DeployTestStack',
  pipelineExecutionId: '5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b',
};
export const ARTIFACT = {
  name: 'BuildOutput',
  bucket: 'glue-cd-artifacts-123456789012',
  key: 'glue-cd-pipeline/BuildOutpu/Xk3v9Qe.zip',
};
// Distinctive fake secrets, so a test can prove they never reach the logs.
export const CREDENTIALS: ArtifactCredentials = {
  accessKeyId: 'ASIAFAKEARTIFACTKEY77',
  secretAccessKey: 'fake/Secret+Artifact+Key+DoNotLog+0123456789',
  sessionToken: 'FAKE-SESSION-TOKEN-do-not-log-IQoJb3JpZ2luX2VjEXAMPLE',
};

export const VALID_INPUT = {
  environmentName: 'test',
  stackName: 'glue-etl-test',
  template: { url: 's3://glue-cd-templates/glue-etl/template.json' },
  parameters: { Stage: 'test' },
};

export const jobEvent = (
  userParameters: unknown,
  options: { jobId?: string; continuationToken?: string; inputArtifacts?: (typeof ARTIFACT)[] } = {},
): CodePipelineEvent => ({
  'CodePipeline.job': {
    id: options.jobId ?? FIRST_JOB_ID,
    accountId: '123456789012',
    data: {
      actionConfiguration: {
        configuration: {
          FunctionName: 'glue-cd-pipeline-trigger-test-trigger',
          UserParameters: typeof userParameters === 'string' ? userParameters : JSON.stringify(userParameters),
        },
      },
      inputArtifacts: (options.inputArtifacts ?? [ARTIFACT]).map((artifact) => ({
        name: artifact.name,
        revision: null,
        location: { type: 'S3', s3Location: { bucketName: artifact.bucket, objectKey: artifact.key } },
      })),
      outputArtifacts: [],
      artifactCredentials: { ...CREDENTIALS, sessionToken: CREDENTIALS.sessionToken ?? '' },
      ...(options.continuationToken !== undefined ? { continuationToken: options.continuationToken } : {}),
    },
  },
});

/** GetJobDetails as CodePipeline answers it for a job of the action execution `binding`. */
export const jobDetails = (jobId: string, binding: JobBinding = BINDING) => ({
  jobDetails: {
    id: jobId,
    accountId: '123456789012',
    data: {
      pipelineContext: {
        pipelineName: binding.pipelineName,
        stage: { name: binding.stage },
        action: { name: binding.action, actionExecutionId: 'c0ffee00-1111-4222-8333-444455556666' },
        pipelineArn: `arn:aws:codepipeline:eu-west-1:123456789012:${binding.pipelineName}`,
        pipelineExecutionId: binding.pipelineExecutionId,
      },
      artifactCredentials: CREDENTIALS,
    },
  },
});

export const encode = (state: ContinuationState) => encodeContinuationToken(state, TOKEN_KEY);
export const decode = (token: string | undefined, stateMachineArn = STATE_MACHINE_ARN, binding = BINDING) =>
  decodeContinuationToken(token ?? '', { stateMachineArn, binding, keys: [TOKEN_KEY] });

/** A GetObject body as the SDK returns it (only the method the trigger uses). */
export const objectBody = (bytes: Uint8Array | string): GetObjectCommandOutput['Body'] =>
  ({
    transformToByteArray: async () => (typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes),
  }) as unknown as GetObjectCommandOutput['Body'];

/** The trigger wired to mocked SDK clients and a logger whose output the test can read. */
export const harness = (
  options: {
    defaultStateMachineArn?: string | undefined;
    now?: () => Date;
    logLevel?: 'DEBUG' | 'SILENT';
    secretId?: string | undefined;
  } = {},
) => {
  const sfnMock = mockClient(SFNClient);
  const codePipelineMock = mockClient(CodePipelineClient);
  const s3Mock = mockClient(S3Client);
  const secretsMock = mockClient(SecretsManagerClient);
  codePipelineMock.on(PutJobSuccessResultCommand).resolves({}).on(PutJobFailureResultCommand).resolves({});
  codePipelineMock.on(GetJobDetailsCommand).callsFake(async (input: { jobId: string }) => jobDetails(input.jobId));
  s3Mock
    .on(GetObjectCommand)
    .rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
  secretsMock
    .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: TOKEN_KEY_TEXT, VersionId: 'v-current' })
    .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
    .rejects(new ResourceNotFoundException({ message: 'no AWSPREVIOUS version', $metadata: {} }));
  const artifactS3Factory = jest.fn(
    (credentials: ArtifactCredentials) => new S3Client({ region: 'eu-west-1', credentials }),
  );
  const { logger, redactor } = createTriggerLogger({ logLevel: options.logLevel ?? 'SILENT' });
  const trigger = makeTrigger({
    sfn: new SFNClient({ region: 'eu-west-1' }),
    codePipeline: new CodePipelineClient({ region: 'eu-west-1' }),
    artifactS3Factory,
    tokenKeys: secretsManagerTokenKeys({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      secretId: 'secretId' in options ? options.secretId : TOKEN_KEY_SECRET_ARN,
    }),
    logger,
    redactor,
    defaultStateMachineArn: 'defaultStateMachineArn' in options ? options.defaultStateMachineArn : STATE_MACHINE_ARN,
    now: options.now ?? (() => new Date('2026-01-02T03:04:05.000Z')),
  });
  const successes = () => codePipelineMock.commandCalls(PutJobSuccessResultCommand).map((call) => call.args[0].input);
  const failures = () => codePipelineMock.commandCalls(PutJobFailureResultCommand).map((call) => call.args[0].input);
  return { trigger, sfnMock, codePipelineMock, s3Mock, secretsMock, artifactS3Factory, successes, failures };
};

// The edge's capture of what the Powertools Logger writes: the trigger's logging tests read the same output.
export { captureOutput } from '@glue-cd/lambda-edge/test/support';
