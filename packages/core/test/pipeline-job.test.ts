import type { CodePipelineEvent } from 'aws-lambda';
import {
  ConfigurationError,
  describeJobForLog,
  executionNameForJob,
  parsePipelineJob,
  parseUserParameters,
  readJobId,
  truncateFailureMessage,
} from '../src';

const jobEvent = (
  userParameters: string,
  extra: Partial<CodePipelineEvent['CodePipeline.job']['data']> = {},
): CodePipelineEvent => ({
  'CodePipeline.job': {
    id: '11111111-2222-3333-4444-555555555555',
    accountId: '123456789012',
    data: {
      actionConfiguration: {
        configuration: { FunctionName: 'glue-cd-pipeline-trigger-prod-trigger', UserParameters: userParameters },
      },
      inputArtifacts: [
        {
          name: 'BuildOutput',
          revision: null,
          location: { type: 'S3', s3Location: { bucketName: 'artifacts', objectKey: 'glue-cd/BuildOutpu/abc.zip' } },
        },
      ],
      outputArtifacts: [],
      artifactCredentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret-key', sessionToken: 'session' },
      ...extra,
    },
  },
});

describe('parsePipelineJob', () => {
  test('reads the job id, UserParameters and input artifact locations', () => {
    const job = parsePipelineJob(jobEvent('{"inputFile":"deploy/prod.json"}'));
    expect(job.jobId).toBe('11111111-2222-3333-4444-555555555555');
    expect(job.userParameters).toEqual({ inputFile: 'deploy/prod.json' });
    expect(job.inputArtifacts).toEqual([
      { name: 'BuildOutput', bucket: 'artifacts', key: 'glue-cd/BuildOutpu/abc.zip' },
    ]);
    expect(job.continuationToken).toBeUndefined();
  });

  test('reads a plan action and an approved plan reference', () => {
    expect(parseUserParameters('{"inputFile":"deploy/prod.json","action":"plan"}')).toEqual({
      inputFile: 'deploy/prod.json',
      action: 'plan',
    });
    expect(
      parseUserParameters('{"inputFile":"deploy/prod.json","approvedPlan":"s3://staging/plans/app-prod/e1.json"}'),
    ).toEqual({ inputFile: 'deploy/prod.json', approvedPlan: 's3://staging/plans/app-prod/e1.json' });
  });

  test('carries the continuation token of a later invocation', () => {
    expect(
      parsePipelineJob(jobEvent('{"inputFile":"x.json"}', { continuationToken: 'gcd1.a.b' })).continuationToken,
    ).toBe('gcd1.a.b');
  });

  test.each([
    ['', /UserParameters is empty/],
    ['{not json', /UserParameters is not valid JSON/],
    ['{"input":{},"inputFile":"a.json"}', /exactly one of "input" \(inline\) or "inputFile"/],
    ['{}', /exactly one of/],
    ['{"inputFile":"a.json","stateMachineArn":"nope"}', /UserParameters\.stateMachineArn: must be a state machine ARN/],
    ['{"inputFile":"a.json","extra":1}', /UserParameters: Unrecognized key/],
    ['{"inputFile":"a.json","action":"deploy"}', /UserParameters\.action: can only be "plan"/],
    ['{"inputFile":"a.json","approvedPlan":"s3://b/other/x.json"}', /UserParameters\.approvedPlan: must be s3:/],
    [
      '{"inputFile":"a.json","action":"plan","approvedPlan":"s3://b/plans/s/e.json"}',
      /UserParameters\.approvedPlan: a plan action approves nothing/,
    ],
  ])('rejects UserParameters %p with a message naming the problem', (text, message) => {
    expect(() => parseUserParameters(text)).toThrow(ConfigurationError);
    expect(() => parseUserParameters(text)).toThrow(message);
  });

  test('still yields the job id of a job whose parameters are wrong, so it can be answered', () => {
    const event = jobEvent('{bad');
    expect(() => parsePipelineJob(event)).toThrow(ConfigurationError);
    expect(readJobId(event)).toBe('11111111-2222-3333-4444-555555555555');
    expect(() => readJobId({ Records: [] })).toThrow(/not a CodePipeline job/);
  });

  test('describes a job for logs without its artifact credentials', () => {
    const text = JSON.stringify(describeJobForLog(parsePipelineJob(jobEvent('{"inputFile":"x.json"}'))));
    expect(text).not.toContain('very-secret-key');
    expect(text).not.toContain('AKIAEXAMPLE');
    expect(text).toContain('BuildOutput');
  });
});

describe('truncateFailureMessage', () => {
  test('keeps short messages as they are', () => {
    expect(truncateFailureMessage('UnsafeChangeSetError: RawBucket replaced')).toBe(
      'UnsafeChangeSetError: RawBucket replaced',
    );
  });

  test.each([5001, 6000, 100_000])('cuts a %i-character message to 5000 and says how much was cut', (length) => {
    const message = 'x'.repeat(length);
    const truncated = truncateFailureMessage(message);
    expect(truncated.length).toBeLessThanOrEqual(5000);
    const cut = Number(/truncated (\d+) characters/.exec(truncated)?.[1]);
    expect(truncated.indexOf(' … [truncated')).toBe(length - cut);
  });
});

describe('executionNameForJob', () => {
  test('is deterministic, valid and at most 80 characters', () => {
    const name = executionNameForJob('11111111-2222-3333-4444-555555555555');
    expect(name).toBe(executionNameForJob('11111111-2222-3333-4444-555555555555'));
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(executionNameForJob('a b:c/'.repeat(40))).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});
