import type { CodePipelineEvent } from 'aws-lambda';
import fc from 'fast-check';
import {
  ContinuationTokenError,
  decodeContinuationToken,
  encodeContinuationToken,
  executionArnFor,
  executionNameForJob,
  ConfigurationError,
  parsePipelineJob,
  tokenKey,
  truncateFailureMessage,
} from '../src';

const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:glue-cd-deploy-test';
const key = tokenKey('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01');
const binding = {
  pipelineName: 'glue-cd-pipeline-test',
  stage: 'LiveTest',
  action: 'DeployTestStack',
  pipelineExecutionId: '3f0c8a52-6f1e-4c1b-9d1e-0a1b2c3d4e5f',
};

describe('CodePipeline properties', () => {
  test('failure messages never exceed 5000 characters and short ones are untouched', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12_000 }), (message) => {
        const truncated = truncateFailureMessage(message);
        return truncated.length <= 5000 && (message.length > 5000 || truncated === message);
      }),
    );
  });

  test('tokens round-trip and any single-character change is rejected', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.nat({ max: 10_000 }),
        fc.nat(),
        fc.integer({ min: 32, max: 126 }),
        (jobId, polls, position, code) => {
          const executionName = executionNameForJob(jobId);
          const state = {
            executionArn: executionArnFor(stateMachineArn, executionName),
            executionName,
            jobId,
            startedAt: new Date(Date.UTC(2026, 10, 24)).toISOString(),
            polls,
            binding,
          };
          const token = encodeContinuationToken(state, key);
          expect(decodeContinuationToken(token, { stateMachineArn, binding, keys: [key] })).toEqual(state);
          const index = position % token.length;
          const replacement = String.fromCharCode(code);
          fc.pre(token[index] !== replacement);
          const mutated = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
          expect(() => decodeContinuationToken(mutated, { stateMachineArn, binding, keys: [key] })).toThrow(
            ContinuationTokenError,
          );
        },
      ),
    );
  });
});

// A well-formed job event, then arbitrary damage to it: removed members, wrong types, odd values.
const validEvent = () => ({
  'CodePipeline.job': {
    id: '11111111-2222-3333-4444-555555555555',
    accountId: '123456789012',
    data: {
      actionConfiguration: {
        configuration: {
          FunctionName: 'glue-cd-pipeline-trigger-test-trigger',
          UserParameters: '{"inputFile":"a.json"}',
        },
      },
      inputArtifacts: [
        {
          name: 'BuildOutput',
          revision: null,
          location: { type: 'S3', s3Location: { bucketName: 'artifacts', objectKey: 'p/BuildOutpu/k.zip' } },
        },
      ],
      outputArtifacts: [],
      artifactCredentials: {
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'wJalr-DO-NOT-LOG',
        sessionToken: 'IQoJ-SESSION-DO-NOT-LOG',
      },
    },
  },
});

const PATHS = [
  [],
  ['CodePipeline.job'],
  ['CodePipeline.job', 'id'],
  ['CodePipeline.job', 'accountId'],
  ['CodePipeline.job', 'data'],
  ['CodePipeline.job', 'data', 'actionConfiguration'],
  ['CodePipeline.job', 'data', 'actionConfiguration', 'configuration'],
  ['CodePipeline.job', 'data', 'actionConfiguration', 'configuration', 'FunctionName'],
  ['CodePipeline.job', 'data', 'actionConfiguration', 'configuration', 'UserParameters'],
  ['CodePipeline.job', 'data', 'inputArtifacts'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'name'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 'type'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 's3Location'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 's3Location', 'bucketName'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 's3Location', 'objectKey'],
  ['CodePipeline.job', 'data', 'artifactCredentials'],
  ['CodePipeline.job', 'data', 'artifactCredentials', 'accessKeyId'],
  ['CodePipeline.job', 'data', 'artifactCredentials', 'secretAccessKey'],
  ['CodePipeline.job', 'data', 'artifactCredentials', 'sessionToken'],
  ['CodePipeline.job', 'data', 'continuationToken'],
] as const;

/** The event with the member at `path` replaced (or removed when `value` is the REMOVE marker). */
const damage = (path: readonly (string | number)[], value: unknown, event: unknown = validEvent()): unknown => {
  if (path.length === 0) return value === REMOVE ? undefined : value;
  if (typeof event !== 'object' || event === null) return event;
  let parent = event as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) {
    const next = parent[segment];
    if (typeof next !== 'object' || next === null) return event;
    parent = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === REMOVE) delete parent[last];
  else parent[last] = value;
  return event;
};
const REMOVE = Symbol('remove');

const malformedValue = fc.oneof(
  fc.constant(REMOVE),
  fc.constant(null),
  fc.constant(''),
  fc.integer(),
  fc.boolean(),
  fc.string(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

describe('malformed CodePipeline job events', () => {
  test('parsePipelineJob only ever throws ConfigurationError, naming a field, and never echoes credentials', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...PATHS), malformedValue), { minLength: 1, maxLength: 3 }),
        (damages) => {
          const event = damages.reduce<unknown>((current, [path, value]) => damage(path, value, current), validEvent());
          try {
            parsePipelineJob(event as CodePipelineEvent);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigurationError);
            const message = (error as Error).message;
            for (const secret of ['AKIAEXAMPLE', 'wJalr-DO-NOT-LOG', 'IQoJ-SESSION-DO-NOT-LOG']) {
              expect(message).not.toContain(secret);
            }
            expect(message).toMatch(/"CodePipeline\.job"|UserParameters/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test.each([
    [['CodePipeline.job', 'data'], REMOVE, /"CodePipeline\.job"\.data: is missing/],
    [['CodePipeline.job', 'data', 'actionConfiguration'], REMOVE, /data\.actionConfiguration: is missing/],
    [
      ['CodePipeline.job', 'data', 'actionConfiguration', 'configuration', 'UserParameters'],
      42,
      /UserParameters: must be a string/,
    ],
    [
      ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 'type'],
      'CodeCommit',
      /inputArtifacts\[0\]\.location\.type: must be "S3"/,
    ],
    [['CodePipeline.job', 'data', 'artifactCredentials'], REMOVE, /data\.artifactCredentials: is missing/],
    [
      ['CodePipeline.job', 'data', 'artifactCredentials', 'secretAccessKey'],
      7,
      /artifactCredentials\.secretAccessKey: must be a string/,
    ],
    [['CodePipeline.job', 'data', 'continuationToken'], null, /continuationToken: must be a string/],
    [['CodePipeline.job'], REMOVE, /"CodePipeline\.job"\.id is missing/],
  ] as const)('%j = %p is a ConfigurationError naming the field', (path, value, message) => {
    const run = () => parsePipelineJob(damage(path, value) as CodePipelineEvent);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
  });

  test('an empty continuation token is kept as a token, never read as a first invocation', () => {
    expect(
      parsePipelineJob(damage(['CodePipeline.job', 'data', 'continuationToken'], '') as CodePipelineEvent),
    ).toMatchObject({ continuationToken: '' });
  });
});
