import { GetJobDetailsCommand, JobNotFoundException } from '@aws-sdk/client-codepipeline';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  encodeContinuationToken,
  executionArnFor,
  executionNameForJob,
  tokenKey,
  type ContinuationState,
  type DeployResult,
} from '@glue-cd/core';
import { createHash } from 'node:crypto';
import {
  BINDING,
  FIRST_JOB_ID,
  STATE_MACHINE_ARN,
  TOKEN_KEY,
  VALID_INPUT,
  decode,
  encode,
  harness,
  jobDetails,
  jobEvent,
} from './fixtures';

// Every continuation invocation is a new job of the same action execution.
const POLL_JOB_ID = '7d2e9a41-2222-4b3c-8d4e-bbbbbbbbbbbb';
const OTHER_JOB_ID = '9a8b7c6d-3333-4c4d-9e5f-cccccccccccc';
const stateOf = (jobId: string, binding = BINDING): ContinuationState => {
  const executionName = executionNameForJob(jobId);
  return {
    executionArn: executionArnFor(STATE_MACHINE_ARN, executionName),
    executionName,
    jobId,
    startedAt: '2026-01-02T03:04:05.000Z',
    polls: 1,
    binding,
  };
};
const succeeded: DeployResult = { outcome: 'updated', stackName: 'glue-etl-prod', outputs: { Secret: 'prod-only' } };

/** Polls with `token` while every execution reads SUCCEEDED: a token that is accepted would leak its outputs. */
const pollWith = async (token: string, setup?: (h: ReturnType<typeof harness>) => void) => {
  const h = harness();
  h.sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(succeeded) });
  setup?.(h);
  const answer = await h.trigger(jobEvent({ input: VALID_INPUT }, { jobId: POLL_JOB_ID, continuationToken: token }));
  return { h, answer };
};

const expectRejected = (h: ReturnType<typeof harness>, message: RegExp) => {
  expect(h.failures()).toHaveLength(1);
  expect(h.failures()[0]).toMatchObject({ jobId: POLL_JOB_ID, failureDetails: { type: 'JobFailed' } });
  expect(h.failures()[0]?.failureDetails?.message).toMatch(/^ContinuationTokenError: /);
  expect(h.failures()[0]?.failureDetails?.message).toMatch(message);
  expect(h.successes()).toEqual([]);
  expect(h.sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
};

describe('continuation tokens only the trigger can mint and only the same action execution can use', () => {
  test('the first invocation binds its token to the pipeline execution and action from GetJobDetails', async () => {
    const h = harness();
    h.sfnMock.on(StartExecutionCommand).resolves({});

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.codePipelineMock.commandCalls(GetJobDetailsCommand)[0]?.args[0].input).toEqual({ jobId: FIRST_JOB_ID });
    expect(decode(h.successes()[0]?.continuationToken).binding).toEqual(BINDING);
    expect(h.secretsMock.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toMatchObject({
      VersionStage: 'AWSCURRENT',
    });
  });

  test('a later job of the same action execution is accepted and gets a token signed and bound the same way', async () => {
    const h = harness();
    h.sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    await h.trigger(
      jobEvent({ input: VALID_INPUT }, { jobId: POLL_JOB_ID, continuationToken: encode(stateOf(FIRST_JOB_ID)) }),
    );

    expect(h.failures()).toEqual([]);
    expect(decode(h.successes()[0]?.continuationToken)).toEqual({ ...stateOf(FIRST_JOB_ID), polls: 2 });
  });

  test('a token rewritten to name another job’s SUCCEEDED execution, checksum recomputed, is rejected', async () => {
    const [version, keyId] = encode(stateOf(FIRST_JOB_ID)).split('.');
    const payload = Buffer.from(JSON.stringify(stateOf(OTHER_JOB_ID))).toString('base64url');
    const signed = `${version}.${keyId}.${payload}`;
    const forged = `${signed}.${createHash('sha256').update(signed).digest('base64url')}`;

    const { h } = await pollWith(forged);

    expectRejected(h, /signature check/);
  });

  test('a token signed with a key the trigger does not hold is rejected', async () => {
    const { h } = await pollWith(encodeContinuationToken(stateOf(FIRST_JOB_ID), tokenKey('x'.repeat(64))));

    expectRejected(h, /not signed with a key this trigger holds/);
  });

  test.each([
    [
      'another pipeline execution (job A’s token used by job B)',
      { pipelineExecutionId: '11111111-9999-4999-8999-999999999999' },
    ],
    ['another action of the same pipeline execution', { action: 'DeployToProduction' }],
    ['another stage', { stage: 'Production' }],
  ])('a genuine token issued for %s is rejected', async (_case, other) => {
    const { h } = await pollWith(encode(stateOf(FIRST_JOB_ID, { ...BINDING, ...other })));

    expectRejected(h, /was issued for action .* not for this job's action/);
  });

  test('an empty token is a continuation with a bad token, never a second first invocation', async () => {
    const { h, answer } = await pollWith('');

    expect(answer.kind).toBe('failed');
    expectRejected(h, /continuation token is empty/);
  });

  test('GetJobDetails of an unknown job fails the job without starting anything', async () => {
    const h = harness();
    h.codePipelineMock
      .on(GetJobDetailsCommand)
      .rejects(new JobNotFoundException({ message: `Job ${FIRST_JOB_ID} not found`, $metadata: {} }));

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({
      type: 'JobFailed',
      message: `JobNotFoundException: Job ${FIRST_JOB_ID} not found`,
    });
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('GetJobDetails without a pipeline execution id fails the job naming the member', async () => {
    const h = harness();
    const details = jobDetails(FIRST_JOB_ID);
    const { pipelineExecutionId: _dropped, ...context } = details.jobDetails.data.pipelineContext;
    h.codePipelineMock
      .on(GetJobDetailsCommand)
      .resolves({ jobDetails: { ...details.jobDetails, data: { pipelineContext: context } } });

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.failures()[0]?.failureDetails?.message).toBe(
      `JobDetailsError: GetJobDetails(${FIRST_JOB_ID}): jobDetails.data.pipelineContext.pipelineExecutionId: is missing`,
    );
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('without the key secret ARN the job fails as a ConfigurationError before anything is started', async () => {
    const h = harness({ secretId: undefined });

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.failures()[0]?.failureDetails?.type).toBe('ConfigurationError');
    expect(h.failures()[0]?.failureDetails?.message).toMatch(/CONTINUATION_TOKEN_KEY_SECRET_ARN is not set/);
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('key rotation: a token signed with the previous key version is accepted once; the next is signed with the current', async () => {
    const previousText = 'PreviousKey-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP';
    const previous = tokenKey(previousText);
    const h = harness();
    h.secretsMock.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).resolves({ SecretString: previousText });
    h.sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    await h.trigger(
      jobEvent(
        { input: VALID_INPUT },
        {
          jobId: POLL_JOB_ID,
          continuationToken: encodeContinuationToken(stateOf(FIRST_JOB_ID), previous),
        },
      ),
    );

    expect(h.failures()).toEqual([]);
    const next = h.successes()[0]?.continuationToken ?? '';
    expect(next.split('.')[1]).toBe(TOKEN_KEY.id);
    expect(decode(next).polls).toBe(2);
  });
});
