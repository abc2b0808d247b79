import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { STATE_LOCK, StateFolderBusyError, startLocalCloud, type LocalCloud } from '../src';
import { removeDir, startTestCloud, tempStateDir } from './helpers';

let cloud: LocalCloud;
let restore: () => void;

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
  await cloud.objects.createBucket('signed');
  await cloud.objects.putObject('signed', 'hello.txt', Buffer.from('hello'));
});

afterAll(async () => {
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

const errorOf = (promise: Promise<unknown>): Promise<{ name: string; message: string; $metadata: object }> =>
  promise.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (error: { name: string; message: string; $metadata: object }) => error,
  );

/** A presigned GET URL for `key`, made the way @aws-sdk/s3-request-presigner makes it. */
const presignedUrl = async (key: string, expiresIn: number, signingDate = new Date()): Promise<string> => {
  const env = cloud.environment();
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    uriEscapePath: false,
  });
  const url = new URL(cloud.endpoint);
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: `/signed/${key}`,
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    }),
    { expiresIn, signingDate },
  );
  return `${cloud.endpoint}${presigned.path}?${new URLSearchParams(presigned.query as Record<string, string>)}`;
};

describe('SigV4 with the keys the cloud issued', () => {
  test('a key the cloud never issued is refused with 403 and the code AWS uses for each protocol', async () => {
    // Arrange
    const stranger = {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    };
    const s3 = new S3Client({ credentials: stranger, maxAttempts: 1 });
    const cfn = new CloudFormationClient({ credentials: stranger, maxAttempts: 1 });
    const sfn = new SFNClient({ credentials: stranger, maxAttempts: 1 });
    const lambda = new LambdaClient({ credentials: stranger, maxAttempts: 1 });

    // Act
    const refusals = await Promise.all([
      errorOf(s3.send(new ListBucketsCommand({}))),
      errorOf(cfn.send(new ListStacksCommand({}))),
      errorOf(sfn.send(new ListStateMachinesCommand({}))),
      errorOf(lambda.send(new ListFunctionsCommand({}))),
    ]);

    // Assert
    expect(
      refusals.map((error) => [error.name, (error.$metadata as { httpStatusCode: number }).httpStatusCode]),
    ).toEqual([
      ['InvalidAccessKeyId', 403],
      ['InvalidClientTokenId', 403],
      ['UnrecognizedClientException', 403],
      ['UnrecognizedClientException', 403],
    ]);
    expect(refusals[0]!.message).toContain('The AWS Access Key Id you provided does not exist in our records.');
    expect(refusals[1]!.message).toContain('AKIAIOSFODNN7EXAMPLE was not issued by this local cloud');
  });

  test('the right key with a wrong secret is SignatureDoesNotMatch', async () => {
    // Arrange
    const wrongSecret = { accessKeyId: cloud.environment().AWS_ACCESS_KEY_ID!, secretAccessKey: 'not-the-secret' };
    const s3 = new S3Client({ credentials: wrongSecret, maxAttempts: 1 });
    const sfn = new SFNClient({ credentials: wrongSecret, maxAttempts: 1 });

    // Act
    const refusals = await Promise.all([
      errorOf(s3.send(new ListBucketsCommand({}))),
      errorOf(sfn.send(new ListStateMachinesCommand({}))),
    ]);

    // Assert
    expect(refusals.map((error) => error.name)).toEqual(['SignatureDoesNotMatch', 'SignatureDoesNotMatch']);
  });

  test('a presigned URL works until it expires; a tampered one does not', async () => {
    // Arrange
    const fresh = await presignedUrl('hello.txt', 60);
    const expired = await presignedUrl('hello.txt', 60, new Date(Date.now() - 120_000));
    const tampered = fresh.replace('/signed/hello.txt', '/signed/other.txt');

    // Act
    type Answer = { status: number; body: string };
    const [ok, late, forged, unsigned] = (await Promise.all(
      [fresh, expired, tampered, `${cloud.endpoint}/signed/hello.txt`].map(async (url) => {
        const response = await fetch(url);
        return { status: response.status, body: await response.text() };
      }),
    )) as [Answer, Answer, Answer, Answer];

    // Assert
    expect(ok).toEqual({ status: 200, body: 'hello' });
    expect(late.status).toBe(403);
    expect(late.body).toContain('<Message>Request has expired</Message>');
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).toContain('MissingAuthenticationToken');
  });

  test('keys persist in credentials.json (0600) in a 0700 state folder; a restarted cloud keeps them', async () => {
    // Arrange
    const stateDir = tempStateDir();
    const first = await startLocalCloud({ stateDir, port: 0 });
    const issued = first.environment();
    await first.objects.createBucket('kept');
    await first.close();

    // Act
    const second = await startLocalCloud({ stateDir, port: 0 });
    const s3 = new S3Client({
      endpoint: second.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: issued.AWS_ACCESS_KEY_ID!, secretAccessKey: issued.AWS_SECRET_ACCESS_KEY! },
    });
    const listed = await s3.send(new ListBucketsCommand({}));
    await second.close();

    // Assert
    expect(listed.Buckets?.map((bucket) => bucket.Name)).toEqual(['kept']);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(stateDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(stateDir, 'credentials.json'), 'utf8')).operator).toEqual({
      accessKeyId: issued.AWS_ACCESS_KEY_ID,
      secretAccessKey: issued.AWS_SECRET_ACCESS_KEY,
    });
    removeDir(stateDir);
  });
});

describe('one cloud per state folder', () => {
  test('a second cloud on the same state folder is refused, naming the process that holds it', async () => {
    // Act
    const refused = await startLocalCloud({ stateDir: cloud.stateDir, port: 0 }).catch((error: unknown) => error);

    // Assert
    expect(refused).toBeInstanceOf(StateFolderBusyError);
    expect((refused as Error).message).toContain(`is held by process ${process.pid} on ${hostname()}`);
    expect((refused as Error).message).toContain(`Another local cloud uses the state folder ${cloud.stateDir}`);
    const s3 = new S3Client({});
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).toContain('signed');
  });

  test('a lock left by a process that is gone is taken over', async () => {
    // Arrange
    const stateDir = tempStateDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    mkdirSync(path.join(stateDir, STATE_LOCK));
    const stale = {
      pid: dead,
      host: hostname(),
      token: 'stale-token',
      acquiredAt: '2026-01-01T00:00:00.000Z',
    };
    writeFileSync(path.join(stateDir, STATE_LOCK, 'owner.json'), JSON.stringify(stale));

    // Act
    const revived = await startLocalCloud({ stateDir, port: 0 });
    const holder = JSON.parse(readFileSync(path.join(stateDir, STATE_LOCK, 'owner.json'), 'utf8')) as { pid: number };
    await revived.close();

    // Assert
    expect(holder.pid).toBe(process.pid);
    expect(() => statSync(path.join(stateDir, STATE_LOCK))).toThrow(/ENOENT/);
    removeDir(stateDir);
  });
});
