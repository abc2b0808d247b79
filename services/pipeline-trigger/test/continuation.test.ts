import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import {
  CODEPIPELINE_MESSAGE_LIMIT,
  changeSetVerdict,
  executionArnFor,
  executionNameForJob,
  formatVerdict,
  type ContinuationState,
  type DeployResult,
} from '@glue-cd/core';
import { BINDING, FIRST_JOB_ID, STATE_MACHINE_ARN, decode, encode, harness, jobEvent } from './fixtures';

// CodePipeline gives every continuation invocation a new job id.
const POLL_JOB_ID = '7d2e9a41-2222-4b3c-8d4e-bbbbbbbbbbbb';
const EXECUTION_NAME = executionNameForJob(FIRST_JOB_ID);
const EXECUTION_ARN = executionArnFor(STATE_MACHINE_ARN, EXECUTION_NAME);
const STATE: ContinuationState = {
  executionArn: EXECUTION_ARN,
  executionName: EXECUTION_NAME,
  jobId: FIRST_JOB_ID,
  startedAt: '2026-01-02T03:04:05.000Z',
  polls: 2,
  binding: BINDING,
};
const USER_PARAMETERS = { inputFile: 'deploy/test.json' };

const poll = async (execution: Partial<DescribeExecutionCommandOutput>, token = encode(STATE)) => {
  const h = harness();
  h.sfnMock
    .on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN })
    .resolves({ executionArn: EXECUTION_ARN, ...execution });
  const answer = await h.trigger(jobEvent(USER_PARAMETERS, { jobId: POLL_JOB_ID, continuationToken: token }));
  return { h, answer };
};

const deployResult = (overrides: Partial<DeployResult> = {}): DeployResult => ({
  outcome: 'updated',
  stackName: 'glue-etl-test',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/glue-etl-test/1b2c',
  outputs: { RawBucketName: 'glue-etl-test-raw', JobName: 'glue-etl-test-etl' },
  changeSetName: 'glue-cd-0f6c1b7e',
  ...overrides,
});

