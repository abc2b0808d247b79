import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { tokenKey } from '@glue-cd/core';
import { mockClient } from 'aws-sdk-client-mock';
import { TOKEN_KEY_MAX_AGE_MS, TOKEN_KEY_REFRESH_AFTER_MS, secretsManagerTokenKeys } from '../src';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-key-AbCdEf';
const ONE = 'one-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const TWO = 'two-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const setup = () => {
  const mock = mockClient(SecretsManagerClient);
  let clock = 0;
  const keys = secretsManagerTokenKeys({
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    secretId: SECRET_ID,
    now: () => clock,
  });
  const calls = (stage: string) =>
    mock.commandCalls(GetSecretValueCommand).filter((call) => call.args[0].input.VersionStage === stage).length;
  return { mock, keys, calls, advance: (ms: number) => (clock += ms) };
};

describe('token keys from Secrets Manager', () => {
  test('read once per container and cached; read again after the maximum age', async () => {
    const { mock, keys, calls, advance } = setup();
    mock.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({ SecretString: ONE });

    expect((await keys.current()).id).toBe(tokenKey(ONE).id);
    await keys.current();
    expect(calls('AWSCURRENT')).toBe(1);
    advance(TOKEN_KEY_MAX_AGE_MS);
    await keys.current();
    expect(calls('AWSCURRENT')).toBe(2);
  });

  test('finds the previous version, and none when the secret was never rotated', async () => {
    const { mock, keys } = setup();
    mock
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: TWO })
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: ONE });
    expect(await keys.find(tokenKey(ONE).id)).toEqual(tokenKey(ONE));

    const never = setup();
    never.mock
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: TWO })
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .rejects(new ResourceNotFoundException({ message: 'no such version', $metadata: {} }));
    expect(await never.keys.find(tokenKey(ONE).id)).toBeUndefined();
  });

  test('an unknown key id re-reads the secret (it may have been rotated), at most once a minute', async () => {
    const { mock, keys, calls, advance } = setup();
    mock
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolvesOnce({ SecretString: ONE })
      .resolves({ SecretString: TWO })
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .rejects(new ResourceNotFoundException({ message: 'no such version', $metadata: {} }));
    await keys.current();

    expect(await keys.find('AAAAAAAA')).toBeUndefined();
    expect(calls('AWSCURRENT')).toBe(1);
    advance(TOKEN_KEY_REFRESH_AFTER_MS);
    expect(await keys.find(tokenKey(TWO).id)).toEqual(tokenKey(TWO));
    expect(calls('AWSCURRENT')).toBe(2);
  });

  test('errors name the secret and the stage, never the value; a short key is a ConfigurationError', async () => {
    const denied = setup();
    denied.mock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(denied.keys.current()).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `cannot read the continuation token key (AWSCURRENT of ${SECRET_ID}): AccessDeniedException: not authorized`,
    });

    const short = setup();
    short.mock.on(GetSecretValueCommand).resolves({ SecretString: 'short-secret-value' });
    const error = (await short.keys.current().catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ name: 'ConfigurationError' });
    expect(error.message).toMatch(/at least 32 bytes/);
    expect(error.message).not.toContain('short-secret-value');
  });
});
