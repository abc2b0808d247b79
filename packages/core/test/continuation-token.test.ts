import { createHash } from 'node:crypto';
import {
  ConfigurationError,
  ContinuationTokenError,
  continuationTokenKeyId,
  decodeContinuationToken,
  encodeContinuationToken,
  executionArnFor,
  tokenKey,
  type ContinuationState,
  type JobBinding,
} from '../src';

const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:glue-cd-deploy-prod';
const binding: JobBinding = {
  pipelineName: 'glue-cd-pipeline-prod',
  stage: 'LiveTest',
  action: 'DeployTestStack',
  pipelineExecutionId: '3f0c8a52-6f1e-4c1b-9d1e-0a1b2c3d4e5f',
};
const state: ContinuationState = {
  executionArn: executionArnFor(stateMachineArn, 'codepipeline-job-1'),
  executionName: 'codepipeline-job-1',
  jobId: 'job-1',
  startedAt: '2026-11-24T10:00:00.000Z',
  polls: 3,
  binding,
};
const key = tokenKey('k'.repeat(64));
const previousKey = tokenKey('p'.repeat(64));
const expected = { stateMachineArn, binding, keys: [key] };

const payloadOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[2] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
const withPayload = (token: string, payload: unknown): string => {
  const parts = token.split('.');
  parts[2] = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return parts.join('.');
};

describe('continuation tokens', () => {
  test('round-trip, within 2048 characters, naming the key they were signed with', () => {
    const token = encodeContinuationToken(state, key);
    expect(token.startsWith(`gcd2.${key.id}.`)).toBe(true);
    expect(continuationTokenKeyId(token)).toBe(key.id);
    expect(token.length).toBeLessThanOrEqual(2048);
    expect(decodeContinuationToken(token, expected)).toEqual(state);
  });

  test('the largest state CodePipeline and Step Functions allow still fits in 2048 characters', () => {
    const long = (n: number) => 'x'.repeat(n);
    const executionName = long(80);
    const big: ContinuationState = {
      ...state,
      executionArn: executionArnFor(
        `arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:${long(80)}`,
        executionName,
      ),
      executionName,
      jobId: '0f6c1b7e-1111-4a2b-9c3d-aaaaaaaaaaaa',
      polls: 1_000_000,
      binding: { pipelineName: long(100), stage: long(100), action: long(100), pipelineExecutionId: long(36) },
    };
    expect(encodeContinuationToken(big, key).length).toBeLessThanOrEqual(2048);
  });

  test.each([
    ['an empty token', () => '', /continuation token is empty/],
    ['another version', (t: string) => t.replace(/^gcd2/, 'gcd1'), /not a glue-cd gcd2 token/],
    ['a truncated token', (t: string) => t.slice(0, -5), /signature check/],
    ['a token without its signature', (t: string) => t.split('.').slice(0, 3).join('.'), /not a glue-cd gcd2 token/],
    ['an altered payload', (t: string) => withPayload(t, { ...payloadOf(t), polls: 0 }), /signature check/],
    [
      'an unknown key id',
      (t: string) => t.replace(`.${key.id}.`, '.AAAAAAAA.'),
      /not signed with a key this trigger holds/,
    ],
    ['something else entirely', () => 'arn:aws:states:us-east-1:1:execution:x:y', /not a glue-cd gcd2 token/],
    ['an oversize token', () => `gcd2.${'a'.repeat(3000)}`, /over 2048/],
  ])('rejects %s', (_name, mutate, message) => {
    const token = mutate(encodeContinuationToken(state, key));
    expect(() => decodeContinuationToken(token, expected)).toThrow(ContinuationTokenError);
    expect(() => decodeContinuationToken(token, expected)).toThrow(message);
  });

  test('rejects a token re-signed the old way (a plain SHA-256 anyone can recompute)', () => {
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...state, executionArn: `${state.executionArn}-other` }),
    ).toString('base64url');
    const signed = `gcd2.${key.id}.${forgedPayload}`;
    const forged = `${signed}.${createHash('sha256').update(signed).digest('base64url')}`;
    expect(() => decodeContinuationToken(forged, expected)).toThrow(/signature check/);
  });

  test('rejects a token signed with another key, even with the right key id', () => {
    const attackerKey = { id: key.id, secret: new TextEncoder().encode('a'.repeat(64)) };
    expect(() => decodeContinuationToken(encodeContinuationToken(state, attackerKey), expected)).toThrow(
      /signature check/,
    );
  });

  test('accepts a token signed with the previous key while it is offered', () => {
    const token = encodeContinuationToken(state, previousKey);
    expect(decodeContinuationToken(token, { ...expected, keys: [key, previousKey] })).toEqual(state);
    expect(() => decodeContinuationToken(token, expected)).toThrow(/not signed with a key this trigger holds/);
  });

  test("rejects a foreign token: another state machine's execution", () => {
    const token = encodeContinuationToken(state, key);
    expect(() =>
      decodeContinuationToken(token, {
        ...expected,
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:other',
      }),
    ).toThrow(/not of state machine/);
  });

  test.each([
    [
      'another pipeline execution',
      { pipelineExecutionId: '99999999-6f1e-4c1b-9d1e-0a1b2c3d4e5f' },
      /pipelineExecutionId differ/,
    ],
    ['another action', { action: 'DeployToProduction' }, /action differ/],
    ['another stage', { stage: 'Production' }, /stage differ/],
    ['another pipeline', { pipelineName: 'someone-elses-pipeline' }, /pipelineName differ/],
  ])('rejects a token issued for %s', (_name, change, message) => {
    const token = encodeContinuationToken(state, key);
    const run = () => decodeContinuationToken(token, { ...expected, binding: { ...binding, ...change } });
    expect(run).toThrow(ContinuationTokenError);
    expect(run).toThrow(message);
    expect(run).toThrow(/was issued for action glue-cd-pipeline-prod\/LiveTest\/DeployTestStack of pipeline execution/);
  });

  test('refuses to encode a state that would exceed 2048 characters, or lacks its binding', () => {
    expect(() => encodeContinuationToken({ ...state, executionName: 'e'.repeat(2000) }, key)).toThrow(
      ContinuationTokenError,
    );
    expect(() =>
      encodeContinuationToken({ ...state, binding: undefined } as unknown as ContinuationState, key),
    ).toThrow(/cannot encode continuation state: binding/);
  });

  test('a key shorter than 32 bytes is a ConfigurationError; key ids are fingerprints, not the key', () => {
    expect(() => tokenKey('short')).toThrow(ConfigurationError);
    expect(() => tokenKey('short')).toThrow(/at least 32 bytes, got 5/);
    expect(key.id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(key.id).not.toBe(previousKey.id);
    expect(tokenKey('k'.repeat(64)).id).toBe(key.id);
  });
});
