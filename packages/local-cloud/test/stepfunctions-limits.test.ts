import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { LocalCloud } from '../src';
import { stateMachineArn } from '../src';
import { removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let sfn: SFNClient;

/** 200 KiB of text: under the 256 KiB quota alone, over it twice. */
const blob = 'x'.repeat(200 * 1024);

/** A Parallel state whose two branches each pass the blob on: its output is twice the blob. */
const doubling = (catchers: { ErrorEquals: string[]; Next: string; ResultPath?: string }[]) => ({
  StartAt: 'Double',
  States: {
    Double: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Left',
          States: {
            Left: {
              Type: 'Pass',
              End: true,
            },
          },
        },
        {
          StartAt: 'Right',
          States: {
            Right: {
              Type: 'Pass',
              End: true,
            },
          },
        },
      ],
      Catch: catchers,
      Next: 'Done',
    },
    Recovered: {
      Type: 'Pass',
      Result: 'recovered',
      End: true,
    },
    Done: {
      Type: 'Succeed',
    },
  },
});

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud({ waitScale: 0.01 }));
  sfn = new SFNClient({});
  await cloud.stateMachines.createStateMachine({
    name: 'catch-all',
    definition: JSON.stringify(doubling([{ ErrorEquals: ['States.ALL'], Next: 'Recovered' }])),
  });
  await cloud.stateMachines.createStateMachine({
    name: 'catch-named',
    definition: JSON.stringify(doubling([{ ErrorEquals: ['States.DataLimitExceeded'], Next: 'Recovered' }])),
  });
});

afterAll(async () => {
  sfn.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

describe('local Step Functions: the 256 KiB payload quota', () => {
  test('a state output over the quota is States.DataLimitExceeded, which Catch States.ALL does not catch', async () => {
    // Arrange
    const input = JSON.stringify({ blob });

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stateMachineArn('catch-all'), input }),
    );
    const execution = await cloud.stateMachines.waitForExecution(executionArn!);

    // Assert
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(execution.cause).toBe(
      "The state/task 'Double' returned a result with a size exceeding the maximum number of bytes service limit.",
    );
    const entered = execution.events.map((event) => (event.stateEnteredEventDetails as { name?: string })?.name);
    expect(entered).not.toContain('Recovered');
  });

  test('a Catch that names States.DataLimitExceeded catches it', async () => {
    // Arrange
    const input = JSON.stringify({ blob });

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stateMachineArn('catch-named'), input }),
    );
    const execution = await cloud.stateMachines.waitForExecution(executionArn!);

    // Assert
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toBe('recovered');
  });

  test('an execution input over the quota is refused by StartExecution', async () => {
    // Arrange
    const input = JSON.stringify({ blob: `${blob}${blob}` });

    // Act
    const refused = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: stateMachineArn('catch-all'), input }))
      .catch((error: unknown) => error);

    // Assert
    expect(refused).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
    });
    expect(cloud.stateMachines.executions(stateMachineArn('catch-all')).every((e) => e.input.length < 262144)).toBe(
      true,
    );
  });
});
