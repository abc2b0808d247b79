import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { stateMachineArn } from '../src';
import { removeDir, startTestCloud, tempStateDir } from './helpers';

const passMachine = {
  StartAt: 'Hello',
  States: {
    Hello: {
      Type: 'Pass',
      Result: 'hello',
      End: true,
    },
  },
};

const DAY_MS = 86_400_000;

describe('local Step Functions: state on disk', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = tempStateDir();
  });
  afterEach(() => removeDir(stateDir));

  test('an execution is its own header file plus one appended history line per event; a restart reads both', async () => {
    // Arrange
    const first = await startTestCloud({ stateDir });
    await first.cloud.stateMachines.createStateMachine({ name: 'greeter', definition: JSON.stringify(passMachine) });
    const { executionArn } = first.cloud.stateMachines.startExecution({
      stateMachineArn: stateMachineArn('greeter'),
      name: 'first',
    });
    await first.cloud.stateMachines.waitForExecution(executionArn);
    await first.cloud.close();
    first.restore();
    const folder = path.join(stateDir, 'state', 'stepfunctions', 'executions', 'greeter');

    // Act
    const header = JSON.parse(readFileSync(path.join(folder, 'first.json'), 'utf8')) as Record<string, unknown>;
    const lines = readFileSync(path.join(folder, 'first.events.jsonl'), 'utf8').trim().split('\n');
    const second = await startTestCloud({ stateDir });
    const sfn = new SFNClient({});
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    sfn.destroy();
    await second.cloud.close();
    second.restore();

    // Assert
    expect(header).toMatchObject({ name: 'first', status: 'SUCCEEDED', output: '"hello"' });
    expect(header.events).toBeUndefined();
    expect(lines.map((line) => (JSON.parse(line) as { type: string }).type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(existsSync(path.join(stateDir, 'state', 'stepfunctions.json'))).toBe(false);
    expect(described.status).toBe('SUCCEEDED');
    expect(history.events!.map((event) => event.id)).toEqual([1, 2, 3, 4]);
  });

  test('closed executions older than the retention are pruned, files and all; recent ones stay', async () => {
    // Arrange
    const { cloud, restore } = await startTestCloud({ stateDir, executionRetentionDays: 30 });
    await cloud.stateMachines.createStateMachine({ name: 'greeter', definition: JSON.stringify(passMachine) });
    const { executionArn } = cloud.stateMachines.startExecution({
      stateMachineArn: stateMachineArn('greeter'),
      name: 'old',
    });
    await cloud.stateMachines.waitForExecution(executionArn);
    const header = path.join(stateDir, 'state', 'stepfunctions', 'executions', 'greeter', 'old.json');

    // Act
    const keptAtDay29 = cloud.stateMachines.prune(Date.now() + 29 * DAY_MS);
    const prunedAtDay31 = cloud.stateMachines.prune(Date.now() + 31 * DAY_MS);
    await cloud.close();
    restore();

    // Assert
    expect(keptAtDay29).toBe(0);
    expect(prunedAtDay31).toBe(1);
    expect(cloud.stateMachines.getExecution(executionArn)).toBeUndefined();
    expect(existsSync(header)).toBe(false);
    expect(existsSync(header.replace('.json', '.events.jsonl'))).toBe(false);
  });

  test('a state/stepfunctions.json written by an earlier version is read once and moved to the new layout', async () => {
    // Arrange
    const arn = stateMachineArn('legacy');
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:legacy:before-upgrade';
    mkdirSync(path.join(stateDir, 'state'), { recursive: true });
    writeFileSync(
      path.join(stateDir, 'state', 'stepfunctions.json'),
      JSON.stringify({
        stateMachines: {
          [arn]: {
            name: 'legacy',
            stateMachineArn: arn,
            definition: JSON.stringify(passMachine),
            roleArn: 'arn:aws:iam::000000000000:role/r',
            type: 'STANDARD',
            creationDate: new Date().toISOString(),
          },
        },
        executions: [
          {
            executionArn,
            stateMachineArn: arn,
            name: 'before-upgrade',
            status: 'SUCCEEDED',
            input: '{}',
            output: '"hello"',
            startDate: new Date().toISOString(),
            stopDate: new Date().toISOString(),
            events: [
              {
                id: 1,
                previousEventId: 0,
                timestamp: new Date().toISOString(),
                type: 'ExecutionStarted',
              },
            ],
          },
        ],
      }),
    );

    // Act
    const { cloud, restore } = await startTestCloud({ stateDir });
    const machine = cloud.stateMachines.getStateMachine(arn);
    const execution = cloud.stateMachines.getExecution(executionArn);
    await cloud.close();
    restore();

    // Assert
    expect(machine?.name).toBe('legacy');
    expect(execution).toMatchObject({
      status: 'SUCCEEDED',
      events: [expect.objectContaining({ type: 'ExecutionStarted' })],
    });
    expect(existsSync(path.join(stateDir, 'state', 'stepfunctions.json'))).toBe(false);
    expect(
      existsSync(path.join(stateDir, 'state', 'stepfunctions', 'executions', 'legacy', 'before-upgrade.json')),
    ).toBe(true);
  });
});