describe('later invocations: poll the execution named in the continuation token', () => {
  test('RUNNING: answers the new job with a fresh token (one more poll), still naming the first job', async () => {
    const { h, answer } = await poll({ status: 'RUNNING' });

    expect(answer.kind).toBe('in-progress');
    expect(h.sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
    const [success] = h.successes();
    expect(success).toMatchObject({ jobId: POLL_JOB_ID, executionDetails: { externalExecutionId: EXECUTION_ARN } });
    expect(decode(success?.continuationToken)).toEqual({
      ...STATE,
      polls: 3,
    });
    expect(success?.outputVariables).toBeUndefined();
    expect(h.failures()).toEqual([]);
    // Polling reads nothing from the artifact.
    expect(h.artifactS3Factory).not.toHaveBeenCalled();
  });

  test('SUCCEEDED: summary with outcome and stack, output variables with the stack outputs, no token', async () => {
    const { h } = await poll({
      status: 'SUCCEEDED',
      output: JSON.stringify(deployResult({ outputs: { RawBucketName: 'glue-etl-test-raw', 'Odd.Name': 'x' } })),
    });

    const [success] = h.successes();
    expect(success?.jobId).toBe(POLL_JOB_ID);
    expect(success?.continuationToken).toBeUndefined();
    expect(success?.executionDetails).toEqual({
      summary: 'Deploy updated: stack glue-etl-test (change set glue-cd-0f6c1b7e)',
      externalExecutionId: EXECUTION_ARN,
      percentComplete: 100,
    });
    expect(success?.outputVariables).toEqual({
      stackName: 'glue-etl-test',
      outcome: 'updated',
      executionArn: EXECUTION_ARN,
      RawBucketName: 'glue-etl-test-raw',
      Odd_Name: 'x',
    });
    for (const [key, value] of Object.entries(success?.outputVariables ?? {})) {
      expect(key).toMatch(/^[A-Za-z0-9@\-_]+$/);
      expect(typeof value).toBe('string');
    }
    expect(h.failures()).toEqual([]);
  });

  test('SUCCEEDED with an output that is not a DeployResult fails the job, naming the field', async () => {
    const { h } = await poll({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'updated' }) });

    expect(h.failures()[0]?.failureDetails).toMatchObject({ type: 'JobFailed', externalExecutionId: EXECUTION_ARN });
    expect(h.failures()[0]?.failureDetails?.message).toMatch(/not a DeployResult: stackName/);
  });

  test('FAILED with UnsafeChangeSetError: the message has the status, error and the violations, not the stack trace', async () => {
    const verdict = changeSetVerdict([
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'RawTable',
          ResourceType: 'AWS::Glue::Table',
          Replacement: 'True',
          Details: [],
        },
      },
    ]);
    const cause = JSON.stringify({
      errorType: 'UnsafeChangeSetError',
      errorMessage: formatVerdict(verdict),
      trace: ['UnsafeChangeSetError: ...', '    at inspectChangeSet (/var/task/src/handlers/tasks.js:42:11)'],
    });

    const { h, answer } = await poll({ status: 'FAILED', error: 'UnsafeChangeSetError', cause });

    expect(answer.kind).toBe('failed');
    const failure = h.failures()[0];
    expect(failure?.jobId).toBe(POLL_JOB_ID);
    expect(failure?.failureDetails?.type).toBe('JobFailed');
    expect(failure?.failureDetails?.externalExecutionId).toBe(EXECUTION_ARN);
    expect(failure?.failureDetails?.message).toBe(`Deploy FAILED: UnsafeChangeSetError: ${formatVerdict(verdict)}`);
    expect(failure?.failureDetails?.message).toContain('RawTable');
    expect(failure?.failureDetails?.message).not.toContain('tasks.js');
    expect(h.successes()).toEqual([]);
  });

  test('FAILED with a plain cause keeps the cause as it is', async () => {
    const { h } = await poll({
      status: 'FAILED',
      error: 'StackOperationFailedError',
      cause: 'UPDATE_ROLLBACK_COMPLETE: Resource RawTable failed',
    });

    expect(h.failures()[0]?.failureDetails?.message).toBe(
      'Deploy FAILED: StackOperationFailedError: UPDATE_ROLLBACK_COMPLETE: Resource RawTable failed',
    );
  });

  test.each([
    [
      'TIMED_OUT',
      { error: 'States.Timeout', cause: 'execution exceeded 3600 s' },
      'Deploy TIMED_OUT: States.Timeout: execution exceeded 3600 s',
    ],
    ['ABORTED', {}, 'Deploy ABORTED'],
    ['ABORTED', { error: 'Manual', cause: 'stopped by an operator' }, 'Deploy ABORTED: Manual: stopped by an operator'],
  ] as const)('%s fails the job: %j', async (status, details, message) => {
    const { h } = await poll({ status, ...details });

    expect(h.failures()[0]?.failureDetails).toEqual({ type: 'JobFailed', message, externalExecutionId: EXECUTION_ARN });
  });

  test('a failure message longer than CodePipeline allows is cut to 5000 characters, saying so', async () => {
    const cause = JSON.stringify({
      errorType: 'UnsafeChangeSetError',
      errorMessage: `violations:\n${'  - Table replaced\n'.repeat(600)}`,
    });

    const { h } = await poll({ status: 'FAILED', error: 'UnsafeChangeSetError', cause });

    const message = h.failures()[0]?.failureDetails?.message ?? '';
    expect(message.length).toBeLessThanOrEqual(CODEPIPELINE_MESSAGE_LIMIT);
    expect(message.length).toBeGreaterThan(CODEPIPELINE_MESSAGE_LIMIT - 50);
    expect(message.startsWith('Deploy FAILED: UnsafeChangeSetError: violations:')).toBe(true);
    expect(message).toMatch(/… \[truncated \d+ characters\]$/);
  });

  test('a tampered token fails the job without touching Step Functions', async () => {
    const token = encode(STATE);
    const [version, keyId, payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...STATE, polls: 0, executionArn: `${EXECUTION_ARN}x` })).toString(
      'base64url',
    );

    const { h } = await poll({ status: 'RUNNING' }, `${version}.${keyId}.${forged}.${mac}`);

    expect(payload).not.toBe(forged);
    expect(h.failures()[0]?.failureDetails?.type).toBe('JobFailed');
    expect(h.failures()[0]?.failureDetails?.message).toMatch(/^ContinuationTokenError: .*signature check/);
    expect(h.sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('a foreign token (an execution of another state machine) fails the job', async () => {
    const otherArn = executionArnFor('arn:aws:states:eu-west-1:123456789012:stateMachine:someone-else', EXECUTION_NAME);
    const token = encode({ ...STATE, executionArn: otherArn });

    const { h } = await poll({ status: 'RUNNING' }, token);

    expect(h.failures()[0]?.failureDetails?.message).toMatch(/ContinuationTokenError: .*not of state machine/);
    expect(h.sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('a token that is not ours at all fails the job', async () => {
    const { h } = await poll({ status: 'RUNNING' }, 'eyJzb21lIjoidG9rZW4ifQ');

    expect(h.failures()[0]?.failureDetails?.message).toMatch(/ContinuationTokenError: .*not a glue-cd/);
  });

  test('a throttled DescribeExecution keeps polling instead of failing a deploy that still runs', async () => {
    const h = harness();
    h.sfnMock
      .on(DescribeExecutionCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );

    await h.trigger(jobEvent(USER_PARAMETERS, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) }));

    expect(h.failures()).toEqual([]);
    expect(decode(h.successes()[0]?.continuationToken).polls).toBe(3);
  });

  test.each([
    ['a 500', Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } })],
    ['a 503', Object.assign(new Error('busy'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } })],
    [
      'a 504 without a known name',
      Object.assign(new Error('gw'), { name: 'GatewayTimeout', $metadata: { httpStatusCode: 504 } }),
    ],
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    [
      'a DNS failure',
      Object.assign(new Error('getaddrinfo EAI_AGAIN states.eu-west-1.amazonaws.com'), { code: 'EAI_AGAIN' }),
    ],
  ])(
    'DescribeExecution failing with %s keeps polling: "in progress", one more poll, the status unknown',
    async (_case, error) => {
      const h = harness();
      h.sfnMock.on(DescribeExecutionCommand).rejects(error);

      const answer = await h.trigger(
        jobEvent(USER_PARAMETERS, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) }),
      );

      expect(answer.kind).toBe('in-progress');
      expect(h.failures()).toEqual([]);
      const [success] = h.successes();
      expect(decode(success?.continuationToken)).toEqual({ ...STATE, polls: 3 });
      expect(success?.executionDetails?.summary).toBe(
        `Deploy execution ${EXECUTION_NAME}: status unknown for now (${error.name === 'Error' ? error.message : `${error.name}: ${error.message}`})`,
      );
    },
  );

  test('DescribeExecution failing with a 400 that is not a throttle fails the job', async () => {
    const h = harness();
    h.sfnMock
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('bad arn'), { name: 'InvalidArn', $metadata: { httpStatusCode: 400 } }));

    await h.trigger(jobEvent(USER_PARAMETERS, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) }));

    expect(h.successes()).toEqual([]);
    expect(h.failures()[0]?.failureDetails).toEqual({
      type: 'ConfigurationError',
      message: 'InvalidArn: bad arn',
      externalExecutionId: EXECUTION_ARN,
    });
  });

  test('an execution that does not exist fails the job', async () => {
    const h = harness();
    h.sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: { httpStatusCode: 400 } }));

    await h.trigger(jobEvent(USER_PARAMETERS, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({
      type: 'JobFailed',
      message: 'ExecutionDoesNotExist: Execution Does Not Exist',
    });
  });
});

describe('answering CodePipeline', () => {
  test('when PutJobSuccessResult itself fails, the Lambda throws (CodePipeline then retries or times out)', async () => {
    const h = harness();
    h.sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    h.codePipelineMock
      .on(PutJobSuccessResultCommand)
      .rejects(Object.assign(new Error('job is not in progress'), { name: 'InvalidJobStateException' }));

    await expect(
      h.trigger(jobEvent(USER_PARAMETERS, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) })),
    ).rejects.toThrow('job is not in progress');
  });

  test('an event that is not a CodePipeline job cannot be answered: throws naming the missing id', async () => {
    const h = harness();

    await expect(h.trigger({} as never)).rejects.toThrow(/"CodePipeline.job".id is missing/);
    expect(h.successes()).toEqual([]);
    expect(h.failures()).toEqual([]);
  });
});
