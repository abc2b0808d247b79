import { GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { ANSWER_RESERVE_MS } from '../src';
import { BINDING, FIRST_JOB_ID, STATE_MACHINE_ARN, VALID_INPUT, decode, encode, harness, jobEvent } from './fixtures';

const POLL_JOB_ID = '7d2e9a41-2222-4b3c-8d4e-bbbbbbbbbbbb';
const EXECUTION_NAME = executionNameForJob(FIRST_JOB_ID);
const EXECUTION_ARN = executionArnFor(STATE_MACHINE_ARN, EXECUTION_NAME);
const STATE = {
  executionArn: EXECUTION_ARN,
  executionName: EXECUTION_NAME,
  jobId: FIRST_JOB_ID,
  startedAt: '2026-01-02T03:04:05.000Z',
  polls: 4,
  binding: BINDING,
};

// A call that never answers, as a hung connection would (the trigger must not wait for it).
const hang = () => new Promise<never>(() => undefined);
// A Lambda with 1 s to spare beyond what the trigger keeps back to answer: the steps before the hung call (mocked,
// milliseconds) finish well inside it even on a loaded machine, and the hung call never does.
const shortContext = { getRemainingTimeInMillis: () => ANSWER_RESERVE_MS + 1_000 };

describe('the trigger answers before its Lambda times out', () => {
  test('GetJobDetails hangs on a first invocation: failed with a clear message, nothing started', async () => {
    const h = harness();
    h.codePipelineMock.on(GetJobDetailsCommand).callsFake(hang);

    const answer = await h.trigger(jobEvent({ input: VALID_INPUT }), shortContext);

    expect(answer.kind).toBe('failed');
    expect(h.failures()[0]?.failureDetails?.type).toBe('JobFailed');
    expect(h.failures()[0]?.failureDetails?.message).toMatch(
      /time ran short .* while reading the job details \(GetJobDetails\); no deploy was started, retry the action/,
    );
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('the artifact read hangs: failed naming the step, nothing started', async () => {
    const h = harness();
    h.s3Mock.on(GetObjectCommand).callsFake(hang);

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }), shortContext);

    expect(h.failures()[0]?.failureDetails?.message).toMatch(/while reading the deploy input; no deploy was started/);
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('StartExecution hangs: "in progress" with a token for the execution it may have started', async () => {
    const h = harness();
    h.sfnMock.on(StartExecutionCommand).callsFake(hang);

    const answer = await h.trigger(jobEvent({ input: VALID_INPUT }), shortContext);

    expect(answer.kind).toBe('in-progress');
    expect(h.failures()).toEqual([]);
    expect(decode(h.successes()[0]?.continuationToken)).toMatchObject({ executionArn: EXECUTION_ARN, polls: 0 });
  });

  test('DescribeExecution hangs on a poll: "in progress" with the next token', async () => {
    const h = harness();
    h.sfnMock.on(DescribeExecutionCommand).callsFake(hang);

    await h.trigger(
      jobEvent({ input: VALID_INPUT }, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) }),
      shortContext,
    );

    expect(h.failures()).toEqual([]);
    expect(decode(h.successes()[0]?.continuationToken)).toEqual({ ...STATE, polls: 5 });
  });

  test('the token key cannot be read in time on a poll: failed, since no token can be signed', async () => {
    const h = harness();
    h.secretsMock.on(GetSecretValueCommand).callsFake(hang);

    await h.trigger(
      jobEvent({ input: VALID_INPUT }, { jobId: POLL_JOB_ID, continuationToken: encode(STATE) }),
      shortContext,
    );

    expect(h.successes()).toEqual([]);
    expect(h.failures()[0]?.failureDetails?.message).toMatch(/while reading the continuation token key/);
    expect(h.sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});
