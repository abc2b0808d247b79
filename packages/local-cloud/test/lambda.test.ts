import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { LocalCloud } from '../src';
import { functionArn } from '../src';
import { rawZip, textEntry, zerosEntry } from '../../core/test/support/zip-bomb';
import { deployProbe, removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let logs: string[];
let restore: () => void;
let lambda: LambdaClient;
const decoder = new TextDecoder();

const invoke = async (functionName: string, payload: unknown, logType?: 'Tail') => {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: JSON.stringify(payload),
      ...(logType ? { LogType: logType } : {}),
    }),
  );
  return { ...result, body: JSON.parse(decoder.decode(result.Payload)) as Record<string, unknown> };
};

const PROBE_ROLE = 'arn:aws:iam::000000000000:role/probe-role';

beforeAll(async () => {
  // The Lambda runtime's own behaviour; IAM for functions is test/iam.test.ts.
  ({ cloud, logs, restore } = await startTestCloud({ iam: 'off' }));
  lambda = new LambdaClient({});
  await cloud.objects.createBucket('deployment-bucket');
  await deployProbe(cloud, {
    bucket: 'deployment-bucket',
    key: 'serverless/probe/probe.zip',
    role: PROBE_ROLE,
    memorySize: 256,
    environment: { GREETING: 'hello from the function environment', NODE_OPTIONS: '--enable-source-maps' },
  });
  await cloud.objects.createBucket('lambda-scratch');
});

