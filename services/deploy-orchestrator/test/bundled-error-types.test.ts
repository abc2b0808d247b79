// The errorType a failed task reports is what the state machine's Retry/Catch match on; bundles are minified as the
// services' are (config/serverless.common.yml, keepNames off), so no class name may decide it. A bundled task handler
// fails in the local Lambda runtime (what Lambda's Node runtime does: errorType = error.name) with each error the ASL
// names, thrown by the task or mapped from the SDK's own errors, off a local HTTP endpoint.
import { NAMED_ERRORS } from '@glue-cd/core';
import { BOOTSTRAP } from '@glue-cd/local-cloud/src/lambda/container';
import { fork, type ChildProcess } from 'node:child_process';
import { build, type Plugin } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../../scripts/spec-table';
import { loadDeployDefinition } from './support/asl';
import { bundleAsServices, SERVICE_DIR, serviceCodeOptions } from './support/bundle';

/** A CloudFormation (awsQuery) error answer. */
const queryError = (status: number, code: string) => ({
  status,
  body: `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${code} from the test endpoint</Message></Error><RequestId>test</RequestId></ErrorResponse>`,
});

/** What CloudFormation answers, by the stack name asked about. */
const ANSWERS: Record<string, { status: number; body: string }> = {
  throttled: queryError(400, 'Throttling'),
  unavailable: queryError(503, 'ServiceUnavailable'),
  invalid: queryError(400, 'ValidationError'),
};

/** Every error name a Retry or Catch of the deploy state machine lists, beside the States.* and Lambda.* ones. */
const aslErrorNames = (): string[] => {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'ErrorEquals' && Array.isArray(child)) child.forEach((name) => names.add(String(name)));
        else visit(child);
      }
    }
  };
  visit(loadDeployDefinition().definition);
  return [...names].filter((name) => !/^(States|Lambda|Sandbox|Runtime)\./.test(name)).sort();
};

describe('error types of a bundled task handler', () => {
  let dir: string;
  let server: Server;
  let child: ChildProcess;
  let requests = 0;
  const answers = new Map<string, (message: { ok: boolean; payload: string }) => void>();

  beforeAll(async () => {
    const source = [
      "import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';",
      `import { NAMED_ERRORS } from ${JSON.stringify(path.join(REPO_ROOT, 'packages/core/src'))};`,
      `import { cloudFormationClient } from ${JSON.stringify(path.join(SERVICE_DIR, 'src/clients'))};`,
      `import { taskHandler } from ${JSON.stringify(path.join(SERVICE_DIR, 'src/handlers/task-handler'))};`,
      'export const handler = taskHandler(',
      "  'errors',",
      '  () => ({}),',
      '  async (event: { throw?: string; stackName?: string }) => {',
      '    const named = NAMED_ERRORS.find((error) => error.policy.code === event.throw);',
      "    if (named) throw new named('thrown by the task');",
      '    if (event.stackName) await cloudFormationClient().send(new DescribeStacksCommand({ StackName: event.stackName }));',
      '    return { logger: cloudFormationClient().config.logger.constructor.name };',
      '  },',
      ');',
      'export { NAMED_ERRORS };',
    ].join('\n');
    dir = await bundleAsServices(source, { prefix: 'glue-cd-error-types-', options: serviceCodeOptions() });
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        requests += 1;
        const answer = ANSWERS[new URLSearchParams(body).get('StackName') ?? ''] ?? queryError(400, 'Unexpected');
        response.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    child = fork(BOOTSTRAP, [], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
    });
    child.on('message', (message: { requestId?: string; ok: boolean; payload: string }) => {
      if (message.requestId) answers.get(message.requestId)?.(message);
    });
  });

  afterAll(async () => {
    child?.kill();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  let invocations = 0;
  /** Invokes the bundle's handler as the local Lambda runtime does; the payload Lambda would report. */
  const invoke = (event: unknown): Promise<{ ok: boolean; payload: { errorType?: string; logger?: string } }> => {
    invocations += 1;
    const requestId = `request-${invocations}`;
    return new Promise((resolve) => {
      answers.set(requestId, (message) => resolve({ ok: message.ok, payload: JSON.parse(message.payload) as never }));
      child.send({
        requestId,
        taskRoot: dir,
        handler: 'bundle.handler',
        eventJson: JSON.stringify(event),
        context: { awsRequestId: requestId, functionName: 'errors' },
        deadlineMs: Date.now() + 30_000,
      });
    });
  };

  it('is built minified without keepNames, as the services are', () => {
    expect(serviceCodeOptions()).toEqual({ minify: true, keepNames: false });
  });

  it('names each error class by its code, the errorType `sls invoke local` reports (the class name)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(path.join(dir, 'bundle.js')) as { NAMED_ERRORS: typeof NAMED_ERRORS };
    expect(bundled.NAMED_ERRORS.map((error) => error.name)).toEqual(NAMED_ERRORS.map((error) => error.policy.code));
  });

  it('lists only names of our errors in the state machine, each a named error', () => {
    const codes = NAMED_ERRORS.map((error) => error.policy.code);
    expect(aslErrorNames()).toEqual(
      expect.arrayContaining(['BucketsNotEmptyYetError', 'StackCreatedMeanwhileError', 'ThrottlingError']),
    );
    expect(aslErrorNames().filter((name) => !codes.includes(name))).toEqual([]);
  });

  it.each(NAMED_ERRORS.map((error) => error.policy.code))('reports a thrown %s as its errorType', async (code) => {
    await expect(invoke({ throw: code })).resolves.toMatchObject({ ok: false, payload: { errorType: code } });
  });

  it('reports the SDK errors the states retry as ThrottlingError and TransientAwsError, others by their AWS name', async () => {
    await expect(invoke({ stackName: 'throttled' })).resolves.toMatchObject({
      ok: false,
      payload: { errorType: 'ThrottlingError' },
    });
    await expect(invoke({ stackName: 'unavailable' })).resolves.toMatchObject({
      ok: false,
      payload: { errorType: 'TransientAwsError' },
    });
    const before = requests;
    await expect(invoke({ stackName: 'invalid' })).resolves.toMatchObject({
      ok: false,
      payload: { errorType: 'ValidationError' },
    });
    expect(requests - before).toBe(1);
  });

  it("keeps the name of the SDK's default logger, which the SDK recognises it by", async () => {
    await expect(invoke({})).resolves.toEqual({ ok: true, payload: { logger: 'NoOpLogger' } });
  });
});

describe("the build step that keeps NoOpLogger's name", () => {
  it('fails the build when @smithy/core no longer declares the class as it expects', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'glue-cd-no-op-logger-'));
    try {
      const module = path.join(root, 'node_modules/@smithy/core/dist-es/submodules/client/smithy-client/NoOpLogger.js');
      mkdirSync(path.dirname(module), { recursive: true });
      writeFileSync(module, 'export const NoOpLogger = class { warn() {} };\n');
      writeFileSync(path.join(root, 'entry.js'), `export { NoOpLogger } from ${JSON.stringify(module)};\n`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const plugins = require(path.join(REPO_ROOT, 'config/esbuild-plugins.cjs')) as Plugin[];
      const keep = plugins.find((plugin) => plugin.name === 'keep-no-op-logger-name');
      expect(keep).toBeDefined();
      await expect(
        build({
          entryPoints: [path.join(root, 'entry.js')],
          bundle: true,
          write: false,
          logLevel: 'silent',
          plugins: [keep!],
        }),
      ).rejects.toThrow(/no longer declares "export class NoOpLogger \{": its name is not kept/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
