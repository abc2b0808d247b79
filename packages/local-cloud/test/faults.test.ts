import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalCloud } from '../src';
import { createFaultInjector, localRetryStrategy, type FaultInjector } from '../src';
import { deployProbe, removeDir, startTestCloud } from './helpers';

describe('fault injector: which calls a rule hits', () => {
  test('skip, times and a seeded probability decide the same way on every run', () => {
    // Arrange
    const decide = () => {
      const faults = createFaultInjector({ seed: 42 });
      faults.setRules([
        {
          service: 'lambda',
          operation: 'Invoke',
          functionName: 'task',
          skip: 1,
          probability: 0.5,
          action: { kind: 'timeout' },
        },
      ]);
      return Array.from({ length: 40 }, () => faults.beforeInvoke('svc-stage-task'));
    };

    // Act
    const first = decide();
    const second = decide();

    // Assert
    expect(first).toEqual(second);
    expect(first[0]).toBe('run'); // skipped
    const timedOut = first.filter((outcome) => outcome === 'timeout').length;
    expect(timedOut).toBeGreaterThan(5);
    expect(timedOut).toBeLessThan(35);
  });

  test('a runtime fault never hits a request, and a rule for another function never hits', async () => {
    // Arrange
    const faults = createFaultInjector();
    faults.setRules([
      {
        service: 'lambda',
        functionName: 'task',
        action: { kind: 'crash', when: 'before' },
      },
    ]);

    // Act
    const request = await faults.beforeCall('lambda', 'Invoke', { FunctionName: 'task' });
    const other = faults.beforeInvoke('svc-stage-other-thing');
    const hit = faults.beforeInvoke('task');

    // Assert
    expect([request, other, hit]).toEqual(['execute', 'run', 'crash-before']);
    expect(faults.injected()).toEqual([
      expect.objectContaining({ service: 'lambda', operation: 'Invoke', action: 'crash' }),
    ]);
  });
});

