import {
  ConfigurationError,
  DEPLOY_OUTCOMES,
  DeployResultSchema,
  deployRuleViolations,
  VerdictSummarySchema,
} from '@glue-cd/core';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SDK_DEADLINES } from '../src/clients';
import { ThrottlingError, TransientAwsError, toTaskError } from '@glue-cd/core';
import { taskHandlers } from '../src/handlers';
import { createLogger, logger } from '../src/logger';
import { redactText } from '@glue-cd/lambda-edge';
import { readSettings } from '../src/settings';
import { validateInput } from '../src/tasks/validate-input';
import { loadDeployDefinition } from './support/asl';
import { appTemplate, deployInput, STACK } from './support/fixtures';
import { OrchestratorCloud } from './support/local-cloud';

logger.setLogLevel('SILENT');

// The local cloud the handlers that call AWS run against (started once, for the tests that need it).
let cloud: OrchestratorCloud | undefined;
const localCloud = async (): Promise<OrchestratorCloud> => {
  cloud ??= await OrchestratorCloud.start();
  await cloud.reset();
  return cloud;
};
afterAll(() => cloud?.close());

describe('validateInput', () => {
  it('returns the parsed input and execution name as the DeployState', () => {
    expect(validateInput({ input: deployInput(), executionName: 'e1' }, {})).toMatchObject({
      executionName: 'e1',
      input: { stackName: STACK, action: 'deploy', onUnsafeChange: 'fail', onRollbackComplete: 'delete-and-recreate' },
    });
  });

  const rules = { stackNamePrefix: 'glue-cd-', protectedEnvironments: ['prod'] };
  const validate = (input: Record<string, unknown>, settings = rules) =>
    validateInput({ input, executionName: 'e1' }, settings);

  it('resolves protection and the broadening policy from the environment', () => {
    expect(validate(deployInput())).toMatchObject({ protected: false, input: { onBroadening: 'allow' } });
    const prod = validate(deployInput({ environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod' }));
    expect(prod).toMatchObject({ protected: true, input: { onBroadening: 'fail' } });
    const staging = validate(deployInput({ environmentName: 'staging', stackName: 'glue-cd-glue-etl-staging' }), {
      ...rules,
      protectedEnvironments: ['prod', 'staging'],
    });
    expect(staging.protected).toBe(true);
  });

  it.each([
    [
      'delete in a protected environment',
      { environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'delete', template: undefined },
      'no-delete-in-protected-environment',
    ],
    [
      'a stack of another environment',
      { environmentName: 'test', stackName: 'glue-cd-glue-etl-prod' },
      'stack-belongs-to-environment',
    ],
    [
      'the orchestrator stack',
      { environmentName: 'prod', stackName: 'glue-cd-deploy-orchestrator-prod' },
      'delivery-system-stack',
    ],
    ['the pipeline stack', { environmentName: 'test', stackName: 'glue-cd-pipeline-test' }, 'delivery-system-stack'],
    [
      'onBroadening allow in a protected environment',
      { environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', onBroadening: 'allow' },
      'no-unchecked-broadening-in-protected-environment',
    ],
  ])('refuses %s, naming the rule', (_case, overrides, rule) => {
    expect(() => validate(deployInput(overrides))).toThrow(ConfigurationError);
    expect(() => validate(deployInput(overrides))).toThrow(`[${rule}]`);
  });

  it('accepts the live-test cleanup: delete of the test stack by environment test', () => {
    expect(
      validate({ environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'delete' }).input.action,
    ).toBe('delete');
  });

  it('refuses an environment without a CloudFormation service role when roles are configured', () => {
    expect(() =>
      validate(deployInput(), {
        ...rules,
        cloudFormationRoleArns: { prod: 'arn:aws:iam::123456789012:role/p' },
      } as never),
    ).toThrow('no CloudFormation service role for environment test');
  });

  it('refuses stacks outside the managed prefix', () => {
    expect(() =>
      validateInput(
        { input: deployInput({ stackName: 'payments-prod' }), executionName: 'e1' },
        { stackNamePrefix: 'glue-cd-' },
      ),
    ).toThrow(
      '[managed-stack-prefix] DeployInput.stackName: payments-prod is not a stack this orchestrator may manage (names must start with glue-cd-)',
    );
  });

  it('names every bad field', () => {
    expect(() =>
      validateInput(
        { input: deployInput({ environmentName: 'Prod', onUnsafeChange: 'ignore' }), executionName: 'e1' },
        {},
      ),
    ).toThrow(/^DeployInput.environmentName: .*; DeployInput.onUnsafeChange: /);
  });
});

describe("the repository's deploy inputs", () => {
  const deployDir = path.resolve(__dirname, '../../../deploy');
  it.each(readdirSync(deployDir).filter((file) => file.endsWith('.json')))(
    'deploy/%s passes the deploy rules',
    (file) => {
      const input = JSON.parse(readFileSync(path.join(deployDir, file), 'utf8')) as Record<string, string>;
      expect(
        deployRuleViolations(
          { environmentName: input.environmentName!, stackName: input.stackName!, action: input.action ?? 'deploy' },
          { protectedEnvironments: ['prod'], stackNamePrefix: 'glue-cd-' },
        ),
      ).toEqual([]);
    },
  );
});

describe('readSettings', () => {
  it('reads the environment and rejects a malformed role ARN', () => {
    expect(
      readSettings({
        AWS_REGION: 'eu-west-1',
        TEMPLATE_STAGING_BUCKET: 'b',
        CLOUDFORMATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/cfn',
        CLOUDFORMATION_ROLE_ARNS: '{"prod":"arn:aws:iam::123456789012:role/cfn-prod"}',
        STACK_NAME_PREFIX: 'glue-cd-',
        PROTECTED_ENVIRONMENTS: 'prod, staging',
      }),
    ).toEqual({
      region: 'eu-west-1',
      templateStagingBucket: 'b',
      cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/cfn',
      cloudFormationRoleArns: { prod: 'arn:aws:iam::123456789012:role/cfn-prod' },
      stackNamePrefix: 'glue-cd-',
      protectedEnvironments: ['prod', 'staging'],
    });
    expect(readSettings({})).toEqual({ region: 'us-east-1', protectedEnvironments: ['prod'] });
    expect(() => readSettings({ CLOUDFORMATION_ROLE_ARN: 'cfn-role' })).toThrow(
      'CLOUDFORMATION_ROLE_ARN: must be an IAM role ARN, got cfn-role',
    );
  });

  it.each([
    [{ CLOUDFORMATION_ROLE_ARNS: 'prod=arn' }, 'CLOUDFORMATION_ROLE_ARNS: not JSON'],
    [{ CLOUDFORMATION_ROLE_ARNS: '["arn"]' }, 'CLOUDFORMATION_ROLE_ARNS: must be a JSON object'],
    [{ CLOUDFORMATION_ROLE_ARNS: '{"prod":"role"}' }, 'CLOUDFORMATION_ROLE_ARNS.prod: must be an IAM role ARN'],
    [{ PROTECTED_ENVIRONMENTS: 'Prod' }, 'PROTECTED_ENVIRONMENTS: Prod is not an environment name'],
  ])('names the bad variable in %p', (env, message) => {
    expect(() => readSettings(env)).toThrow(message);
  });
});

describe('logging', () => {
  it('never writes credentials, even from an SDK error that carries them', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const errorLines = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const sdkError = Object.assign(
        new Error('The request signature we calculated does not match the signature you provided.'),
        {
          name: 'SignatureDoesNotMatch',
          AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          StringToSign: 'AWS4-HMAC-SHA256\n20260101T000000Z\nsigned-secret-material',
          SignatureProvided: 'a1b2c3d4e5',
          $metadata: { httpStatusCode: 403, requestId: 'req-1' },
          $response: { headers: { 'x-amz-security-token': 'FwoGZXIvYXdzEXAMPLESESSION' } },
        },
      );
      const log = createLogger();
      log.setLogLevel('INFO');
      log.error('task failed', {
        error: sdkError,
        credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI', sessionToken: 'FwoG' },
        secret: { SecretString: 'hunter2' },
        note: 'retrying with AKIAIOSFODNN7EXAMPLE',
      });
    } finally {
      write.mockRestore();
      errorLines.mockRestore();
    }
    const output = lines.join('');
    expect(output).toContain('task failed');
    expect(output).toContain('SignatureDoesNotMatch');
    for (const secret of [
      'AKIAIOSFODNN7EXAMPLE',
      'signed-secret-material',
      'a1b2c3d4e5',
      'FwoGZXIvYXdzEXAMPLESESSION',
      'wJalrXUtnFEMI',
      'hunter2',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[REDACTED]');
  });

  it('masks credentials inside error messages a task fails with', () => {
    expect(redactText('Credential=AKIAIOSFODNN7EXAMPLE/20260101 X-Amz-Security-Token=FwoGabc&x=1')).toBe(
      'Credential=AKIA****************/20260101 X-Amz-Security-Token=[REDACTED]&x=1',
    );
  });
});

describe('toTaskError', () => {
  it.each(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'SlowDown'])(
    'turns %s into the retriable ThrottlingError',
    (name) => {
      const mapped = toTaskError(Object.assign(new Error('Rate exceeded'), { name }), 'checkStack');
      expect(mapped).toBeInstanceOf(ThrottlingError);
      expect((mapped as Error).message).toBe(`checkStack: AWS throttled the request (${name}: Rate exceeded)`);
    },
  );

  it('turns a 5xx the SDK gave up on, or a dropped connection, into the retriable TransientAwsError', () => {
    const serverError = Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

    const mapped = [toTaskError(serverError, 'pollChangeSet'), toTaskError(reset, 'createStack')];

    expect(mapped.map((error) => (error as Error).message)).toEqual([
      'pollChangeSet: AWS failed the request (ServiceUnavailable: Service Unavailable)',
      'createStack: the connection failed (Error: socket hang up)',
    ]);
    expect(mapped.every((error) => error instanceof TransientAwsError)).toBe(true);
  });

  it('leaves other errors alone (a 4xx the caller must fix)', () => {
    const error = new ConfigurationError('x');
    const validation = Object.assign(new Error('bad'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(toTaskError(error, 't')).toBe(error);
    expect(toTaskError(validation, 't')).toBe(validation);
  });
});

describe('task handlers', () => {
  it('throws a throttled call as ThrottlingError, so the state retries it', async () => {
    const local = await localCloud();
    // Throttled on every attempt the SDK client makes.
    local.inject([
      {
        service: 'cloudformation',
        operation: 'DescribeStacks',
        times: SDK_DEADLINES.maxAttempts,
        action: { kind: 'error', code: 'Throttling', status: 400, message: 'Rate exceeded' },
      },
    ]);
    const input = validateInput({ input: deployInput(), executionName: 'e' }, {}).input;
    await expect(taskHandlers.checkStack({ input, busyChecks: 0 })).rejects.toMatchObject({ name: 'ThrottlingError' });
    expect(local.faults.injected()).toHaveLength(SDK_DEADLINES.maxAttempts);
  });

  it('keeps the named error of the task (its class name is the Step Functions Error)', async () => {
    await expect(taskHandlers.validateInput({ input: {}, executionName: 'e' })).rejects.toMatchObject({
      name: 'ConfigurationError',
    });
  });
});

describe('example events', () => {
  const eventsDir = path.resolve(__dirname, '../events');
  // serverless.yml takes its functions from the task table (tasks.js).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const functions = (require('../tasks.js') as { TASK_NAMES: string[] }).TASK_NAMES;

  // events/<function>.json, plus events/<function>.<case>.json for cases worth trying (refusals).
  const eventFiles = readdirSync(eventsDir).filter((file) => file.endsWith('.json'));

  it('exist for every function of the task table, and every function has a handler', () => {
    const events = eventFiles.map((file) => file.split('.')[0]);
    expect(new Set(events)).toEqual(new Set(functions));
    expect(new Set(Object.keys(taskHandlers))).toEqual(new Set(functions));
  });

  // What each Task state of deploy.asl.yaml sends its function: the Parameters, keys without `.$`.
  const { definition, functionOfState } = loadDeployDefinition();
  const sentBy = (fn: string) =>
    Object.entries(functionOfState)
      .filter(([, f]) => f === fn)
      .map(([state]) => ({ state, parameters: definition.States[state]?.Parameters as Record<string, unknown> }));
  const keysOf = (parameters: Record<string, unknown>) => Object.keys(parameters).map((k) => k.replace(/\.\$$/, ''));
  const readEvent = (file: string) =>
    JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8')) as Record<string, unknown>;
  /** The DeployInput as ValidateInput leaves it in the state (defaults resolved) for the example's environment. */
  const resolved = (input: unknown) =>
    validateInput({ input, executionName: 'e' }, { protectedEnvironments: ['prod'] }).input;

  it.each(functions)('%s.json is what deploy.asl.yaml sends that task, each part valid', (fn) => {
    const event = readEvent(`${fn}.json`);
    // Same keys as one of the states that call it, and the same constant values (e.g. outcome: deleted).
    const senders = sentBy(fn).filter(
      ({ parameters }) =>
        new Set(keysOf(parameters)).size === Object.keys(event).length &&
        keysOf(parameters).every((key) => key in event) &&
        Object.entries(parameters).every(
          ([key, value]) => key.endsWith('.$') || typeof value === 'object' || event[key] === value,
        ),
    );
    expect(senders.map((s) => s.state)).not.toEqual([]);
    const { input, changeSet, deploy, operation, outcome } = event as {
      input?: { stackName?: string; environmentName?: string };
      changeSet?: { verdict?: unknown; stackName: string; changeSetType: string };
      deploy?: { input: unknown; changeSet?: { verdict?: unknown } };
      operation?: { startedAt: string };
      outcome?: string;
    };
    if (fn === 'validateInput') expect(() => resolved(input)).not.toThrow();
    // After ValidateInput the state holds the resolved input: the example must be exactly that.
    else if (input?.stackName !== undefined) expect(input).toEqual(resolved(input));
    else if (input !== undefined) expect(input).toEqual({ environmentName: 'test' });
    if (deploy !== undefined) {
      expect(deploy.input).toEqual(resolved(deploy.input));
      expect(DEPLOY_OUTCOMES).toContain(outcome);
      if (deploy.changeSet?.verdict !== undefined) VerdictSummarySchema.parse(deploy.changeSet.verdict);
    }
    if (changeSet?.verdict !== undefined) VerdictSummarySchema.parse(changeSet.verdict);
    if (changeSet !== undefined) expect(['CREATE', 'UPDATE']).toContain(changeSet.changeSetType);
    if (operation !== undefined) expect(new Date(operation.startedAt).toISOString()).toBe(operation.startedAt);
  });

  it('refuseChangeSet.json is refused with its verdict; finish.json yields a valid DeployResult', async () => {
    const local = await localCloud();
    const refuse = readEvent('refuseChangeSet.json') as { changeSet: { verdict: { violations: unknown[] } } };
    await expect(taskHandlers.refuseChangeSet(refuse as never)).rejects.toMatchObject({
      name: 'UnsafeChangeSetError',
      message: expect.stringContaining('RESOURCES-BEING-DELETED-OR-REPLACED'),
    });
    const finishEvent = readEvent('finish.json') as { deploy: { operation: { stackName: string; stackId: string } } };
    const stack = await local.givenStack(finishEvent.deploy.operation.stackName, appTemplate(), {
      status: 'UPDATE_COMPLETE',
    });
    // The example's stack, as this cloud named it.
    finishEvent.deploy.operation.stackId = stack.StackId!;
    const result = await taskHandlers.finish(finishEvent as never);
    expect(DeployResultSchema.parse(result)).toMatchObject({
      outcome: 'updated',
      stackId: stack.StackId,
      outputs: { DataBucketName: `${STACK}-data` },
      changeSetName: expect.any(String),
    });
  });

  it.each([
    ['validateInput.prod-delete.json', 'no-delete-in-protected-environment'],
    ['validateInput.wrong-environment.json', 'stack-belongs-to-environment'],
    ['validateInput.delivery-stack.json', 'delivery-system-stack'],
  ])('%s is refused by rule %s', (file, rule) => {
    const event = JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8')) as { input: unknown };
    expect(() => validateInput({ input: event.input, executionName: 'e' }, { stackNamePrefix: 'glue-cd-' })).toThrow(
      `[${rule}]`,
    );
  });

  it.each(['validateInput.test-cleanup.json', 'validateInput.prod-plan.json'])('%s is accepted', (file) => {
    const event = JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8')) as { input: unknown };
    expect(() =>
      validateInput({ input: event.input, executionName: 'e' }, { stackNamePrefix: 'glue-cd-' }),
    ).not.toThrow();
  });
});
