import fc from 'fast-check';
import {
  decodeContinuationToken,
  encodeContinuationToken,
  executionArnFor,
  executionNameForJob,
  truncateFailureMessage,
} from '../src';

const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:glue-cd-deploy-test';

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
          };
          const token = encodeContinuationToken(state);
          expect(decodeContinuationToken(token, { stateMachineArn })).toEqual(state);
          const index = position % token.length;
          const replacement = String.fromCharCode(code);
          fc.pre(token[index] !== replacement);
          const mutated = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
          expect(() => decodeContinuationToken(mutated, { stateMachineArn })).toThrow();
        },
      ),
    );
  });
});