afterAll(async () => {
  lambda.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

/** A function of the probe bundle, created by the test that uses it. */
const probeFunction = (
  functionName: string,
  options: { handler?: string; timeoutSeconds?: number; environment?: Record<string, string> } = {},
) =>
  cloud.functions.createFunction({
    functionName,
    handler: options.handler ?? 'src/handlers/probe.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: options.timeoutSeconds ?? 10,
    environment: options.environment ?? {},
    code: { s3Bucket: 'deployment-bucket', s3Key: 'serverless/probe/probe.zip' },
  });

/** A function whose code is inline source (index.js), as CloudFormation's ZipFile gives it. */
const inlineFunction = (
  functionName: string,
  source: string,
  handler = 'index.handler',
  environment: Record<string, string> = {},
) => ({
  functionName,
  handler,
  runtime: 'nodejs22.x',
  timeoutSeconds: 3,
  environment,
  code: { zipFile: source },
});

describe('local Lambda runtime through a plain LambdaClient', () => {
  test('extracts the package once per code version under lambda/<name>/<hash>/', () => {
    // Act
    const versions = readdirSync(path.join(cloud.stateDir, 'lambda', 'probe'));

    // Assert
    expect(versions).toHaveLength(1);
    expect(existsSync(path.join(cloud.stateDir, 'lambda', 'probe', versions[0]!, 'src', 'handlers', 'probe.js'))).toBe(
      true,
    );
    expect(
      existsSync(path.join(cloud.stateDir, 'lambda', 'probe', versions[0]!, 'src', 'handlers', 'probe.js.map')),
    ).toBe(true);
  });

  test('returns the handler result, with the function environment and without the parent AWS_* variables', async () => {
    // Arrange
    process.env.AWS_LEAK_CANARY = 'parent-only';
    process.env.AWS_ROLE_SESSION_NAME = 'parent-session';
    try {
      // Act
      const { body, FunctionError, StatusCode, ExecutedVersion } = await invoke('probe', { action: 'echo', n: 42 });

      // Assert
      expect(StatusCode).toBe(200);
      expect(FunctionError).toBeUndefined();
      expect(ExecutedVersion).toBe('$LATEST');
      expect(body.event).toEqual({ action: 'echo', n: 42 });
      expect(body.functionName).toBe('probe');
      expect(body.remainingMs).toBeGreaterThan(0);
      expect(body.remainingMs).toBeLessThanOrEqual(10_000);
      expect(body.env).toEqual({
        GREETING: 'hello from the function environment',
        AWS_REGION: 'us-east-1',
        // The key the cloud issued to the execution role, never the operator's.
        AWS_ACCESS_KEY_ID: cloud.credentialsForRole(PROBE_ROLE).accessKeyId,
        AWS_LAMBDA_FUNCTION_NAME: 'probe',
        AWS_ENDPOINT_URL: cloud.endpoint,
        AWS_LEAK_CANARY: null,
        AWS_ROLE_SESSION_NAME: null,
      });
    } finally {
      delete process.env.AWS_LEAK_CANARY;
      delete process.env.AWS_ROLE_SESSION_NAME;
    }
  });

  test('invokes by ARN too, and tails the log (X-Amz-Log-Result) also forwarded to the cloud log', async () => {
    // Act
    const { body, LogResult } = await invoke(functionArn('probe'), { action: 'echo' }, 'Tail');

    // Assert
    expect(body.functionName).toBe('probe');
    const tail = Buffer.from(LogResult!, 'base64').toString('utf8');
    expect(tail).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    expect(tail).toMatch(/probe echo in probe \([0-9a-f-]{36}\)/);
    expect(tail).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: /);
    expect(logs.some((line) => line.startsWith('[probe] probe echo in probe ('))).toBe(true);
  });

  test('a thrown named error is X-Amz-Function-Error: Unhandled with { errorType, errorMessage, trace }', async () => {
    // Act
    const { body, FunctionError, StatusCode } = await invoke('probe', {
      action: 'unsafe',
      message: 'Bucket DataLake would be replaced',
    });

    // Assert
    expect(StatusCode).toBe(200);
    expect(FunctionError).toBe('Unhandled');
    expect(body.errorType).toBe('UnsafeChangeSetError');
    expect(body.errorMessage).toBe('Bucket DataLake would be replaced');
    expect(Array.isArray(body.trace)).toBe(true);
    // --enable-source-maps from the function environment maps the trace back to the TypeScript source.
    expect((body.trace as string[]).join('\n')).toContain('probe-handler.ts');
  });

  test('a handler that runs past its timeout is killed: Sandbox.Timedout', async () => {
    // Arrange
    await probeFunction('probe-short-timeout', { timeoutSeconds: 1 });
    const started = Date.now();

    // Act
    const { body, FunctionError } = await invoke('probe-short-timeout', { action: 'sleep', ms: 10_000 });
    const elapsed = Date.now() - started;
    const after = await invoke('probe-short-timeout', { action: 'count' });

    // Assert
    // Killed before the handler's 10 s sleep could end (not a speed check: the bound is the sleep itself).
    expect(elapsed).toBeLessThan(10_000);
    expect(FunctionError).toBe('Unhandled');
    expect(body).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    // The killed container is not reused: the next invocation starts a new one.
    expect(after.FunctionError).toBeUndefined();
    expect(after.body.invocationsInThisContainer).toBe(1);
  });

  test('the bundle calls back into the local cloud through AWS_ENDPOINT_URL (S3)', async () => {
    // Act
    const { body, FunctionError } = await invoke('probe', {
      action: 's3',
      bucket: 'lambda-scratch',
      key: 'hello.txt',
    });

    // Assert
    expect(FunctionError).toBeUndefined();
    expect(body).toEqual({ readBack: 'written by probe' });
    expect(decoder.decode(await cloud.objects.getObject('lambda-scratch', 'hello.txt'))).toBe('written by probe');
  });

  test('containers stay warm between invocations, each invocation keeps its own log, updates start fresh containers', async () => {
    // Arrange
    await probeFunction('counter', { environment: { VERSION: '1' } });

    // Act
    const first = await cloud.functions.invoke('counter', { action: 'count' });
    const second = await cloud.functions.invoke('counter', { action: 'count' });
    await cloud.functions.updateFunction({
      functionName: 'counter',
      handler: 'src/handlers/probe.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 10,
      environment: { VERSION: '2' },
      code: { s3Bucket: 'deployment-bucket', s3Key: 'serverless/probe/probe.zip' },
    });
    const afterUpdate = JSON.parse((await cloud.functions.invoke('counter', { action: 'count' })).payload) as {
      invocationsInThisContainer: number;
      pid: number;
    };

    // Assert
    const firstBody = JSON.parse(first.payload) as { invocationsInThisContainer: number; pid: number };
    const secondBody = JSON.parse(second.payload) as { invocationsInThisContainer: number; pid: number };
    expect(firstBody.invocationsInThisContainer).toBe(1);
    expect(secondBody).toEqual({ invocationsInThisContainer: 2, pid: firstBody.pid });
    // stdout and stderr lines of an invocation land in its own log, not the next one's.
    expect(first.logs).toContain(`probe count in counter (${first.requestId})`);
    expect(first.logs).toContain(`count on stderr (${first.requestId})`);
    expect(first.logs).not.toContain(second.requestId);
    expect(second.logs).toContain(`count on stderr (${second.requestId})`);
    expect(second.logs).not.toContain(first.requestId);
    expect(afterUpdate.invocationsInThisContainer).toBe(1);
    expect(afterUpdate.pid).not.toBe(firstBody.pid);
  });

  test('prewarm runs the init before any invocation; the invocation takes that container; a failed init is reported by the invocation', async () => {
    // Arrange: the module scope counts its inits (an init is the load of index.js)
    const initOnce =
      'const initializedAt = Date.now(); let calls = 0; globalThis.inits = (globalThis.inits ?? 0) + 1;' +
      'exports.handler = async () => ({ pid: process.pid, initializedAt, calls: ++calls, inits: globalThis.inits });';
    await cloud.functions.createFunction(inlineFunction('prewarmed', initOnce));
    await cloud.functions.createFunction(inlineFunction('bad-init', 'throw new Error("init failed here");'));

    // Act
    const initialized = await cloud.functions.prewarm('prewarmed', 2);
    const again = await cloud.functions.prewarm('prewarmed', 2);
    const before = Date.now();
    const [one, two] = await Promise.all([
      cloud.functions.invoke('prewarmed', {}),
      cloud.functions.invoke('prewarmed', {}),
    ]);
    const failedInit = await cloud.functions.prewarm('bad-init');
    const reported = await cloud.functions.invoke('bad-init', {});
    const unknown = await cloud.functions.prewarm('no-such-function').catch((error: unknown) => error);

    // Assert: two containers initialized ahead, none more for the second call, both taken by the invocations
    expect([initialized, again]).toEqual([2, 0]);
    const bodies = [one, two].map(
      (r) => JSON.parse(r!.payload) as { pid: number; initializedAt: number; calls: number },
    );
    expect(new Set(bodies.map((b) => b.pid)).size).toBe(2);
    for (const body of bodies) {
      expect(body).toMatchObject({ calls: 1, inits: 1 });
      expect(body.initializedAt).toBeLessThanOrEqual(before);
    }
    expect(failedInit).toBe(0);
    expect(reported.functionError).toBe('Unhandled');
    expect(JSON.parse(reported.payload)).toMatchObject({ errorMessage: 'init failed here' });
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('a runtime crash fails that invocation and the next one gets a fresh container', async () => {
    // Arrange
    await probeFunction('crasher');

    // Act
    const crashed = await cloud.functions.invoke('crasher', { action: 'crash' });
    const next = JSON.parse((await cloud.functions.invoke('crasher', { action: 'count' })).payload) as {
      invocationsInThisContainer: number;
    };

    // Assert
    expect(crashed.functionError).toBe('Unhandled');
    expect(JSON.parse(crashed.payload)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'crashed outside the handler',
    });
    expect(next.invocationsInThisContainer).toBe(1);
  });

  // Lambda's sandbox kills a function past its MemorySize; the local Lambda reads a process's resident memory from
  // Linux's /proc (elsewhere it cannot, and enforces nothing).
  (existsSync('/proc/self/status') ? test : test.skip)(
    'a function past its MemorySize is killed while it holds the memory (Runtime.OutOfMemory), and REPORT says what it used',
    async () => {
      // Arrange: 128 MB, Lambda's default MemorySize.
      await probeFunction('hungry');

      // Act
      const within = await cloud.functions.invoke('hungry', { action: 'allocate', mb: 8 });
      const held = await cloud.functions.invoke('hungry', { action: 'allocate', mb: 160, ms: 2000 });
      const next = JSON.parse((await cloud.functions.invoke('hungry', { action: 'count' })).payload) as {
        invocationsInThisContainer: number;
      };
      // Answered at once: no sample may see it, the process's peak does.
      const spike = await cloud.functions.invoke('hungry', { action: 'allocate', mb: 160 });

      // Assert
      expect(within.functionError).toBeUndefined();
      const used = Number(/\tMax Memory Used: (\d+) MB\n/.exec(within.logs)?.[1]);
      expect(used).toBeGreaterThan(8);
      expect(used).toBeLessThan(128);
      for (const killed of [held, spike]) {
        expect(killed.functionError).toBe('Unhandled');
        expect(JSON.parse(killed.payload)).toEqual({
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `RequestId: ${killed.requestId} Error: Runtime exited with error: signal: killed`,
        });
        expect(Number(/\tMax Memory Used: (\d+) MB\n/.exec(killed.logs)?.[1])).toBeGreaterThan(128);
      }
      // Held for 2 s, it was killed while it held the memory, not when it answered.
      expect(held.logs).toContain('probe allocate');
      expect(held.logs).not.toContain('released');
      // The killed container is gone: the next invocation starts a fresh one.
      expect(next.invocationsInThisContainer).toBe(1);
    },
  );

  test('callback-style handlers and inline ZipFile source work', async () => {
    // Arrange
    await probeFunction('callback-style', { handler: 'src/handlers/probe.callbackHandler', timeoutSeconds: 3 });
    await cloud.functions.createFunction(
      inlineFunction(
        'inline',
        'exports.handler = async (event) => ({ shout: String(event.word).toUpperCase() + process.env.SUFFIX });',
        'index.handler',
        { SUFFIX: '!' },
      ),
    );

    // Act
    const callback = await invoke('callback-style', { value: 21 });
    const inline = await cloud.functions.invoke('inline', { word: 'deploy' });

    // Assert
    expect(callback.body).toEqual({ doubled: 42 });
    expect(inline.payload).toBe('{"shout":"DEPLOY!"}');
  });

  test('GetFunction, ListFunctions, and ResourceNotFoundException for an unknown function', async () => {
    // Arrange
    await probeFunction('listed-too');

    // Act
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'probe' }));
    const listed = await lambda.send(new ListFunctionsCommand({}));
    const missing = await lambda
      .send(new InvokeCommand({ FunctionName: 'no-such-function' }))
      .catch((error: unknown) => error);

    // Assert
    expect(fn.Configuration).toMatchObject({
      FunctionName: 'probe',
      FunctionArn: functionArn('probe'),
      Handler: 'src/handlers/probe.handler',
      Runtime: 'nodejs22.x',
      Timeout: 10,
      MemorySize: 256,
      State: 'Active',
    });
    expect(fn.Configuration?.Environment?.Variables?.GREETING).toBe('hello from the function environment');
    expect(listed.Functions?.map((f) => f.FunctionName)).toEqual(expect.arrayContaining(['probe', 'listed-too']));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as ResourceNotFoundException).message).toBe(
      `Function not found: ${functionArn('no-such-function')}`,
    );
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  test('bad definitions and missing code are refused with AWS errors naming the problem', async () => {
    // Act
    const duplicate = await probeFunction('probe', { timeoutSeconds: 3 }).catch((error: unknown) => error);
    const noCode = await cloud.functions
      .createFunction({
        functionName: 'no-code',
        handler: 'index.handler',
        runtime: 'nodejs22.x',
        timeoutSeconds: 3,
        environment: {},
        code: { s3Bucket: 'deployment-bucket', s3Key: 'missing.zip' },
      })
      .catch((error: unknown) => error);
    const badTimeout = await cloud.functions
      .createFunction({ ...inlineFunction('bad-timeout', ''), timeoutSeconds: 0 })
      .catch((error: unknown) => error);
    const ghost = await cloud.functions.updateFunction(inlineFunction('ghost', '')).catch((error: unknown) => error);
    const reserved = await cloud.functions
      .createFunction(
        inlineFunction('reserved', '', 'index.handler', { AWS_REGION: 'eu-west-1', STAGE: 'x', TZ: 'UTC' }),
      )
      .catch((error: unknown) => error);
    // {"BIG":"…"}: 10 bytes of JSON around the value.
    const fourKb = (name: string, bytes: number) =>
      cloud.functions
        .createFunction(inlineFunction(name, '', 'index.handler', { BIG: 'x'.repeat(bytes - 10) }))
        .catch((error: unknown) => error);
    const atLimit = await fourKb('env-4096', 4096);
    const overLimit = await fourKb('env-4097', 4097);
    const tooLittle = await cloud.functions
      .createFunction({ ...inlineFunction('tiny', ''), memorySize: 64 })
      .catch((error: unknown) => error);

    // Assert
    expect(duplicate).toMatchObject({ name: 'ResourceConflictException', message: 'Function already exist: probe' });
    expect(noCode).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('NoSuchKey'),
    });
    expect(badTimeout).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('Timeout 0'),
    });
    expect(ghost).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    // Lambda sets these itself (TZ may be set), and takes at most 4 KB of variables, measured as their JSON.
    expect(reserved).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/contains reserved keys .* Reserved keys used in this request: AWS_REGION$/),
    });
    expect(atLimit).toEqual({ functionArn: functionArn('env-4096') });
    expect(overLimit).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('exceeded the 4KB limit. String measured: {"BIG":"xxx'),
    });
    expect(tooLittle).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    });
  });

  test("a package past Lambda's unzipped limit, a damaged one and one escaping its folder are refused, naming why", async () => {
    // Arrange: 250 MiB + 1 of zeros in ~256 KB (the limit is 262,144,000 bytes), honest about its size, then lying
    // about it (it claims 100 bytes: only inflating finds out, and that stops at the limit).
    const fromS3 = async (functionName: string, zip: Uint8Array) => {
      await cloud.objects.putObject('deployment-bucket', `bad/${functionName}.zip`, zip);
      return cloud.functions
        .createFunction({
          functionName,
          handler: 'index.handler',
          runtime: 'nodejs22.x',
          timeoutSeconds: 3,
          environment: {},
          code: { s3Bucket: 'deployment-bucket', s3Key: `bad/${functionName}.zip` },
        })
        .catch((error: unknown) => error);
    };
    const entry = textEntry('index.js', 'exports.handler = async () => 1;', 0);

    // Act
    const bomb = await fromS3('bomb', rawZip([zerosEntry('index.js', 251)]));
    const liar = await fromS3('liar', rawZip([zerosEntry('index.js', 251, 100)]));
    const damaged = await fromS3('damaged', rawZip([{ ...entry, data: new TextEncoder().encode('exports.x = 2;') }]));
    const escaping = await fromS3('escaping', rawZip([{ ...entry, name: '../../outside.js' }]));

    // Assert
    const tooLarge = {
      name: 'InvalidParameterValueException',
      message: 'Unzipped size must be smaller than 262144000 bytes',
    };
    expect(bomb).toMatchObject(tooLarge);
    expect(liar).toMatchObject(tooLarge);
    expect(damaged).toMatchObject({
      name: 'InvalidParameterValueException',
      message:
        'Could not unzip uploaded file of damaged: the package of damaged is not a readable zip: "index.js" fails its size or CRC-32 check (corrupt or altered)',
    });
    expect(escaping).toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'The deployment package of escaping has an unsafe entry path "../../outside.js"',
    });
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName)).not.toEqual(
      expect.arrayContaining(['bomb']),
    );
  });

  test('a handler that is not exported is Runtime.HandlerNotFound; updateFunction takes effect on the next invoke', async () => {
    // Arrange
    await cloud.functions.createFunction(inlineFunction('versioned', 'exports.handler = async () => "v1";'));
    await cloud.functions.updateFunction(
      inlineFunction('versioned', 'exports.handler = async () => "v2";', 'index.missing'),
    );

    // Act
    const broken = await cloud.functions.invoke('versioned', {});
    await cloud.functions.updateFunction(inlineFunction('versioned', 'exports.handler = async () => "v2";'));
    const fixed = await cloud.functions.invoke('versioned', {});
    await cloud.functions.deleteFunction('versioned');
    const deleted = await cloud.functions.invoke('versioned', {}).catch((error: unknown) => error);

    // Assert
    expect(broken.functionError).toBe('Unhandled');
    expect(JSON.parse(broken.payload)).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.missing is undefined or not exported',
    });
    expect(fixed.payload).toBe('"v2"');
    expect(deleted).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
