import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '@glue-cd/core';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { useAwsClients } from '../src/clients';
import { ThrottlingError, toTaskError } from '../src/errors';
import { taskHandlers } from '../src/handlers';
import { logger } from '../src/logger';
import { readSettings } from '../src/settings';
import { validateInput } from '../src/tasks/validate-input';
import { deployInput, STACK } from './support/fixtures';

logger.setLogLevel('SILENT');

describe('validateInput', () => {
  it('returns the parsed input and execution name as the DeployState', () => {
    expect(validateInput({ input: deployInput(), executionName: 'e1' }, {})).toMatchObject({
      executionName: 'e1',
      input: { stackName: STACK, action: 'deploy', onUnsafeChange: 'fail', onRollbackComplete: 'delete-and-recreate' },
    });
  });

  it('refuses stacks outside the managed prefix', () => {
    expect(() =>
      validateInput(
        { input: deployInput({ stackName: 'payments-prod' }), executionName: 'e1' },
        { stackNamePrefix: 'glue-cd-' },
      ),
    ).toThrow(
      new ConfigurationError(
        'DeployInput.stackName: payments-prod is not a stack this orchestrator may manage (names must start with glue-cd-)',
      ),
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

describe('readSettings', () => {
  it('reads the environment and rejects a malformed role ARN', () => {
    expect(
      readSettings({
        AWS_REGION: 'eu-west-1',
        TEMPLATE_STAGING_BUCKET: 'b',
        CLOUDFORMATION_ROLE_ARN: 'arn:aws:iam::123456789012:role/cfn',
        STACK_NAME_PREFIX: 'glue-cd-',
      }),
    ).toEqual({
      region: 'eu-west-1',
      templateStagingBucket: 'b',
      cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/cfn',
      stackNamePrefix: 'glue-cd-',
    });
    expect(readSettings({})).toEqual({ region: 'us-east-1' });
    expect(() => readSettings({ CLOUDFORMATION_ROLE_ARN: 'cfn-role' })).toThrow(
      'CLOUDFORMATION_ROLE_ARN: must be an IAM role ARN, got cfn-role',
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

  it('leaves other errors alone', () => {
    const error = new ConfigurationError('x');
    expect(toTaskError(error, 't')).toBe(error);
  });
});

describe('task handlers', () => {
  const cfnMock = mockClient(CloudFormationClient);
  beforeAll(() =>
    useAwsClients({
      cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
    }),
  );
  afterAll(() => cfnMock.restore());

  it('throws a throttled call as ThrottlingError, so the state retries it', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const input = validateInput({ input: deployInput(), executionName: 'e' }, {}).input;
    await expect(taskHandlers.checkStack({ input, busyChecks: 0 })).rejects.toMatchObject({ name: 'ThrottlingError' });
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

  it('exist for every function of the task table, and every function has a handler', () => {
    const events = readdirSync(eventsDir).map((file) => file.replace(/\.json$/, ''));
    expect(new Set(events)).toEqual(new Set(functions));
    expect(new Set(Object.keys(taskHandlers))).toEqual(new Set(functions));
  });

  it.each(['validateInput', 'checkStack', 'createStack', 'pollChangeSet', 'finish'])(
    '%s.json is valid for its task',
    (fn) => {
      const event = JSON.parse(readFileSync(path.join(eventsDir, `${fn}.json`), 'utf8')) as { input?: unknown };
      const input = 'input' in event ? event.input : (event as { deploy: { input: unknown } }).deploy.input;
      expect(() => validateInput({ input, executionName: 'e' }, {})).not.toThrow();
    },
  );
});
