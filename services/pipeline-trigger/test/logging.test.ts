import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { strToU8, zipSync } from 'fflate';
import {
  BINDING,
  CREDENTIALS,
  FIRST_JOB_ID,
  STATE_MACHINE_ARN,
  VALID_INPUT,
  captureOutput,
  encode,
  harness,
  jobEvent,
  objectBody,
} from './fixtures';

const EXECUTION_NAME = executionNameForJob(FIRST_JOB_ID);
const EXECUTION_ARN = executionArnFor(STATE_MACHINE_ARN, EXECUTION_NAME);

const logLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('logs', () => {
  test('never contain the artifact credentials, on success, poll and failure paths', async () => {
    const h = harness({ logLevel: 'DEBUG' });
    const zip = zipSync({
      'deploy/test.json': strToU8(JSON.stringify({ ...VALID_INPUT, template: { artifactPath: 't.json' } })),
    });
    h.s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(zip) });
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });
    h.sfnMock
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'UnsafeChangeSetError', cause: 'replaces RawTable' });
    const token = encode({
      executionArn: EXECUTION_ARN,
      executionName: EXECUTION_NAME,
      jobId: FIRST_JOB_ID,
      startedAt: '2026-01-02T03:04:05.000Z',
      polls: 0,
      binding: BINDING,
    });

    const output = await captureOutput(async () => {
      await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));
      await h.trigger(jobEvent({ inputFile: 'deploy/missing.json' }));
      await h.trigger(jobEvent('{not json'));
      await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }, { jobId: 'second-job', continuationToken: token }));
    });

    // The capture works: the logger did write, with the stable keys.
    const lines = logLines(output);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'deploy execution started',
        jobId: FIRST_JOB_ID,
        executionArn: EXECUTION_ARN,
        stackName: 'glue-etl-test',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        jobId: 'second-job',
        executionArn: EXECUTION_ARN,
        firstJobId: FIRST_JOB_ID,
        status: 'FAILED',
      }),
    );
    for (const secret of [CREDENTIALS.accessKeyId, CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken ?? 'unset']) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toContain('artifactCredentials');
  });

  test('keys of one job do not leak into the next invocation', async () => {
    const h = harness({ logLevel: 'DEBUG' });
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    const output = await captureOutput(async () => {
      await h.trigger(jobEvent({ input: VALID_INPUT }));
      await h.trigger(jobEvent('{}', { jobId: 'other-job' }));
    });

    const otherJob = logLines(output).filter((line) => line.jobId === 'other-job');
    expect(otherJob.length).toBeGreaterThan(0);
    for (const line of otherJob) {
      expect(line.stackName).toBeUndefined();
      expect(line.executionArn).toBeUndefined();
    }
  });
});
