import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError, ContinuationTokenError } from './errors';
import { count } from './schema-pieces';
import * as z from './zod-mini';

// CodePipeline stores the token between invocations; its API caps it at 2048 characters.
export const CONTINUATION_TOKEN_LIMIT = 2048;
// Below this a random key is guessable in principle; GenerateSecretString in the trigger's stack makes 64.
export const TOKEN_KEY_MIN_LENGTH = 32;
const VERSION = 'gcd2';
const KEY_ID_LENGTH = 8;

/**
 * A key the trigger signs continuation tokens with. `id` is a fingerprint of the key (not the key), carried in the
 * token so that a token signed with the previous key version can be checked after a rotation.
 */
export interface TokenKey {
  readonly id: string;
  readonly secret: Uint8Array;
}

/**
 * What stays the same across all invocations of one action execution (CodePipeline gives each continuation a new job
 * id): from GetJobDetails `jobDetails.data.pipelineContext`.
 */
export interface JobBinding {
  pipelineName: string;
  stage: string;
  action: string;
  pipelineExecutionId: string;
}

/** What the pipeline trigger needs to find its deploy execution again on the next invocation. */
export interface ContinuationState {
  executionArn: string;
  executionName: string;
  /** The first job's id: CodePipeline gives every continuation invocation a new job id. */
  jobId: string;
  startedAt: string;
  polls: number;
  /** The action execution the token was issued for; a token is only accepted by jobs of the same one. */
  binding: JobBinding;
}

const name100 = z.string().check(z.minLength(1), z.maxLength(100));

const JobBindingSchema = z.strictObject({
  pipelineName: name100,
  stage: name100,
  action: name100,
  pipelineExecutionId: name100,
});

const ContinuationStateSchema = z.strictObject({
  executionArn: z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/)),
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
  jobId: name100,
  startedAt: z.iso.datetime(),
  polls: count,
  binding: JobBindingSchema,
});

const hmac = (secret: Uint8Array, text: string): Buffer => createHmac('sha256', secret).update(text).digest();

/** A signing key from the secret's text (the trigger's Secrets Manager secret); too short a key is refused. */
export const tokenKey = (secret: string | Uint8Array): TokenKey => {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < TOKEN_KEY_MIN_LENGTH) {
    throw new ConfigurationError(
      `continuation token key: must be at least ${TOKEN_KEY_MIN_LENGTH} bytes, got ${bytes.length}`,
    );
  }
  const id = hmac(bytes, 'glue-cd continuation token key id').toString('base64url').slice(0, KEY_ID_LENGTH);
  return { id, secret: bytes };
};

export const encodeContinuationToken = (state: ContinuationState, key: TokenKey): string => {
  const parsed = ContinuationStateSchema.safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContinuationTokenError(
      `cannot encode continuation state: ${issue?.path.join('.') || 'state'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const payload = Buffer.from(JSON.stringify(parsed.data), 'utf8').toString('base64url');
  const signed = `${VERSION}.${key.id}.${payload}`;
  const token = `${signed}.${hmac(key.secret, signed).toString('base64url')}`;
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

const splitToken = (token: unknown): { keyId: string; payload: string; mac: string; signed: string } => {
  if (typeof token !== 'string') throw new ContinuationTokenError('continuation token is not a string');
  if (token === '') throw new ContinuationTokenError('continuation token is empty');
  if (token.length > CONTINUATION_TOKEN_LIMIT) {
    throw new ContinuationTokenError(
      `continuation token is ${token.length} characters, over ${CONTINUATION_TOKEN_LIMIT}`,
    );
  }
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new ContinuationTokenError(`continuation token is not a glue-cd ${VERSION} token`);
  }
  const [, keyId = '', payload = '', mac = ''] = parts;
  return { keyId, payload, mac, signed: `${VERSION}.${keyId}.${payload}` };
};

/** The id of the key a token says it was signed with, so the caller can fetch that key version (not yet trusted). */
export const continuationTokenKeyId = (token: unknown): string => splitToken(token).keyId;

const describeBinding = (binding: JobBinding): string =>
  `action ${binding.pipelineName}/${binding.stage}/${binding.action} of pipeline execution ${binding.pipelineExecutionId}`;

export interface ContinuationTokenExpectation {
  /** The state machine this action drives: the token's execution must be one of its executions. */
  stateMachineArn: string;
  /** The current job's action execution (GetJobDetails): the token must have been issued for the same one. */
  binding: JobBinding;
  /** The keys a valid token may be signed with (current and, during a rotation, previous). */
  keys: readonly TokenKey[];
}

/**
 * Reads a token back. Rejects empty, oversize and other-version tokens, tokens not signed by one of `keys` (forged,
 * altered, truncated), tokens whose execution is not of the expected state machine, and tokens issued for another
 * pipeline execution, stage or action.
 */
export const decodeContinuationToken = (token: unknown, expected: ContinuationTokenExpectation): ContinuationState => {
  const { keyId, payload, mac, signed } = splitToken(token);
  const key = expected.keys.find((candidate) => candidate.id === keyId);
  if (!key) {
    throw new ContinuationTokenError(
      'continuation token is not signed with a key this trigger holds (forged, or older than the previous key version)',
    );
  }
  // Compared as text: base64url decoding ignores stray characters and the last character's spare bits.
  const given = Buffer.from(mac, 'utf8');
  const wanted = Buffer.from(hmac(key.secret, signed).toString('base64url'), 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new ContinuationTokenError('continuation token failed its signature check (forged, altered or truncated)');
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
  const fields = ['pipelineName', 'stage', 'action', 'pipelineExecutionId'] as const;
  const different = fields.filter((field) => state.binding[field] !== expected.binding[field]);
  if (different.length > 0) {
    throw new ContinuationTokenError(
      `continuation token was issued for ${describeBinding(state.binding)}, not for this job's ${describeBinding(
        expected.binding,
      )} (${different.join(', ')} differ)`,
    );
  }
  return state;
};
