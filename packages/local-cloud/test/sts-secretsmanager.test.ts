import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { LocalCloud } from '../src';
import { removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
  secrets = new SecretsManagerClient({});
});

afterAll(async () => {
  secrets.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

const failure = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error,
  );

describe('STS', () => {
  it('answers GetCallerIdentity with the local account and an ARN for the caller', async () => {
    const sts = new STSClient({ credentials: { accessKeyId: 'AKIALOCALTEST', secretAccessKey: 'x' } });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: '000000000000',
      Arn: 'arn:aws:iam::000000000000:root',
      UserId: 'AKIALOCALTEST',
    });
    sts.destroy();
  });
});

describe('Secrets Manager', () => {
  it('creates a secret, reads its value, rotates it with PutSecretValue (AWSCURRENT / AWSPREVIOUS) and describes it', async () => {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'glue-cd/trigger/token-key', SecretString: 'first', Description: 'HMAC key' }),
    );
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:glue-cd\/trigger\/token-key-[\w-]{6}$/,
    );
    const first = await secrets.send(new GetSecretValueCommand({ SecretId: 'glue-cd/trigger/token-key' }));
    expect(first).toMatchObject({ SecretString: 'first', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
    // by full ARN and by the ARN without its random suffix, as Secrets Manager resolves SecretId
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe('first');
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN!.slice(0, -7) }))).Name).toBe(
      'glue-cd/trigger/token-key',
    );

    const put = await secrets.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'second' }));
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe('second');
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous).toMatchObject({ SecretString: 'first', VersionId: created.VersionId });
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    expect(described).toMatchObject({
      Name: 'glue-cd/trigger/token-key',
      Description: 'HMAC key',
      RotationEnabled: false,
      VersionIdsToStages: { [created.VersionId!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] },
    });
    expect(described.LastAccessedDate).toBeInstanceOf(Date);
  });

  it('answers unknown secrets with ResourceNotFoundException and existing names with ResourceExistsException', async () => {
    expect(await failure(secrets.send(new GetSecretValueCommand({ SecretId: 'ghost' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
    expect(await failure(secrets.send(new DescribeSecretCommand({ SecretId: 'ghost' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(await failure(secrets.send(new DeleteSecretCommand({ SecretId: 'ghost' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await secrets.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'x' }));
    expect(await failure(secrets.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'y' })))).toMatchObject({
      name: 'ResourceExistsException',
      message: 'The operation failed because the secret twice already exists.',
    });
  });

  it('schedules deletion (the value is refused until restored), or deletes at once when forced', async () => {
    await secrets.send(new CreateSecretCommand({ Name: 'short-lived', SecretString: 'v' }));
    const scheduled = await secrets.send(new DeleteSecretCommand({ SecretId: 'short-lived', RecoveryWindowInDays: 7 }));
    expect(scheduled.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(await failure(secrets.send(new GetSecretValueCommand({ SecretId: 'short-lived' })))).toMatchObject({
      name: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
    expect(await failure(secrets.send(new CreateSecretCommand({ Name: 'short-lived' })))).toMatchObject({
      name: 'InvalidRequestException',
    });
    await secrets.send(new RestoreSecretCommand({ SecretId: 'short-lived' }));
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: 'short-lived' }))).SecretString).toBe('v');
    await secrets.send(new DeleteSecretCommand({ SecretId: 'short-lived', ForceDeleteWithoutRecovery: true }));
    expect(await failure(secrets.send(new DescribeSecretCommand({ SecretId: 'short-lived' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(
      await failure(
        secrets.send(
          new DeleteSecretCommand({ SecretId: 'twice', ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: 7 }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
  });

  it('generates random passwords with the requested character types', async () => {
    const { RandomPassword } = await secrets.send(
      new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true, ExcludeCharacters: 'abc' }),
    );
    expect(RandomPassword).toHaveLength(40);
    expect(RandomPassword).toMatch(/^[A-Za-z0-9]+$/);
    expect(RandomPassword).toMatch(/[A-Z]/);
    expect(RandomPassword).toMatch(/[0-9]/);
    expect(RandomPassword).not.toMatch(/[abc]/);
  });
});
