import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError, tokenKey, type TokenKey } from '@glue-cd/core';

/** Where the trigger gets the keys of its continuation tokens. */
export interface TokenKeySource {
  /** The key new tokens are signed with. */
  current(signal?: AbortSignal): Promise<TokenKey>;
  /** The key a token names, if it is the current or the previous version; undefined for any other. */
  find(keyId: string, signal?: AbortSignal): Promise<TokenKey | undefined>;
}

export interface SecretsManagerTokenKeysOptions {
  client: SecretsManagerClient;
  /** The ARN of the trigger's own secret (env CONTINUATION_TOKEN_KEY_SECRET_ARN). */
  secretId: string | undefined;
  /** How long a container keeps the keys before reading them again (so a rotation reaches warm containers). */
  maxAgeMs?: number;
  /** A token naming an unknown key re-reads the secret, at most this often (forged tokens cannot hammer it). */
  refreshAfterMs?: number;
  now?: () => number;
}

export const TOKEN_KEY_MAX_AGE_MS = 15 * 60_000;
export const TOKEN_KEY_REFRESH_AFTER_MS = 60_000;

interface KeyCache {
  loadedAt: number;
  current: TokenKey;
  /** undefined: not looked up yet; null: the secret has no AWSPREVIOUS version. */
  previous?: TokenKey | null;
}

/**
 * The continuation token keys from the trigger's Secrets Manager secret: AWSCURRENT signs, AWSPREVIOUS is still
 * accepted, so tokens issued just before a rotation work once more (their next token is signed with the new key).
 * Read once per container and cached; the secret value is never logged nor put in an error.
 */
export const secretsManagerTokenKeys = (options: SecretsManagerTokenKeysOptions): TokenKeySource => {
  const { client, secretId } = options;
  const maxAgeMs = options.maxAgeMs ?? TOKEN_KEY_MAX_AGE_MS;
  const refreshAfterMs = options.refreshAfterMs ?? TOKEN_KEY_REFRESH_AFTER_MS;
  const now = options.now ?? Date.now;
  let cache: KeyCache | undefined;

  const read = async (stage: 'AWSCURRENT' | 'AWSPREVIOUS', signal?: AbortSignal): Promise<TokenKey | null> => {
    if (!secretId?.trim()) {
      throw new ConfigurationError(
        'CONTINUATION_TOKEN_KEY_SECRET_ARN is not set: the trigger needs its Secrets Manager secret to sign continuation tokens',
      );
    }
    let secret: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined };
    try {
      secret = await client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      // A secret without an AWSPREVIOUS version (never rotated) is the normal case.
      if (stage === 'AWSPREVIOUS' && name === 'ResourceNotFoundException') return null;
      const message = `cannot read the continuation token key (${stage} of ${secretId}): ${name}: ${error instanceof Error ? error.message : String(error)}`;
      if (name === 'ResourceNotFoundException') throw new ConfigurationError(message, { cause: error });
      // The name stays, so the failure type and the transient check see AccessDenied, ThrottlingException…
      const wrapped = new Error(message, { cause: error });
      wrapped.name = name;
      throw wrapped;
    }
    const value = secret.SecretString ?? secret.SecretBinary;
    if (value === undefined) throw new ConfigurationError(`continuation token key secret ${secretId} has no value`);
    try {
      return tokenKey(value);
    } catch (error) {
      throw new ConfigurationError(`secret ${secretId} (${stage}): ${(error as Error).message}`, { cause: error });
    }
  };

  const load = async (signal?: AbortSignal): Promise<KeyCache> => {
    const current = await read('AWSCURRENT', signal);
    if (!current) throw new ConfigurationError(`secret ${secretId} has no AWSCURRENT version`);
    cache = { loadedAt: now(), current };
    return cache;
  };

  const fresh = async (signal?: AbortSignal): Promise<KeyCache> =>
    cache && now() - cache.loadedAt < maxAgeMs ? cache : load(signal);

  const match = async (keys: KeyCache, keyId: string, signal?: AbortSignal): Promise<TokenKey | undefined> => {
    if (keys.current.id === keyId) return keys.current;
    if (keys.previous === undefined) keys.previous = await read('AWSPREVIOUS', signal);
    return keys.previous?.id === keyId ? keys.previous : undefined;
  };

  return {
    current: async (signal) => (await fresh(signal)).current,
    find: async (keyId, signal) => {
      const keys = await fresh(signal);
      const found = await match(keys, keyId, signal);
      if (found || now() - keys.loadedAt < refreshAfterMs) return found;
      // The secret may have been rotated since this container read it.
      return match(await load(signal), keyId, signal);
    },
  };
};
