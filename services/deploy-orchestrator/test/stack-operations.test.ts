import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateTerminationProtectionCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { parseDeployInput, protectedStackPolicyBody, StackBusyError, StackOperationFailedError } from '@glue-cd/core';
import { mockClient } from 'aws-sdk-client-mock';
import { BUSY_STACK_POLLING, STACK_OPERATION_POLLING, waitSecondsAfter } from '../src/polling';
import type { StackOperationState } from '../src/state';
import { checkStack, routeFor } from '../src/tasks/check-stack';
import {
  blueGreenStackName,
  createStack,
  deleteStack,
  pollStackOperation,
  requestToken,
} from '../src/tasks/stack-operations';
import { deployInput, STACK } from './support/fixtures';

const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'us-east-1' });
beforeEach(() => cfnMock.reset());

const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1`;
const input = parseDeployInput(deployInput());

describe('routeFor', () => {
  const del = parseDeployInput(deployInput({ action: 'delete' }));
  const keep = parseDeployInput(deployInput({ onRollbackComplete: 'fail' }));
  const plan = parseDeployInput(deployInput({ action: 'plan' }));
  it.each([
    ['no stack, deploy', input, undefined, 'create'],
    ['no stack, delete', del, undefined, 'already-deleted'],
    ['no stack, plan', plan, undefined, 'plan'],
    ['REVIEW_IN_PROGRESS (a create change set only), deploy', input, 'REVIEW_IN_PROGRESS', 'recreate'],
    ['REVIEW_IN_PROGRESS, delete', del, 'REVIEW_IN_PROGRESS', 'delete'],
    ['REVIEW_IN_PROGRESS, plan', plan, 'REVIEW_IN_PROGRESS', 'plan'],
    ['UPDATE_COMPLETE, plan', plan, 'UPDATE_COMPLETE', 'plan'],
    ['CREATE_COMPLETE, deploy', input, 'CREATE_COMPLETE', 'update'],
    ['UPDATE_ROLLBACK_COMPLETE, deploy', input, 'UPDATE_ROLLBACK_COMPLETE', 'update'],
    ['UPDATE_COMPLETE, delete', del, 'UPDATE_COMPLETE', 'delete'],
    ['ROLLBACK_COMPLETE, deploy', input, 'ROLLBACK_COMPLETE', 'recreate'],
    ['ROLLBACK_COMPLETE, delete', del, 'ROLLBACK_COMPLETE', 'delete'],
    ['UPDATE_IN_PROGRESS', input, 'UPDATE_IN_PROGRESS', 'wait'],
    ['DELETE_IN_PROGRESS, delete', del, 'DELETE_IN_PROGRESS', 'wait'],
  ] as const)('%s → %s', (_case, deploy, status, route) => {
    expect(routeFor(deploy, status === undefined ? {} : { status }, 0)).toBe(route);
  });

  it('refuses a ROLLBACK_COMPLETE stack when onRollbackComplete is fail', () => {
    expect(() => routeFor(keep, { status: 'ROLLBACK_COMPLETE' }, 0)).toThrow(StackOperationFailedError);
  });

  it('cannot plan a ROLLBACK_COMPLETE stack, and says what a deploy would do', () => {
    expect(() => routeFor(plan, { status: 'ROLLBACK_COMPLETE' }, 0)).toThrow(
      /CloudFormation makes no change set for it; a deploy deletes and recreates it/,
    );
  });

  it.each(['UPDATE_ROLLBACK_FAILED', 'DELETE_FAILED', 'ROLLBACK_FAILED', 'UPDATE_FAILED'])(
    'needs a person for %s',
    (status) => {
      expect(() => routeFor(input, { status, statusReason: 'why' }, 0)).toThrow(
        new StackBusyError(
          `stack ${STACK} is ${status} (why): it needs a person (e.g. continue-update-rollback or a manual delete) before glue-cd can deploy it`,
        ),
      );
    },
  );

  it('stops waiting for a busy stack at the bound', () => {
    expect(routeFor(input, { status: 'UPDATE_IN_PROGRESS' }, BUSY_STACK_POLLING.maxPolls - 2)).toBe('wait');
    expect(() => routeFor(input, { status: 'UPDATE_IN_PROGRESS' }, BUSY_STACK_POLLING.maxPolls - 1)).toThrow(
      StackBusyError,
    );
  });
});

describe('checkStack', () => {
  it('counts busy checks and backs off', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }],
    });
    expect(await checkStack(cfn, { input, busyChecks: 2 })).toEqual({
      stackName: STACK,
      route: 'wait',
      status: 'UPDATE_IN_PROGRESS',
      stackId: STACK_ID,
      busyChecks: 3,
      waitSeconds: waitSecondsAfter(2, BUSY_STACK_POLLING),
    });
  });

  it.each([
    ['REVIEW_IN_PROGRESS', input, { route: 'recreate', createOutcome: 'created' }],
    ['ROLLBACK_COMPLETE', input, { route: 'recreate', createOutcome: 'recreated' }],
    [
      'REVIEW_IN_PROGRESS',
      parseDeployInput(deployInput({ action: 'plan' })),
      { route: 'plan', changeSetType: 'CREATE' },
    ],
    ['UPDATE_COMPLETE', parseDeployInput(deployInput({ action: 'plan' })), { route: 'plan', changeSetType: 'UPDATE' }],
  ] as const)('%s (%s) routes with what the next states need', async (StackStatus, deploy, expected) => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus, CreationTime: new Date() }],
    });
    expect(await checkStack(cfn, { input: deploy, busyChecks: 0 })).toMatchObject(expected);
  });

  it('treats "does not exist" as no stack, and rethrows other errors', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' }));
    expect(await checkStack(cfn, { input, busyChecks: 0 })).toMatchObject({ route: 'create', busyChecks: 0 });
    cfnMock.on(DescribeStacksCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(checkStack(cfn, { input, busyChecks: 0 })).rejects.toThrow('denied');
  });
});

describe('createStack', () => {
  it('passes the template, parameters, capabilities, tags and RoleARN, idempotently', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    const operation = await createStack(
      cfn,
      { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/cfn' },
      {
        input,
        executionName: 'codepipeline-job_1',
        template: { kind: 'body', templateBody: '{}', bytes: 2 },
        outcome: 'created',
      },
      new Date('2026-02-02T00:00:00Z'),
    );
    expect(cfnMock.commandCalls(CreateStackCommand)[0]?.args[0].input).toEqual({
      StackName: STACK,
      TemplateBody: '{}',
      Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'test' }],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      Tags: [{ Key: 'application', Value: 'glue-cd' }],
      RoleARN: 'arn:aws:iam::123456789012:role/cfn',
      OnFailure: 'ROLLBACK',
      ClientRequestToken: 'create-codepipeline-job-1',
    });
    expect(operation.stackId).toBe(STACK_ID);
    expect(operation).toEqual({
      operation: 'create',
      outcome: 'created',
      stackName: STACK,
      stackId: STACK_ID,
      startedAt: '2026-02-02T00:00:00.000Z',
      polls: 0,
      waitSeconds: STACK_OPERATION_POLLING.initialWaitSeconds,
      done: false,
    });
  });

  it('creates a protected stack with termination protection and the protected stack policy in the same call', async () => {
    cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    await createStack(
      cfn,
      {},
      {
        input,
        executionName: 'e1',
        template: { kind: 'body', templateBody: '{}', bytes: 2 },
        outcome: 'created',
        protected: true,
      },
    );
    expect(cfnMock.commandCalls(CreateStackCommand)[0]?.args[0].input).toMatchObject({
      EnableTerminationProtection: true,
      StackPolicyBody: protectedStackPolicyBody(),
    });
  });

  it('carries on when a retry meets AlreadyExists on the stack its own token created', async () => {
    cfnMock
      .on(CreateStackCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'AlreadyExistsException' }))
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date() }],
      })
      .on(DescribeStackEventsCommand)
      .resolves({
        StackEvents: [
          { StackId: STACK_ID, EventId: '1', StackName: STACK, Timestamp: new Date(), ClientRequestToken: 'create-e1' },
        ],
      });
    const operation = await createStack(
      cfn,
      {},
      {
        input,
        executionName: 'e1',
        template: { kind: 'body', templateBody: '{}', bytes: 2 },
        outcome: 'created',
      },
    );
    expect(operation).toMatchObject({ operation: 'create', stackId: STACK_ID });
  });

  it("hands a stack someone else created meanwhile (no event carries this execution's token) back to be checked again", async () => {
    cfnMock
      .on(CreateStackCommand)
      .rejects(Object.assign(new Error('Stack [x] already exists'), { name: 'AlreadyExistsException' }))
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
      })
      .on(DescribeStackEventsCommand)
      .resolves({
        StackEvents: [
          {
            StackId: STACK_ID,
            EventId: '1',
            StackName: STACK,
            Timestamp: new Date(),
            ClientRequestToken: 'someone-else',
          },
        ],
      });
    await expect(
      createStack(
        cfn,
        {},
        { input, executionName: 'e1', template: { kind: 'body', templateBody: '{}', bytes: 2 }, outcome: 'created' },
      ),
    ).rejects.toMatchObject({
      // The state machine checks the stack again on this error (another deploy created it), then updates.
      name: 'StackCreatedMeanwhileError',
      message: expect.stringContaining(`stack ${STACK} already exists (created by someone else since it was checked)`),
    });
  });

  it('says which suffix to change when the blue/green stack exists', async () => {
    cfnMock
      .on(CreateStackCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'AlreadyExistsException' }))
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          { StackName: `${STACK}-green`, StackId: STACK_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() },
        ],
      })
      .on(DescribeStackEventsCommand)
      .resolves({ StackEvents: [] });
    const bg = parseDeployInput(deployInput({ blueGreenSuffix: 'green' }));
    await expect(
      createStack(
        cfn,
        {},
        {
          input: bg,
          executionName: 'e',
          template: { kind: 'body', templateBody: '{}', bytes: 2 },
          outcome: 'blue-green-created',
        },
      ),
    ).rejects.toThrow(`blue/green stack ${STACK}-green already exists: choose another blueGreenSuffix or delete it`);
  });
});

describe('requestToken', () => {
  it("is one per execution and step, within CloudFormation's pattern and 128 characters", () => {
    expect(requestToken('execute', 'codepipeline-job_1')).toBe('execute-codepipeline-job-1');
    const long = requestToken('delete-before-create', 'x'.repeat(200));
    expect(long).toHaveLength(128);
    expect(long).toMatch(/^[a-zA-Z0-9][-a-zA-Z0-9]*$/);
    expect(long).not.toBe(requestToken('delete-before-create', `${'x'.repeat(199)}y`));
  });
});

describe('blueGreenStackName', () => {
  it('uses the suffix, or a deterministic one from the execution name, within 128 characters', () => {
    expect(blueGreenStackName('app', 'exec', 'green')).toBe('app-green');
    expect(blueGreenStackName('app', 'exec-1')).toBe(blueGreenStackName('app', 'exec-1'));
    expect(blueGreenStackName('app', 'exec-1')).not.toBe(blueGreenStackName('app', 'exec-2'));
    expect(blueGreenStackName('a'.repeat(128), 'exec')).toHaveLength(128);
  });
});

describe('deleteStack', () => {
  it('deletes by StackId with the service role', async () => {
    cfnMock.on(DeleteStackCommand).resolves({});
    const operation = await deleteStack(
      cfn,
      { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/cfn' },
      {
        stack: { stackName: STACK, stackId: STACK_ID },
        executionName: 'codepipeline-job-1',
        outcome: 'deleted',
      },
    );
    expect(cfnMock.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({
      StackName: STACK_ID,
      RoleARN: 'arn:aws:iam::123456789012:role/cfn',
      ClientRequestToken: 'delete-codepipeline-job-1',
    });
    expect(operation).toMatchObject({ operation: 'delete', outcome: 'deleted', stackId: STACK_ID, done: false });
  });

  const deleteBeforeCreate = (outcome: 'recreated' | 'planned') =>
    deleteStack(cfn, {}, { stack: { stackName: STACK, stackId: STACK_ID }, executionName: 'e1', outcome });

  it.each([
    ['recreated', 'ROLLBACK_COMPLETE', 'delete-before-create-e1'],
    ['recreated', 'REVIEW_IN_PROGRESS', 'delete-before-create-e1'],
    ['planned', 'REVIEW_IN_PROGRESS', 'delete-plan-stack-e1'],
  ] as const)(
    '%s: deletes a %s stack, turning its termination protection off first',
    async (outcome, StackStatus, token) => {
      cfnMock
        .on(DescribeStacksCommand)
        .resolves({
          Stacks: [
            {
              StackName: STACK,
              StackId: STACK_ID,
              StackStatus,
              EnableTerminationProtection: true,
              CreationTime: new Date(),
            },
          ],
        })
        .on(UpdateTerminationProtectionCommand)
        .resolves({})
        .on(DeleteStackCommand)
        .resolves({});
      await deleteBeforeCreate(outcome);
      expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)[0]?.args[0].input).toEqual({
        StackName: STACK_ID,
        EnableTerminationProtection: false,
      });
      expect(cfnMock.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({
        StackName: STACK_ID,
        ClientRequestToken: token,
      });
    },
  );

  it.each([
    ['recreated', 'UPDATE_COMPLETE'],
    ['planned', 'CREATE_COMPLETE'],
  ] as const)('%s: never deletes a stack that holds resources (%s)', async (outcome, StackStatus) => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: STACK,
          StackId: STACK_ID,
          StackStatus,
          EnableTerminationProtection: true,
          CreationTime: new Date(),
        },
      ],
    });
    await expect(deleteBeforeCreate(outcome)).rejects.toThrow(`stack ${STACK} is ${StackStatus}`);
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(0);
  });
});

describe('pollStackOperation', () => {
  const operation = (overrides: Partial<StackOperationState> = {}): StackOperationState => ({
    operation: 'create',
    outcome: 'created',
    stackName: STACK,
    stackId: STACK_ID,
    startedAt: '2026-02-02T00:00:00.000Z',
    polls: 0,
    waitSeconds: 5,
    done: false,
    ...overrides,
  });
  const stackIs = (StackStatus: string, extra: Record<string, unknown> = {}) =>
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus, CreationTime: new Date(), ...extra }] as never,
    });
  const event = (
    minutes: number,
    LogicalResourceId: string,
    ResourceStatus: string,
    ResourceStatusReason?: string,
  ): StackEvent =>
    ({
      StackId: STACK_ID,
      StackName: STACK,
      EventId: `${minutes}`,
      LogicalResourceId,
      ResourceType: LogicalResourceId === STACK ? 'AWS::CloudFormation::Stack' : 'AWS::Glue::Job',
      PhysicalResourceId: LogicalResourceId === STACK ? STACK_ID : 'p',
      ResourceStatus,
      ResourceStatusReason,
      Timestamp: new Date(Date.parse('2026-02-02T00:00:00Z') + minutes * 60_000),
    }) as StackEvent;

  it('waits with backoff while in progress, then is done', async () => {
    stackIs('CREATE_IN_PROGRESS');
    expect(await pollStackOperation(cfn, { operation: operation({ polls: 1 }) })).toMatchObject({
      done: false,
      polls: 2,
      waitSeconds: 20,
      status: 'CREATE_IN_PROGRESS',
    });
    stackIs('CREATE_COMPLETE');
    expect(await pollStackOperation(cfn, { operation: operation() })).toMatchObject({
      done: true,
      polls: 1,
      status: 'CREATE_COMPLETE',
    });
  });

  it('waits through a rollback, then reports the first failed resource of this operation', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    expect(await pollStackOperation(cfn, { operation: operation() })).toMatchObject({ done: false });
    stackIs('ROLLBACK_COMPLETE', { StackStatusReason: 'The following resource(s) failed to create: [GlueJob].' });
    cfnMock
      .on(DescribeStackEventsCommand, { NextToken: undefined })
      .resolves({
        StackEvents: [
          event(3, STACK, 'ROLLBACK_COMPLETE'),
          event(2, 'Bucket', 'CREATE_FAILED', 'Resource creation cancelled'),
          event(1, 'GlueJob', 'CREATE_FAILED', 'Invalid Glue version'),
        ],
        NextToken: 'older',
      })
      .on(DescribeStackEventsCommand, { NextToken: 'older' })
      .resolves({
        StackEvents: [
          event(0, STACK, 'CREATE_IN_PROGRESS', 'User Initiated'),
          event(-60, 'OldJob', 'CREATE_FAILED', 'an earlier failure'),
        ],
      });
    await expect(pollStackOperation(cfn, { operation: operation() })).rejects.toThrow(
      new StackOperationFailedError(
        `stack ${STACK}: create failed (ROLLBACK_COMPLETE): GlueJob (AWS::Glue::Job) CREATE_FAILED: Invalid Glue version; The following resource(s) failed to create: [GlueJob].`,
      ),
    );
  });

  it('does not take the previous UPDATE_COMPLETE for the end of the update', async () => {
    const previous = new Date('2026-01-01T00:00:00Z');
    stackIs('UPDATE_COMPLETE', { LastUpdatedTime: previous });
    cfnMock.on(DescribeChangeSetCommand).resolves({ ExecutionStatus: 'EXECUTE_IN_PROGRESS' });
    const update = operation({
      operation: 'update',
      outcome: 'updated',
      previousStatus: 'UPDATE_COMPLETE',
      previousLastUpdatedTime: previous.toISOString(),
      changeSetId: 'cs-arn',
    });
    expect(await pollStackOperation(cfn, { operation: update })).toMatchObject({ done: false });
    stackIs('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-02-02T00:00:01Z') });
    expect(await pollStackOperation(cfn, { operation: update })).toMatchObject({ done: true });
  });

  it('waits while a never-updated stack still reads CREATE_COMPLETE and its change set is executing', async () => {
    stackIs('CREATE_COMPLETE');
    cfnMock.on(DescribeChangeSetCommand).resolves({ ExecutionStatus: 'EXECUTE_IN_PROGRESS' });
    const update = operation({
      operation: 'update',
      outcome: 'updated',
      previousStatus: 'CREATE_COMPLETE',
      changeSetId: 'cs-arn',
    });
    expect(await pollStackOperation(cfn, { operation: update })).toMatchObject({ done: false });
    stackIs('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-02-02T00:00:01Z') });
    expect(await pollStackOperation(cfn, { operation: update })).toMatchObject({ done: true });
  });

  it('fails an update whose change set failed to execute while the stack kept its status', async () => {
    stackIs('UPDATE_COMPLETE', { LastUpdatedTime: new Date('2026-01-01T00:00:00Z') });
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ ExecutionStatus: 'EXECUTE_FAILED', StatusReason: 'Stack policy denies Update:Replace on RawBucket' });
    const update = operation({
      operation: 'update',
      outcome: 'updated',
      previousStatus: 'UPDATE_COMPLETE',
      previousLastUpdatedTime: '2026-01-01T00:00:00.000Z',
      changeSetId: 'cs-arn',
    });
    await expect(pollStackOperation(cfn, { operation: update })).rejects.toThrow(
      `stack ${STACK}: update failed (UPDATE_COMPLETE): Stack policy denies Update:Replace on RawBucket`,
    );
  });

  it('after a resumed execute, trusts a settled status once the change set has finished executing', async () => {
    stackIs('UPDATE_COMPLETE');
    cfnMock.on(DescribeChangeSetCommand).resolves({ ExecutionStatus: 'EXECUTE_COMPLETE' });
    const update = operation({ operation: 'update', outcome: 'updated', resumed: true, changeSetId: 'cs-arn' });
    expect(await pollStackOperation(cfn, { operation: update })).toMatchObject({ done: true });
  });

  it('treats a stack gone during delete as deleted', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error(`Stack with id ${STACK_ID} does not exist`), { name: 'ValidationError' }));
    expect(
      await pollStackOperation(cfn, { operation: operation({ operation: 'delete', outcome: 'deleted' }) }),
    ).toMatchObject({ done: true });
  });

  it('gives up after the bounded number of checks', async () => {
    stackIs('DELETE_IN_PROGRESS');
    await expect(
      pollStackOperation(cfn, {
        operation: operation({ operation: 'delete', outcome: 'deleted', polls: STACK_OPERATION_POLLING.maxPolls - 1 }),
      }),
    ).rejects.toThrow(
      `gave up waiting for the delete after ${STACK_OPERATION_POLLING.maxPolls} checks (last status DELETE_IN_PROGRESS)`,
    );
  });
});
