import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ContinuationTokenError } from './errors';

// CodePipeline stores the token between invocations; its API caps it at 2048 characters.
export const CONTINUATION_TOKEN_LIMIT = 2048;
const VERSION = 'gcd1';

/** What the pipeline trigger needs to find its deploy execution again on the next invocation. */
export interface ContinuationState {
  executionArn: string;
  executionName: string;
  /** The first job's id: CodePipeline gives every continuation invocation a new job id. */
  jobId: string;
  startedAt: string;
  polls: number;
}

const ContinuationStateSchema = z
  .object({
    executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/),
    executionName: z.string().min(1).max(80),
    jobId: z.string().min(1),
    startedAt: z.string().datetime(),
    polls: z.number().int().nonnegative(),
  })
  .strict();

const checksum = (payload: string): string =>
  createHash('sha256').update(`${VERSION}.${payload}`).digest('base64url').slice(0, 22);

export const encodeContinuationToken = (state: ContinuationState): string => {
  const parsed = ContinuationStateSchema.safeParse(state);
  if (!parsed.success) {
    throw new ContinuationTokenError(
      `cannot encode continuation state: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  const payload = Buffer.from(JSON.stringify(parsed.data), 'utf8').toString('base64url');
  const token = `${VERSION}.${payload}.${checksum(payload)}`;
  if (token.length > CONTINUATION_TOKEN_LIMIT) {
    throw new ContinuationTokenError(
      `continuation token would be ${token.length} characters, over CodePipeline's ${CONTINUATION_TOKEN_LIMIT}`,
    );
  }
  return token;
};

/** The ARN of the execution `executionName` of a state machine (they share region, account and name). */
export const executionArnFor = (stateMachineArn: string, executionName: string): string => {
  const match = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}):stateMachine:([^:]+)$/.exec(stateMachineArn);
  if (!match) throw new ContinuationTokenError(`not a state machine ARN: ${stateMachineArn}`);
  return `${match[1]}:execution:${match[2]}:${executionName}`;
};

/**
 * Reads a token back. Rejects tokens of another version, altered or truncated tokens (checksum), and foreign
 * tokens whose execution does not belong to the state machine this action drives.
 */
export const decodeContinuationToken = (token: string, expected: { stateMachineArn: string }): ContinuationState => {
  if (token.length > CONTINUATION_TOKEN_LIMIT) {
    throw new ContinuationTokenError(
      `continuation token is ${token.length} characters, over ${CONTINUATION_TOKEN_LIMIT}`,
    );
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) {
    throw new ContinuationTokenError(`continuation token is not a glue-cd ${VERSION} token`);
  }
  const [, payload = '', sum] = parts;
  if (checksum(payload) !== sum) {
    throw new ContinuationTokenError('continuation token failed its integrity check (altered or truncated)');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new ContinuationTokenError('continuation token payload is not JSON');
  }
  const parsed = ContinuationStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContinuationTokenError(
      `continuation token payload invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message}`,
    );
  }
  const state = parsed.data;
  if (executionArnFor(expected.stateMachineArn, state.executionName) !== state.executionArn) {
    throw new ContinuationTokenError(
      `continuation token names execution ${state.executionArn}, which is not of state machine ${expected.stateMachineArn}`,
    );
  }
  return state;
};
