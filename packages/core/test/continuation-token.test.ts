import {
  ContinuationTokenError,
  decodeContinuationToken,
  encodeContinuationToken,
  executionArnFor,
  type ContinuationState,
} from '../src';

const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:glue-cd-deploy-prod';
const state: ContinuationState = {
  executionArn: executionArnFor(stateMachineArn, 'codepipeline-job-1'),
  executionName: 'codepipeline-job-1',
  jobId: 'job-1',
  startedAt: '2026-11-24T10:00:00.000Z',
  polls: 3,
};

describe('continuation tokens', () => {
  test('round-trip', () => {
    const token = encodeContinuationToken(state);
    expect(token.startsWith('gcd1.')).toBe(true);
    expect(token.length).toBeLessThanOrEqual(2048);
    expect(decodeContinuationToken(token, { stateMachineArn })).toEqual(state);
  });

  test.each([
    ['another version', (t: string) => t.replace(/^gcd1/, 'gcd2'), /not a glue-cd gcd1 token/],
    ['a truncated token', (t: string) => t.slice(0, -5), /integrity check/],
    [
      'an altered payload',
      (t: string) => t.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`),
      /integrity check/,
    ],
    ['something else entirely', () => 'arn:aws:states:us-east-1:1:execution:x:y', /not a glue-cd gcd1 token/],
    ['an oversize token', () => `gcd1.${'a'.repeat(3000)}.x`, /over 2048/],
  ])('rejects %s', (_name, mutate, message) => {
    const token = mutate(encodeContinuationToken(state));
    expect(() => decodeContinuationToken(token, { stateMachineArn })).toThrow(ContinuationTokenError);
    expect(() => decodeContinuationToken(token, { stateMachineArn })).toThrow(message);
  });

  test("rejects a foreign token: another state machine's execution", () => {
    const token = encodeContinuationToken(state);
    expect(() =>
      decodeContinuationToken(token, { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:other' }),
    ).toThrow(/not of state machine/);
  });

  test('refuses to encode a state that would exceed 2048 characters', () => {
    expect(() => encodeContinuationToken({ ...state, jobId: 'j'.repeat(2000) })).toThrow(/over CodePipeline's 2048/);
  });
});
