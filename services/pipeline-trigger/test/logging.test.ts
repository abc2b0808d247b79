import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { strToU8, zipSync } from 'fflate';
import {
  BINDING,
  CREDENTIALS,
  FIRST_JOB_ID,
  STATE_MACHINE_ARN,
  TOKEN_KEY_TEXT,
  VALID_INPUT,
  captureOutput,
  encode,
  harness,
  jobEvent,
  objectBody,
} from './fixtures';
import { Redactor } from '../src';

const POLL_JOB_ID = '7d2e9a41-2222-4b3c-8d4e-bbbbbbbbbbbb';
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

describe('logs and failure messages never carry a credential, a token or the token key', () => {
  test('even when SDK errors carry them', async () => {
    const h = harness({ logLevel: 'DEBUG' });
    const incoming = encode({
      executionArn: EXECUTION_ARN,
      executionName: EXECUTION_NAME,
      jobId: FIRST_JOB_ID,
      startedAt: '2026-01-02T03:04:05.000Z',
      polls: 0,
      binding: BINDING,
    });
    // S3 echoes the access key id (and more) in signature errors; other errors may quote what they were sent.
    h.s3Mock.on(GetObjectCommand).rejects(
      Object.assign(
        new Error(
          `The request signature we calculated does not match. <AWSAccessKeyId>${CREDENTIALS.accessKeyId}</AWSAccessKeyId> secret=${CREDENTIALS.secretAccessKey} token=${CREDENTIALS.sessionToken}`,
        ),
        {
          name: 'SignatureDoesNotMatch',
          AWSAccessKeyId: CREDENTIALS.accessKeyId,
          $metadata: { httpStatusCode: 403 },
        },
      ),
    );
    h.sfnMock.on(DescribeExecutionCommand).rejects(
      Object.assign(new Error(`Internal error while reading continuationToken=${incoming} key=${TOKEN_KEY_TEXT}`), {
        name: 'InternalServerError',
        $metadata: { httpStatusCode: 500 },
      }),
    );

    const output = await captureOutput(async () => {
      await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));
      await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }, { jobId: POLL_JOB_ID, continuationToken: incoming }));
    });

    const outgoing = h.successes()[0]?.continuationToken ?? 'missing';
    const reported = JSON.stringify([...h.failures(), ...h.successes().map((s) => s.executionDetails)]);
    expect(logLines(output).length).toBeGreaterThanOrEqual(4);
    expect(output).toContain('SignatureDoesNotMatch');
    expect(output).toContain('[REDACTED]');
    for (const secret of [
      CREDENTIALS.accessKeyId,
      CREDENTIALS.secretAccessKey,
      CREDENTIALS.sessionToken ?? 'unset',
      incoming,
      outgoing,
      TOKEN_KEY_TEXT,
    ]) {
      expect(output).not.toContain(secret);
      expect(reported).not.toContain(secret);
    }
  });

  test('credential-like members are redacted wherever they appear in a log line', () => {
    const redactor = new Redactor();
    redactor.remember('remembered-secret-value');
    expect(
      redactor.value({
        accessKeyId: 'x',
        AWSAccessKeyId: 'y',
        nested: [{ secretAccessKey: 'z', sessionToken: 't', continuationToken: 'c', SecretString: 's' }],
        text: 'key AKIAABCDEFGHIJKLMNOP and remembered-secret-value here',
      }),
    ).toEqual({
      accessKeyId: '[REDACTED]',
      AWSAccessKeyId: '[REDACTED]',
      nested: [
        {
          secretAccessKey: '[REDACTED]',
          sessionToken: '[REDACTED]',
          continuationToken: '[REDACTED]',
          SecretString: '[REDACTED]',
        },
      ],
      // One rule with the orchestrator's (the edge's redactor): an access key id keeps its 4-letter type prefix.
      text: 'key AKIA**************** and [REDACTED] here',
    });
  });
});
