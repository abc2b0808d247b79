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
  it('answers GetCallerIdentity with the account root for the operator key and the role session for a role key', async () => {
    // Arrange
    const roleArn = 'arn:aws:iam::000000000000:role/etl/crawler';
    const operator = new STSClient({});
    const asRole = new STSClient({
      credentials: cloud.credentialsForRole(roleArn),
    });

    // Act
    const root = await operator.send(new GetCallerIdentityCommand({}));
    const role = await asRole.send(new GetCallerIdentityCommand({}));
    operator.destroy();
    asRole.destroy();

    // Assert
    expect(root).toMatchObject({
      Account: '000000000000',
      Arn: 'arn:aws:iam::000000000000:root',
      UserId: cloud.environment().AWS_ACCESS_KEY_ID,
    });
    expect(role).toMatchObject({
      Account: '000000000000',
      Arn: 'arn:aws:sts::000000000000:assumed-role/crawler/local-cloud',
      UserId: cloud.credentialsForRole(roleArn).accessKeyId,
    });
  });
});

describe('Secrets Manager', () => {
  it('creates a secret, reads its value, rotates it with PutSecretValue (AWSCURRENT / AWSPREVIOUS) and describes it', async () => {
    // Arrange
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: 'glue-cd/trigger/token-key',
        SecretString: 'first',
        Description: 'HMAC key',
      }),
    );

    // Act
    const first = await secrets.send(new GetSecretValueCommand({ SecretId: 'glue-cd/trigger/token-key' }));
    // by full ARN and by the ARN without its random suffix, as Secrets Manager resolves SecretId
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const byPartialArn = await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN!.slice(0, -7) }));
    const put = await secrets.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'second' }));
    const current = await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }),
    );
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: created.ARN }));

    // Assert
    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:glue-cd\/trigger\/token-key-[\w-]{6}$/,
    );
    expect(first).toMatchObject({ SecretString: 'first', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
    expect(byArn.SecretString).toBe('first');
    expect(byPartialArn.Name).toBe('glue-cd/trigger/token-key');
    expect(current.SecretString).toBe('second');
    expect(previous).toMatchObject({ SecretString: 'first', VersionId: created.VersionId });
    expect(described).toMatchObject({
      Name: 'glue-cd/trigger/token-key',
      Description: 'HMAC key',
      RotationEnabled: false,
      VersionIdsToStages: { [created.VersionId!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] },
    });
    expect(described.LastAccessedDate).toBeInstanceOf(Date);
  });

  it('answers unknown secrets with ResourceNotFoundException and existing names with ResourceExistsException', async () => {
    // Arrange
    await secrets.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'x' }));

    // Act
    const unknownValue = await failure(secrets.send(new GetSecretValueCommand({ SecretId: 'ghost' })));
    const unknownDescribe = await failure(secrets.send(new DescribeSecretCommand({ SecretId: 'ghost' })));
    const unknownDelete = await failure(secrets.send(new DeleteSecretCommand({ SecretId: 'ghost' })));
    const existing = await failure(secrets.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'y' })));

    // Assert
    expect(unknownValue).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
    expect(unknownDescribe).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(unknownDelete).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(existing).toMatchObject({
      name: 'ResourceExistsException',
      message: 'The operation failed because the secret twice already exists.',
    });
  });

  it('schedules deletion (the value is refused until restored), or deletes at once when forced', async () => {
    // Arrange
    await secrets.send(new CreateSecretCommand({ Name: 'short-lived', SecretString: 'v' }));
    await secrets.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'k' }));

    // Act
    const scheduled = await secrets.send(new DeleteSecretCommand({ SecretId: 'short-lived', RecoveryWindowInDays: 7 }));
    const refusedValue = await failure(secrets.send(new GetSecretValueCommand({ SecretId: 'short-lived' })));
    const refusedName = await failure(secrets.send(new CreateSecretCommand({ Name: 'short-lived' })));
    await secrets.send(new RestoreSecretCommand({ SecretId: 'short-lived' }));
    const restored = await secrets.send(new GetSecretValueCommand({ SecretId: 'short-lived' }));
    await secrets.send(new DeleteSecretCommand({ SecretId: 'short-lived', ForceDeleteWithoutRecovery: true }));
    const forced = await failure(secrets.send(new DescribeSecretCommand({ SecretId: 'short-lived' })));
    const both = await failure(
      secrets.send(
        new DeleteSecretCommand({
          SecretId: 'kept',
          ForceDeleteWithoutRecovery: true,
          RecoveryWindowInDays: 7,
        }),
      ),
    );

    // Assert
    expect(scheduled.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(refusedValue).toMatchObject({
      name: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
    expect(refusedName).toMatchObject({
      name: 'InvalidRequestException',
    });
    expect(restored.SecretString).toBe('v');
    expect(forced).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(both).toMatchObject({ name: 'InvalidParameterException' });
  });

  it('generates random passwords with the requested character types', async () => {
    // Act
    const { RandomPassword } = await secrets.send(
      new GetRandomPasswordCommand({
        PasswordLength: 40,
        ExcludePunctuation: true,
        ExcludeCharacters: 'abc',
      }),
    );

    // Assert
    expect(RandomPassword).toHaveLength(40);
    expect(RandomPassword).toMatch(/^[A-Za-z0-9]+$/);
    expect(RandomPassword).toMatch(/[A-Z]/);
    expect(RandomPassword).toMatch(/[0-9]/);
    expect(RandomPassword).not.toMatch(/[abc]/);
  });
});
