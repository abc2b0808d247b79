// The deployed handler (src/handlers/trigger.ts): every log line carries the Lambda context (Powertools
// injectLambdaContext through the edge), and the job is answered.
import {
  CodePipelineClient,
  GetJobDetailsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  captureOutput,
  jobDetails,
  jobEvent,
  STATE_MACHINE_ARN,
  TOKEN_KEY_SECRET_ARN,
  TOKEN_KEY_TEXT,
  VALID_INPUT,
} from './fixtures';

const context = (requestId: string) =>
  ({
    functionName: 'glue-cd-pipeline-trigger-test-trigger',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:glue-cd-pipeline-trigger-test-trigger',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 30_000,
  }) as Context;

const VARIABLES = {
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  DEPLOY_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
  CONTINUATION_TOKEN_KEY_SECRET_ARN: TOKEN_KEY_SECRET_ARN,
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

describe('the trigger handler', () => {
  const mocks = [mockClient(SFNClient), mockClient(CodePipelineClient), mockClient(SecretsManagerClient)] as const;
  const [sfn, codePipeline, secrets] = mocks;
  let previous: Record<string, string | undefined>;
  beforeAll(() => {
    previous = Object.fromEntries(Object.keys(VARIABLES).map((name) => [name, process.env[name]]));
    Object.assign(process.env, VARIABLES);
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const mock of mocks) mock.restore();
  });

  it('logs every line with function_request_id and cold_start, and answers the job', async () => {
    codePipeline
      .on(GetJobDetailsCommand)
      .callsFake(async (input: { jobId: string }) => jobDetails(input.jobId))
      .on(PutJobSuccessResultCommand)
      .resolves({})
      .on(PutJobFailureResultCommand)
      .resolves({});
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN_KEY_TEXT, VersionId: 'v1' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:y' });
    // Required here, after the Lambda environment is set: the module builds its clients and logger when it loads
    // (not isolated, so the mocked SDK classes are the ones it uses).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../src/handlers/trigger') as {
      handler: (event: unknown, context: Context) => Promise<void>;
    };

    const output = await captureOutput(async () => {
      await handler(jobEvent({ input: VALID_INPUT }), context('req-cold'));
      await handler(jobEvent({ input: VALID_INPUT }), context('req-warm'));
    });

    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const byRequest = (id: string) => lines.filter((line) => line.function_request_id === id);
    expect(byRequest('req-cold').length + byRequest('req-warm').length).toBe(lines.length);
    expect(new Set(byRequest('req-cold').map((line) => line.cold_start))).toEqual(new Set([true]));
    expect(new Set(byRequest('req-warm').map((line) => line.cold_start))).toEqual(new Set([false]));
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'answered CodePipeline',
        answer: 'in-progress',
        service: 'glue-cd-pipeline-trigger',
      }),
    );
    expect(codePipeline.commandCalls(PutJobSuccessResultCommand)).toHaveLength(2);
  });
});
