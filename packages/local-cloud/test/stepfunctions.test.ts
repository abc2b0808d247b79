import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidDefinition,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { LocalCloud } from '../src';
import { functionArn, stateMachineArn } from '../src';
import { deployProbe, removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let sfn: SFNClient;

const PROBE = functionArn('probe');

/** Pass → Wait 30 s → Lambda task (Retry FlakyError, Catch UnsafeChangeSetError → Fail) → Succeed. */
const deployDefinition = {
  Comment: 'A deploy-like machine',
  StartAt: 'Prepare',
  States: {
    Prepare: {
      Type: 'Pass',
      Result: { prepared: true },
      ResultPath: '$.preparation',
      Next: 'WaitForStack',
    },
    WaitForStack: {
      Type: 'Wait',
      Seconds: 30,
      Next: 'RunTask',
    },
    RunTask: {
      Type: 'Task',
      Resource: PROBE,
      InputPath: '$.task',
      ResultPath: '$.result',
      Retry: [
        {
          ErrorEquals: ['FlakyError'],
          IntervalSeconds: 5,
          MaxAttempts: 3,
          BackoffRate: 2,
        },
      ],
      Catch: [
        {
          ErrorEquals: ['UnsafeChangeSetError'],
          ResultPath: '$.failure',
          Next: 'RefuseDeploy',
        },
      ],
      Next: 'Deployed',
    },
    RefuseDeploy: {
      Type: 'Fail',
      Error: 'DeployRefused',
      CausePath: '$.failure.Cause',
    },
    Deployed: { Type: 'Succeed' },
  },
};

/** The optimised lambda:invoke integration inside a Parallel branch, and an Error-less Fail. */
const integrationDefinition = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'InvokeProbe',
          States: {
            InvokeProbe: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: PROBE, 'Payload.$': '$' },
              ResultSelector: { 'echoed.$': '$.Payload.event', 'status.$': '$.StatusCode' },
              End: true,
            },
          },
        },
        {
          StartAt: 'Context',
          States: {
            Context: {
              Type: 'Pass',
              Parameters: {
                'id.$': '$$.Execution.Id',
                'name.$': '$$.Execution.Name',
                'machine.$': '$$.StateMachine.Name',
              },
              End: true,
            },
          },
        },
      ],
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$[1].machine',
          StringEquals: 'integration',
          Next: 'Done',
        },
      ],
      Default: 'Broken',
    },
    Broken: { Type: 'Fail' },
    Done: { Type: 'Succeed' },
  },
};

beforeAll(async () => {
  // The interpreter's behaviour; invoking as the machine's role is test/iam.test.ts.
  ({ cloud, restore } = await startTestCloud({ waitScale: 0.01, iam: 'off' }));
  sfn = new SFNClient({});
  await cloud.objects.createBucket('artifacts');
  await deployProbe(cloud, { bucket: 'artifacts' });
  await cloud.objects.createBucket('attempt-counters');
  await cloud.stateMachines.createStateMachine({ name: 'deploy', definition: JSON.stringify(deployDefinition) });
  await cloud.stateMachines.createStateMachine({
    name: 'integration',
    definition: JSON.stringify(integrationDefinition),
  });
});