// The S3 clients retry as the SDK decides, with the local pauses (localRetryStrategy) instead of its seconds of backoff.
describe('fault injector in the local cloud, seen by the real SDK clients', () => {
  let cloud: LocalCloud;
  let restore: () => void;
  let faults: FaultInjector;
  let killed = 0;
  beforeAll(async () => {
    faults = createFaultInjector({ onKill: () => (killed += 1) });
    // The fault layer, not IAM (the probe function has no role); enforcement is test/iam.test.ts.
    ({ cloud, restore } = await startTestCloud({ faults, iam: 'off' }));
    await cloud.objects.createBucket('faulty');
    await cloud.objects.createBucket('deployment-bucket');
    await deployProbe(cloud, { bucket: 'deployment-bucket' });
  });
  afterEach(() => faults.setRules([]));
  afterAll(async () => {
    await cloud.close();
    restore();
    removeDir(cloud.stateDir);
  });

  test('503 SlowDown twice: the SDK retries and the third attempt writes the object', async () => {
    // Arrange
    faults.setRules([
      {
        service: 's3',
        operation: 'PutObject',
        times: 2,
        action: {
          kind: 'error',
          code: 'SlowDown',
          status: 503,
        },
      },
    ]);
    const s3 = new S3Client({ forcePathStyle: true, retryStrategy: localRetryStrategy() });

    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'faulty',
        Key: 'a.csv',
        Body: 'a\n1\n',
      }),
    );
    s3.destroy();

    // Assert
    expect(put.$metadata.attempts).toBe(3);
    expect(Buffer.from((await cloud.objects.getObject('faulty', 'a.csv')) ?? []).toString()).toBe('a\n1\n');
  });

  test('past the SDK retries the caller gets the AWS error: its code, message and status', async () => {
    // Arrange
    faults.setRules([
      {
        service: 's3',
        operation: 'GetObject',
        action: {
          kind: 'error',
          code: 'InternalError',
          status: 500,
          message: 'We encountered an internal error.',
        },
      },
    ]);
    const s3 = new S3Client({ forcePathStyle: true, retryStrategy: localRetryStrategy() });

    // Act
    const failure = (await s3
      .send(new GetObjectCommand({ Bucket: 'faulty', Key: 'a.csv' }))
      .catch((error: unknown) => error)) as { name: string; message: string; $metadata: Record<string, unknown> };
    s3.destroy();

    // Assert
    expect(failure).toMatchObject({ name: 'InternalError', message: 'We encountered an internal error.' });
    expect(failure.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 3 });
  });

  test('a dropped answer: the call took effect, the SDK sees a network error and retries', async () => {
    // Arrange
    faults.setRules([
      {
        service: 's3',
        operation: 'PutObject',
        times: 1,
        action: { kind: 'drop' },
      },
    ]);
    const s3 = new S3Client({ forcePathStyle: true, retryStrategy: localRetryStrategy() });

    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'faulty',
        Key: 'b.csv',
        Body: 'b\n2\n',
      }),
    );
    s3.destroy();

    // Assert
    expect(put.$metadata.attempts).toBe(2);
    expect(faults.injected().at(-1)).toMatchObject({ service: 's3', operation: 'PutObject', action: 'drop' });
    expect(await cloud.objects.getObject('faulty', 'b.csv')).toBeDefined();
  });

  test('a Lambda crash after the side effect: the object is written, the invocation reports Runtime.ExitError', async () => {
    // Arrange
    faults.setRules([
      {
        service: 'lambda',
        functionName: 'probe',
        times: 1,
        action: { kind: 'crash', when: 'after' },
      },
    ]);
    const lambda = new LambdaClient({});

    // Act
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: 'probe',
        Payload: Buffer.from(
          JSON.stringify({
            action: 's3',
            bucket: 'faulty',
            key: 'from-lambda.txt',
          }),
        ),
      }),
    );
    lambda.destroy();

    // Assert
    expect(result.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(result.Payload ?? []).toString())).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(await cloud.objects.getObject('faulty', 'from-lambda.txt')).toBeDefined();
  });

  test('a crash of the caller: the invocation that made the call is killed, the call never executes', async () => {
    // Arrange
    faults.setRules([{ service: 's3', operation: 'PutObject', times: 1, action: { kind: 'crash-caller' } }]);
    const lambda = new LambdaClient({});

    // Act
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: 'probe',
        Payload: Buffer.from(JSON.stringify({ action: 's3', bucket: 'faulty', key: 'never-written.txt' })),
      }),
    );
    lambda.destroy();

    // Assert
    expect(result.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(result.Payload ?? []).toString())).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('signal SIGKILL'),
    });
    expect(faults.injected().at(-1)).toMatchObject({ service: 's3', operation: 'PutObject', action: 'crash-caller' });
    expect(await cloud.objects.getObject('faulty', 'never-written.txt')).toBeUndefined();
  });

  test('a kill after the call: onKill runs once, and the dead cloud answers nothing more', async () => {
    // Arrange
    faults.setRules([
      {
        service: 's3',
        operation: 'PutObject',
        action: { kind: 'kill', when: 'after' },
      },
    ]);
    const s3 = new S3Client({ forcePathStyle: true, maxAttempts: 1 });

    // Act
    const during = await s3
      .send(
        new PutObjectCommand({
          Bucket: 'faulty',
          Key: 'c.csv',
          Body: 'c\n3\n',
        }),
      )
      .catch((error: unknown) => error);
    const after = await s3
      .send(new GetObjectCommand({ Bucket: 'faulty', Key: 'c.csv' }))
      .catch((error: unknown) => error);
    s3.destroy();

    // Assert
    expect(killed).toBe(1);
    expect(faults.killed).toBe(true);
    expect(await cloud.objects.getObject('faulty', 'c.csv')).toBeDefined(); // written before the "process" died
    for (const failure of [during, after]) {
      expect((failure as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
    }
  });
});
