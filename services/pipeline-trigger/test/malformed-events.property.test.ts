import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ConfigurationError, parsePipelineJob } from '@glue-cd/core';
import type { CodePipelineEvent } from 'aws-lambda';
import fc from 'fast-check';
import { CREDENTIALS, VALID_INPUT, harness, jobEvent } from './fixtures';

// Members of a job event the trigger reads, and what to put there instead.
const PATHS: readonly (readonly (string | number)[])[] = [
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
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 'type'],
  ['CodePipeline.job', 'data', 'inputArtifacts', 0, 'location', 's3Location', 'bucketName'],
  ['CodePipeline.job', 'data', 'artifactCredentials'],
  ['CodePipeline.job', 'data', 'artifactCredentials', 'accessKeyId'],
  ['CodePipeline.job', 'data', 'artifactCredentials', 'secretAccessKey'],
  ['CodePipeline.job', 'data', 'continuationToken'],
];
const REMOVE = Symbol('remove');
const VALUES = fc.oneof(
  fc.constant(REMOVE),
  fc.constant(null),
  fc.constant(''),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('gcd2', 'gcd2.AAAAAAAA.e30.x', 'gcd1.e30.x', '{"input":{}}', '[]'),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

const damage = (event: unknown, path: readonly (string | number)[], value: unknown): unknown => {
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

const parses = (event: unknown): { ok: boolean; token?: string | undefined } => {
  try {
    return { ok: true, token: parsePipelineJob(event as CodePipelineEvent).continuationToken };
  } catch {
    return { ok: false };
  }
};

describe('malformed job events', () => {
  test('end in ConfigurationError or ContinuationTokenError, never another error, and never start or poll a deploy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...PATHS), VALUES), { minLength: 1, maxLength: 3 }),
        async (damages) => {
          const event = damages.reduce<unknown>(
            (current, [path, value]) => damage(current, path, value),
            jobEvent({ input: VALID_INPUT }, { jobId: '7d2e9a41-2222-4b3c-8d4e-bbbbbbbbbbbb' }),
          );
          const parsed = parses(event);
          // A damage that leaves a well-formed first invocation is not a malformed event.
          fc.pre(!parsed.ok || parsed.token !== undefined);
          const h = harness();

          const outcome = await h.trigger(event as CodePipelineEvent).then(
            (answer) => ({ answer }),
            (error: unknown) => ({ error }),
          );

          if ('error' in outcome) {
            // Only an event without a job id cannot be answered.
            expect(outcome.error).toBeInstanceOf(ConfigurationError);
            expect((outcome.error as Error).message).toMatch(/"CodePipeline.job".id is missing/);
          } else {
            expect(outcome.answer.kind).toBe('failed');
            const [failure] = h.failures();
            const message = failure?.failureDetails?.message ?? '';
            if (parsed.ok) expect(message).toMatch(/^ContinuationTokenError: /);
            else expect(failure?.failureDetails?.type).toBe('ConfigurationError');
            for (const secret of [CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken ?? '']) {
              expect(message).not.toContain(secret);
            }
          }
          expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
          expect(h.sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
