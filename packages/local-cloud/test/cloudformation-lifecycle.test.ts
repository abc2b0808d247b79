import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { createCloudFormationService } from '../src/cloudformation';
import { StateFile } from '../src/cloudformation/store/state-file';
import {
  FakeFunctionRuntime,
  FakeObjectStore,
  FakeStateMachineRegistry,
  type Harness,
  json,
  startHarness,
} from './cloudformation/harness';

const exporter = (value: string) => ({
  Resources: { Lake: { Type: 'AWS::S3::Bucket', Properties: { BucketName: value } } },
  Outputs: { LakeBucket: { Value: { Ref: 'Lake' }, Export: { Name: 'shared-lake-bucket' } } },
});

const consumer = {
  Resources: {
    Reader: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'reader',
        Handler: 'h.handler',
        Runtime: 'nodejs20.x',
        Role: 'arn:aws:iam::000000000000:role/r',
        Code: { ZipFile: 'x' },
        Environment: { Variables: { LAKE: { 'Fn::ImportValue': 'shared-lake-bucket' } } },
      },
    },
  },
};

describe('local CloudFormation: deleting, exports and persistence', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const fullStack = {
    Resources: {
      Data: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: 'full-bucket',
        },
      },
      Topic: {
        Type: 'AWS::SNS::Topic',
      },
    },
  };

  /** A stack whose bucket holds an object, so that deleting it fails as S3 refuses a non-empty bucket. */
  const createFullStack = async (): Promise<string> => {
    const { StackId } = await h.cfn.send(new CreateStackCommand({ StackName: 'full', TemplateBody: json(fullStack) }));
    await h.engine.waitForIdle();
    await h.objects.putObject('full-bucket', 'data/part-0.parquet', Buffer.from('rows'));
    return StackId!;
  };

  it('deleting a stack with a non-empty bucket ends DELETE_FAILED with S3 reason', async () => {
    // Arrange
    await createFullStack();

    // Act
    await h.cfn.send(new DeleteStackCommand({ StackName: 'full' }));
    const during = await h.stack('full');
    await h.engine.waitForIdle();
    const failed = await h.stack('full');
    const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'full' }));

    // Assert
    expect(during.StackStatus).toBe('DELETE_IN_PROGRESS');
    expect(failed).toMatchObject({
      StackStatus: 'DELETE_FAILED',
      StackStatusReason: 'The following resource(s) failed to delete: [Data]. ',
    });
    expect(
      StackEvents!.find((e) => e.ResourceStatus === 'DELETE_FAILED' && e.LogicalResourceId === 'Data')!
        .ResourceStatusReason,
    ).toMatch(/^The bucket you tried to delete is not empty/);
    expect(
      h.engine
        .stackResources('full')
        .map((r) => `${r.logicalId} ${r.status}`)
        .sort(),
    ).toEqual(['Data DELETE_FAILED', 'Topic DELETE_COMPLETE']);
  });

  it('a DELETE_FAILED stack, its bucket emptied, deletes; deleting it again succeeds as on AWS', async () => {
    // Arrange
    const stackId = await createFullStack();
    await h.cfn.send(new DeleteStackCommand({ StackName: 'full' }));
    await h.engine.waitForIdle();
    await h.objects.deleteObject('full-bucket', 'data/part-0.parquet');

    // Act
    await h.cfn.send(new DeleteStackCommand({ StackName: stackId }));
    await h.engine.waitForIdle();
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: stackId }));
    const { Stacks: listed } = await h.cfn.send(new DescribeStacksCommand({}));
    const { StackSummaries } = await h.cfn.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    const again = await h.cfn.send(new DeleteStackCommand({ StackName: 'full' }));

    // Assert
    expect(h.objects.buckets.has('full-bucket')).toBe(false);
    expect(Stacks![0]!.StackStatus).toBe('DELETE_COMPLETE');
    expect(listed).toEqual([]);
    expect(StackSummaries!.map((s) => s.StackId)).toEqual([stackId]);
    expect(again.$metadata.httpStatusCode).toBe(200);
  });

  /** The exporter stack, and a consumer stack whose function imports its export. */
  const createExporterAndConsumer = async (): Promise<void> => {
    await h.cfn.send(new CreateStackCommand({ StackName: 'exporter', TemplateBody: json(exporter('lake-v1')) }));
    await h.engine.waitForIdle();
    await h.cfn.send(new CreateStackCommand({ StackName: 'consumer', TemplateBody: json(consumer) }));
    await h.engine.waitForIdle();
  };

  it('Fn::ImportValue of a missing export is refused; of an existing one, it reads the value', async () => {
    // Act
    const refused = await h.cfn
      .send(new CreateStackCommand({ StackName: 'consumer', TemplateBody: json(consumer) }))
      .catch((error: unknown) => error);
    await createExporterAndConsumer();

    // Assert
    expect(refused).toMatchObject({ message: 'No export named shared-lake-bucket found.' });
    expect((await h.stack('consumer')).StackStatus).toBe('CREATE_COMPLETE');
    expect(h.functions.functions.get('reader')!.environment).toEqual({ LAKE: 'lake-v1' });
  });

  it('an export in use cannot change: the exporter’s update rolls back', async () => {
    // Arrange
    await createExporterAndConsumer();

    // Act
    await h.cfn.send(new UpdateStackCommand({ StackName: 'exporter', TemplateBody: json(exporter('lake-v2')) }));
    await h.engine.waitForIdle();

    // Assert
    expect(await h.stack('exporter')).toMatchObject({
      StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
      StackStatusReason: 'Cannot update export shared-lake-bucket as it is in use by consumer',
    });
    expect([...h.objects.buckets.keys()]).toEqual(['lake-v1']);
    expect(h.engine.exports()).toEqual({ 'shared-lake-bucket': 'lake-v1' });
  });

  it('an export in use cannot disappear: deleting the exporter fails until the consumer is gone', async () => {
    // Arrange
    await createExporterAndConsumer();

    // Act
    await h.cfn.send(new DeleteStackCommand({ StackName: 'exporter' }));
    await h.engine.waitForIdle();
    const refused = await h.stack('exporter');
    const bucketKept = h.objects.buckets.has('lake-v1');
    await h.cfn.send(new DeleteStackCommand({ StackName: 'consumer' }));
    await h.engine.waitForIdle();
    await h.cfn.send(new DeleteStackCommand({ StackName: 'exporter' }));
    await h.engine.waitForIdle();

    // Assert
    expect(refused).toMatchObject({
      StackStatus: 'DELETE_FAILED',
      StackStatusReason: 'Export shared-lake-bucket cannot be deleted as it is in use by consumer',
    });
    expect(bucketKept).toBe(true);
    expect(h.functions.functions.has('reader')).toBe(false);
    expect(h.engine.exports()).toEqual({});
    expect(h.objects.buckets.size).toBe(0);
  });

  it('UpdateStack without changes answers "No updates are to be performed."; DeletionPolicy Retain keeps the resource', async () => {
    // Arrange
    const template = {
      Resources: {
        Keep: {
          Type: 'AWS::S3::Bucket',
          DeletionPolicy: 'Retain',
          Properties: {
            BucketName: 'kept-bucket',
          },
        },
      },
    };
    await h.cfn.send(new CreateStackCommand({ StackName: 'retain', TemplateBody: json(template) }));
    await h.engine.waitForIdle();

    // Act
    const noChange = await h.cfn
      .send(new UpdateStackCommand({ StackName: 'retain', UsePreviousTemplate: true }))
      .catch((error: unknown) => error);
    await h.cfn.send(new DeleteStackCommand({ StackName: 'retain' }));
    await h.engine.waitForIdle();
    const stackId = (await h.cfn.send(new ListStacksCommand({}))).StackSummaries![0]!.StackId;
    const events = (await h.cfn.send(new DescribeStackEventsCommand({ StackName: stackId }))).StackEvents!;

    // Assert
    expect(noChange).toMatchObject({ message: 'No updates are to be performed.' });
    expect(h.objects.buckets.has('kept-bucket')).toBe(true);
    expect(events.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`).slice(0, 2)).toEqual([
      'retain DELETE_COMPLETE',
      'Keep DELETE_SKIPPED',
    ]);
  });

  it('has every change an answer reported on disk when the answer arrives, and writes an operation in few writes', async () => {
    // Arrange
    const file = path.join(h.stateDir, 'state', 'cloudformation.json');
    const onDisk = () => JSON.parse(readFileSync(file, 'utf8')) as { stacks: { stackName: string; status: string }[] };
    const manyBuckets = {
      Resources: Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [`Bucket${i}`, { Type: 'AWS::S3::Bucket', Properties: {} }]),
      ),
    };
    const saves = jest.spyOn(StateFile.prototype, 'save');

    // Act
    await h.cfn.send(new CreateStackCommand({ StackName: 'answered', TemplateBody: json(manyBuckets) }));
    const afterAnswer = onDisk().stacks.map((s) => s.stackName);
    await h.engine.waitForIdle();
    const afterOperation = onDisk().stacks.find((s) => s.stackName === 'answered')?.status;
    const events = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'answered' }));
    const writes = saves.mock.calls.length;
    saves.mockRestore();

    // Assert: each of the 62 events was a whole-file write before; now a write gathers those of 200 ms
    expect(afterAnswer).toContain('answered');
    expect(afterOperation).toBe('CREATE_COMPLETE');
    expect(events.StackEvents).toHaveLength(62);
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(15);
  });

  it('persists stacks, change sets and exports: a new service over the same state folder sees them', async () => {
    // Arrange
    await h.cfn.send(new CreateStackCommand({ StackName: 'exporter', TemplateBody: json(exporter('lake-v1')) }));
    await h.engine.waitForIdle();
    await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'exporter',
        ChangeSetName: 'pending',
        TemplateBody: json(exporter('lake-v1')),
        Parameters: [],
      }),
    );
    await h.engine.waitForIdle();
    const state = JSON.parse(readFileSync(path.join(h.stateDir, 'state', 'cloudformation.json'), 'utf8')) as {
      stacks: unknown[];
      changeSets: unknown[];
    };

    // Act
    await h.restart();
    const stack = await h.stack('exporter');
    const exports = h.engine.exports();
    const changeSet = await h.cfn.send(
      new DescribeChangeSetCommand({ StackName: 'exporter', ChangeSetName: 'pending' }),
    );
    await h.cfn.send(new DeleteStackCommand({ StackName: 'exporter' }));
    await h.engine.waitForIdle();

    // Assert
    expect(state.stacks).toHaveLength(1);
    expect(stack).toMatchObject({
      StackStatus: 'CREATE_COMPLETE',
      Outputs: [
        {
          OutputKey: 'LakeBucket',
          OutputValue: 'lake-v1',
          ExportName: 'shared-lake-bucket',
        },
      ],
    });
    expect(exports).toEqual({ 'shared-lake-bucket': 'lake-v1' });
    expect(changeSet.Status).toBe('FAILED');
    expect(h.objects.buckets.size).toBe(0);
  });
});

describe('local CloudFormation: a process that died mid-operation', () => {
  it('marks the stack it left CREATE_IN_PROGRESS as CREATE_FAILED, with the reason', async () => {
    // Arrange
    const stateDir = mkdtempSync(path.join(tmpdir(), 'local-cfn-dead-'));
    const deps = {
      stateDir,
      objects: new FakeObjectStore(),
      functions: new FakeFunctionRuntime(),
      stateMachines: new FakeStateMachineRegistry(),
    };
    try {
      const dying = createCloudFormationService({ ...deps, stepDelayMs: 100 });
      await dying.engine.createStack({
        StackName: 'interrupted',
        TemplateBody: json({
          Resources: {
            A: { Type: 'AWS::SNS::Topic' },
            B: { Type: 'AWS::SNS::Topic' },
          },
        }),
      });

      // Act: a second process over the same state folder while the first is still creating.
      const revived = createCloudFormationService({ ...deps, stepDelayMs: 0 });
      const { Stacks } = await revived.engine.describeStacks({ StackName: 'interrupted' });
      await dying.engine.waitForIdle();
      await revived.engine.deleteStack({ StackName: 'interrupted' });
      await revived.engine.waitForIdle();
      const { StackSummaries } = await revived.engine.listStacks({});

      // Assert
      expect(Stacks![0]).toMatchObject({
        StackStatus: 'CREATE_FAILED',
        StackStatusReason: expect.stringContaining('The local cloud stopped while this stack was CREATE_IN_PROGRESS'),
      });
      expect(StackSummaries![0]!.StackStatus).toBe('DELETE_COMPLETE');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