afterAll(async () => {
  sfn.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

const start = (name: string | undefined, input: unknown, machine = 'deploy') =>
  sfn.send(
    new StartExecutionCommand({
      stateMachineArn: stateMachineArn(machine),
      ...(name ? { name } : {}),
      input: JSON.stringify(input),
    }),
  );

const history = async (executionArn: string): Promise<HistoryEvent[]> =>
  (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

const enteredStates = (events: HistoryEvent[]): string[] =>
  events
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '?');

describe('local Step Functions through a plain SFNClient', () => {
  test('runs the real definition: Pass, scaled Wait, Lambda task → SUCCEEDED with the output', async () => {
    // Act
    const { executionArn } = await start('happy-path', { task: { action: 'echo', stack: 'glue-etl' } });
    const record = await cloud.stateMachines.waitForExecution(executionArn!);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(executionArn!);

    // Assert
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:deploy:happy-path');
    expect(record.status).toBe('SUCCEEDED');
    expect(described.status).toBe('SUCCEEDED');
    expect(described.name).toBe('happy-path');
    expect(described.stateMachineArn).toBe(stateMachineArn('deploy'));
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(JSON.parse(described.input!)).toEqual({ task: { action: 'echo', stack: 'glue-etl' } });
    const output = JSON.parse(described.output!) as {
      preparation: unknown;
      result: { event: unknown; functionName: string };
    };
    expect(output.preparation).toEqual({ prepared: true });
    expect(output.result.event).toEqual({ action: 'echo', stack: 'glue-etl' });
    expect(output.result.functionName).toBe('probe');
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[6]?.lambdaFunctionScheduledEventDetails?.resource).toBe(PROBE);
    // Wait 30 s × waitScale 0.01 ≈ 300 ms: it waited, and far less than the unscaled 30 s (a generous bound).
    const waitMs = events[4]!.timestamp!.getTime() - events[3]!.timestamp!.getTime();
    expect(waitMs).toBeGreaterThanOrEqual(250);
    expect(waitMs).toBeLessThan(15_000);
  });

  test('StartExecution is idempotent for the same name and input while RUNNING; otherwise ExecutionAlreadyExists', async () => {
    // Arrange: an execution that stays RUNNING until the test stops it (a 100-hour Wait is an hour scaled).
    const hold = {
      StartAt: 'Hold',
      States: {
        Hold: {
          Type: 'Wait',
          Seconds: 360_000,
          End: true,
        },
      },
    };
    await cloud.stateMachines.createStateMachine({ name: 'hold', definition: JSON.stringify(hold) });
    const input = { task: { action: 'echo' } };
    const first = await start('same-name', input, 'hold');
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));

    // Act
    const second = await start('same-name', input, 'hold');
    const different = await start('same-name', { task: { action: 'echo', other: true } }, 'hold').catch(
      (error: unknown) => error,
    );
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    const afterwards = await start('same-name', input, 'hold').catch((error: unknown) => error);
    const unnamed = await start(undefined, input);
    await cloud.stateMachines.waitForExecution(unnamed.executionArn!);

    // Assert
    expect(running.status).toBe('RUNNING');
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(different).toBeInstanceOf(ExecutionAlreadyExists);
    expect((different as Error).message).toBe(`Execution Already Exists: '${first.executionArn}'`);
    expect(stopped.status).toBe('ABORTED');
    expect(afterwards).toBeInstanceOf(ExecutionAlreadyExists);
    expect(unnamed.executionArn).toMatch(/:execution:deploy:[0-9a-f-]{36}$/);
  });

  test('a caught named Lambda error reaches the Catch with Error = class name and Cause = the error JSON, then Fail', async () => {
    // Act
    const { executionArn } = await start('refused', {
      task: { action: 'unsafe', message: 'Table orders would be replaced' },
    });
    await cloud.stateMachines.waitForExecution(executionArn!);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(executionArn!);

    // Assert
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('DeployRefused');
    // CausePath $.failure.Cause: the Catch put the Lambda error payload there, as AWS does.
    expect(JSON.parse(described.cause!)).toMatchObject({
      errorType: 'UnsafeChangeSetError',
      errorMessage: 'Table orders would be replaced',
    });
    expect(enteredStates(events)).toEqual(['Prepare', 'WaitForStack', 'RunTask', 'RefuseDeploy']);
    const failed = events.find((event) => event.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('UnsafeChangeSetError');
    expect(events.at(-2)?.type).toBe('FailStateEntered');
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
    expect(events.at(-1)?.executionFailedEventDetails?.error).toBe('DeployRefused');
  });

  test('an uncaught named Lambda error fails the execution with error = errorType and cause = the error payload', async () => {
    // Act
    const { executionArn } = await start('busy', {
      task: { action: 'busy', message: 'stack glue-etl is UPDATE_IN_PROGRESS' },
    });
    const record = await cloud.stateMachines.waitForExecution(executionArn!);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(executionArn!);

    // Assert
    expect(record.status).toBe('FAILED');
    expect(described.error).toBe('StackBusyError');
    const cause = JSON.parse(described.cause!) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause.errorType).toBe('StackBusyError');
    expect(cause.errorMessage).toBe('stack glue-etl is UPDATE_IN_PROGRESS');
    expect(Array.isArray(cause.trace)).toBe(true);
    expect(events.map((event) => event.type).slice(-3)).toEqual([
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: 'StackBusyError', cause: described.cause });
  });

  test('Retry on the error class name re-invokes the Lambda until it succeeds (scaled intervals)', async () => {
    // Act
    const { executionArn } = await start('flaky', {
      task: {
        action: 'flaky',
        bucket: 'attempt-counters',
        key: 'flaky-run',
        succeedOnAttempt: 3,
      },
    });
    const record = await cloud.stateMachines.waitForExecution(executionArn!);
    const events = await history(executionArn!);

    // Assert
    expect(record.status).toBe('SUCCEEDED');
    expect((JSON.parse(record.output!) as { result: unknown }).result).toEqual({ attempts: 3 });
    expect(events.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    expect(
      events
        .filter((event) => event.type === 'LambdaFunctionFailed')
        .map((event) => event.lambdaFunctionFailedEventDetails?.error),
    ).toEqual(['FlakyError', 'FlakyError']);
  });

  test('lambda:invoke integration inside a Parallel branch returns { Payload, StatusCode }; $$ context is the execution', async () => {
    // Act
    const { executionArn } = await start('integration-run', { action: 'echo', via: 'integration' }, 'integration');
    const record = await cloud.stateMachines.waitForExecution(executionArn!);
    const events = await history(executionArn!);

    // Assert
    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!)).toEqual([
      { echoed: { action: 'echo', via: 'integration' }, status: 200 },
      {
        id: executionArn,
        name: 'integration-run',
        machine: 'integration',
      },
    ]);
    expect(enteredStates(events).sort()).toEqual(['Check', 'Context', 'Done', 'Fan', 'InvokeProbe']);
  });

  test('ListExecutions, DescribeStateMachine, ListStateMachines, StopExecution and errors for unknown ARNs', async () => {
    // Arrange
    await cloud.stateMachines.createStateMachine({ name: 'listed', definition: JSON.stringify(deployDefinition) });
    const runs = [
      await start('busy', { task: { action: 'busy', message: 'busy' } }, 'listed'),
      await start('refused', { task: { action: 'unsafe', message: 'refused' } }, 'listed'),
      await start('fine', { task: { action: 'echo' } }, 'listed'),
    ];
    for (const run of runs) await cloud.stateMachines.waitForExecution(run.executionArn!);
    const slowMachine = {
      StartAt: 'Sleep',
      States: {
        Sleep: {
          Type: 'Wait',
          Seconds: 3600,
          End: true,
        },
      },
    };
    await cloud.stateMachines.createStateMachine({ name: 'slow', definition: JSON.stringify(slowMachine) });
    const { executionArn } = await start('to-stop', {}, 'slow');

    // Act
    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stateMachineArn('listed'), statusFilter: 'FAILED' }),
    );
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: stateMachineArn('deploy') }));
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Operator.Stopped', cause: 'stopped by the test' }),
    );
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const missing = await sfn
      .send(
        new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:deploy:never' }),
      )
      .catch((error: unknown) => error);
    const noMachine = await start('x', {}, 'no-such-machine').catch((error: unknown) => error);
    const badInput = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: stateMachineArn('deploy'), input: '{not json' }))
      .catch((error: unknown) => error);

    // Assert
    expect(listed.executions?.map((execution) => execution.name).sort()).toEqual(['busy', 'refused']);
    expect(JSON.parse(machine.definition!)).toEqual(deployDefinition);
    expect(machine.status).toBe('ACTIVE');
    const names = machines.stateMachines!.map((m) => m.name!);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['deploy', 'integration', 'listed', 'slow']));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stopped', cause: 'stopped by the test' });
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
    expect((missing as Error).message).toBe(
      "Execution Does Not Exist: 'arn:aws:states:us-east-1:000000000000:execution:deploy:never'",
    );
    expect((noMachine as Error).name).toBe('StateMachineDoesNotExist');
    expect((badInput as Error).name).toBe('InvalidExecutionInput');
  });

  test('an invalid definition is refused with InvalidDefinition', async () => {
    // Arrange
    const unreachable = JSON.stringify({ StartAt: 'Nowhere', States: {} });

    // Act
    const invalid = await cloud.stateMachines
      .createStateMachine({ name: 'broken', definition: unreachable })
      .catch((error: unknown) => error);
    const notJson = await cloud.stateMachines
      .createStateMachine({ name: 'broken', definition: '{' })
      .catch((error: unknown) => error);
    // The schema check (one compiled validator per process) judges each definition on its own, before and after.
    const badPath = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', OutputPath: 'no path', End: true } } });
    const schemaInvalid = await cloud.stateMachines
      .createStateMachine({ name: 'broken', definition: badPath })
      .catch((error: unknown) => error);
    const validAfter = await cloud.stateMachines.createStateMachine({
      name: 'valid-after-invalid',
      definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', OutputPath: '$.x', End: true } } }),
    });
    const viaApi = await sfn
      .send(
        new CreateStateMachineCommand({
          name: 'broken',
          definition: unreachable,
          roleArn: 'arn:aws:iam::000000000000:role/x',
        }),
      )
      .catch((error: unknown) => error);

    // Assert
    expect(invalid).toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringMatching(/^Invalid State Machine Definition: '.+'$/),
    });
    expect(cloud.stateMachines.getStateMachine(stateMachineArn('broken'))).toBeUndefined();
    expect(notJson).toMatchObject({
      name: 'InvalidDefinition',
    });
    expect(schemaInvalid).toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining('/States/A/OutputPath is invalid'),
    });
    expect(validAfter).toEqual({ stateMachineArn: stateMachineArn('valid-after-invalid') });
    expect(viaApi).toBeInstanceOf(InvalidDefinition);
  });

  test('Wait SecondsPath (as the deploy machine polls) is scaled too, keeps Wait semantics, and a bad path value is States.Runtime', async () => {
    // Arrange
    const definition = {
      StartAt: 'WaitForOperation',
      States: {
        WaitForOperation: {
          Type: 'Wait',
          SecondsPath: '$.operation.waitSeconds',
          OutputPath: '$.operation',
          Next: 'Done',
        },
        Done: {
          Type: 'Succeed',
        },
      },
    };
    await cloud.stateMachines.createStateMachine({ name: 'poll-wait', definition: JSON.stringify(definition) });

    // Act
    const { executionArn } = await start(
      'poll',
      { operation: { waitSeconds: 40, stack: 'app' }, other: 1 },
      'poll-wait',
    );
    const record = await cloud.stateMachines.waitForExecution(executionArn!);
    const events = await history(executionArn!);
    const bad = await start('bad-poll', { operation: { waitSeconds: 'soon' } }, 'poll-wait');
    const failed = await cloud.stateMachines.waitForExecution(bad.executionArn!);
    const negative = await start('negative-poll', { operation: { waitSeconds: -5 } }, 'poll-wait');
    const refused = await cloud.stateMachines.waitForExecution(negative.executionArn!);

    // Assert
    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!)).toEqual({ waitSeconds: 40, stack: 'app' });
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    // 40 s × 0.01 ≈ 400 ms.
    const waitedMs = events[2]!.timestamp!.getTime() - events[1]!.timestamp!.getTime();
    expect(waitedMs).toBeGreaterThanOrEqual(350);
    // Far less than the unscaled 40 s (a generous bound, not a speed check).
    expect(waitedMs).toBeLessThan(20_000);
    // The interpreter evaluates the path itself now (no rewritten Wait): its States.Runtime messages.
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('States.Runtime');
    expect(failed.cause).toBe(`Path expression '$.operation.waitSeconds' evaluated to "soon", but expected an integer`);
    expect(refused.error).toBe('States.Runtime');
    expect(refused.cause).toBe(
      `Path expression '$.operation.waitSeconds' evaluated to -5, but expected an integer >= 0`,
    );
  });

  test('a Task on a resource the local cloud cannot run fails with States.Runtime naming it', async () => {
    // Arrange
    const definition = {
      StartAt: 'Crawl',
      States: {
        Crawl: {
          Type: 'Task',
          Resource: 'arn:aws:states:::glue:startJobRun.sync',
          Parameters: { JobName: 'etl' },
          End: true,
        },
      },
    };
    await cloud.stateMachines.createStateMachine({ name: 'glue-task', definition: JSON.stringify(definition) });

    // Act
    const { executionArn } = await start('glue', {}, 'glue-task');
    const record = await cloud.stateMachines.waitForExecution(executionArn!);

    // Assert
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.Runtime');
    expect(record.cause).toContain('arn:aws:states:::glue:startJobRun.sync');
  });

  // A Lambda task's result is held to Step Functions' 256 KiB payload quota as AWS holds it: terminal, not taken by a
  // Catch on States.ALL (state inputs and outputs: stepfunctions-limits.test.ts).
  test('a Lambda result past 256 KiB fails the execution with States.DataLimitExceeded, which no Catch takes', async () => {
    // Arrange
    const definition = {
      StartAt: 'Large',
      States: {
        Large: {
          Type: 'Task',
          Resource: PROBE,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          Next: 'Done',
        },
        Caught: { Type: 'Succeed' },
        Done: { Type: 'Succeed' },
      },
    };
    await cloud.stateMachines.createStateMachine({ name: 'large', definition: JSON.stringify(definition) });

    // Act
    const fits = await start('fits', { action: 'large', kb: 200 }, 'large');
    const large = await start('too-large', { action: 'large', kb: 300 }, 'large');
    const records = await Promise.all(
      [fits, large].map(({ executionArn }) => cloud.stateMachines.waitForExecution(executionArn!)),
    );

    // Assert
    expect(records.map((record) => record.status)).toEqual(['SUCCEEDED', 'FAILED']);
    expect(enteredStates(await history(fits.executionArn!))).toEqual(['Large', 'Done']);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: large.executionArn }))).toMatchObject({
      error: 'States.DataLimitExceeded',
      cause: `The state/task '${PROBE}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    });
    const events = await history(large.executionArn!);
    expect(enteredStates(events)).toEqual(['Large']);
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
  });

  test('an Error-less Fail state fails without error or cause, as on AWS', async () => {
    // Arrange
    await cloud.stateMachines.createStateMachine({
      name: 'bare-fail',
      definition: JSON.stringify({
        StartAt: 'Stop',
        States: {
          Stop: {
            Type: 'Fail',
          },
        },
      }),
    });

    // Act
    const { executionArn } = await start('bare', {}, 'bare-fail');
    const record = await cloud.stateMachines.waitForExecution(executionArn!);

    // Assert
    expect(record.status).toBe('FAILED');
    expect(record.error).toBeUndefined();
    expect(record.cause).toBeUndefined();
  });
});
