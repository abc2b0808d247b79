import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { changeSetVerdict } from '@glue-cd/core';
import { type Harness, json, startHarness } from './cloudformation/harness';

const child = (resources: Record<string, unknown>) => ({
  Parameters: { Name: { Type: 'String' } },
  Resources: resources,
  Outputs: { BucketArn: { Value: { 'Fn::GetAtt': ['Bucket', 'Arn'] } } },
});

const parent = {
  Parameters: { Prefix: { Type: 'String', Default: 'lake' } },
  Resources: {
    Child: {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { TemplateURL: 's3://templates/child.json', Parameters: { Name: { Ref: 'Prefix' } } },
    },
  },
  Outputs: { ChildBucketArn: { Value: { 'Fn::GetAtt': ['Child', 'Outputs.BucketArn'] } } },
};

describe('local CloudFormation: nested stacks', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.objects.createBucket('templates');
  });
  afterEach(() => h.close());

  const putChild = (template: unknown) => h.objects.putObject('templates', 'child.json', Buffer.from(json(template)));

  const rawBucket = (name: string) => ({
    Type: 'AWS::S3::Bucket',
    Properties: {
      BucketName: { 'Fn::Sub': name },
    },
  });

  /** The root stack over a child holding one bucket; returns the root's and the nested stack's ids. */
  const createRoot = async (): Promise<{ rootId: string; nestedId: string }> => {
    await putChild(child({ Bucket: rawBucket('${Name}-raw') }));
    const { StackId } = await h.cfn.send(new CreateStackCommand({ StackName: 'root', TemplateBody: json(parent) }));
    await h.engine.waitForIdle();
    return { rootId: StackId!, nestedId: h.engine.stackResources('root')[0]!.physicalId };
  };

  /** The child template changes behind the same TemplateURL: the bucket is renamed (replacement), a topic is added. */
  const changeChild = () =>
    putChild(
      child({
        Bucket: rawBucket('${Name}-raw-v2'),
        Topic: { Type: 'AWS::SNS::Topic' },
      }),
    );

  const previewNested = async () => {
    await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'root',
        ChangeSetName: 'nested',
        UsePreviousTemplate: true,
        IncludeNestedStacks: true,
      }),
    );
    await h.engine.waitForIdle();
    return h.cfn.send(new DescribeChangeSetCommand({ StackName: 'root', ChangeSetName: 'nested' }));
  };

  it('creates a nested stack with its parent; the parent reads its outputs', async () => {
    // Act
    const { rootId, nestedId } = await createRoot();
    const root = await h.stack('root');
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: nestedId }));

    // Assert
    expect(root.StackStatus).toBe('CREATE_COMPLETE');
    expect(root.Outputs).toEqual([{ OutputKey: 'ChildBucketArn', OutputValue: 'arn:aws:s3:::lake-raw' }]);
    expect(Stacks![0]).toMatchObject({
      StackName: expect.stringMatching(/^root-Child-[A-Z0-9]{12}$/),
      StackStatus: 'CREATE_COMPLETE',
      ParentId: rootId,
      RootId: rootId,
    });
  });

  it('previews a nested stack’s changes (IncludeNestedStacks) as a nested change set the verdict reads', async () => {
    // Arrange
    const { nestedId } = await createRoot();
    await changeChild();

    // Act
    const top = await previewNested();
    const childChange = top.Changes![0]!.ResourceChange!;
    const nested = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: childChange.ChangeSetId }));
    const nestedExecution = await h.cfn
      .send(new ExecuteChangeSetCommand({ ChangeSetName: childChange.ChangeSetId }))
      .catch((error: unknown) => error);

    // Assert
    expect(top.Status).toBe('CREATE_COMPLETE');
    expect(top.Changes).toHaveLength(1);
    expect(childChange).toMatchObject({
      Action: 'Modify',
      LogicalResourceId: 'Child',
      PhysicalResourceId: nestedId,
      ResourceType: 'AWS::CloudFormation::Stack',
      Replacement: 'False',
    });
    expect(nested).toMatchObject({
      StackId: nestedId,
      ParentChangeSetId: top.ChangeSetId,
      RootChangeSetId: top.ChangeSetId,
      Status: 'CREATE_COMPLETE',
    });
    expect(
      nested
        .Changes!.map(
          (c) =>
            `${c.ResourceChange!.Action} ${c.ResourceChange!.LogicalResourceId} ${c.ResourceChange!.Replacement ?? ''}`,
        )
        .sort(),
    ).toEqual(['Add Topic ', 'Modify Bucket True']);
    const verdict = changeSetVerdict({ changes: top.Changes!, nested: { Child: { changes: nested.Changes! } } });
    expect(verdict.violations).toEqual([expect.objectContaining({ logicalId: 'Bucket', stackPath: ['Child'] })]);
    expect(nestedExecution).toMatchObject({ message: expect.stringContaining('is a nested change set') });
  });

  it('executing the root change set updates the nested stack too', async () => {
    // Arrange
    const { nestedId } = await createRoot();
    await changeChild();
    const top = await previewNested();
    const nestedChangeSetId = top.Changes![0]!.ResourceChange!.ChangeSetId;

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: top.ChangeSetId }));
    await h.engine.waitForIdle();
    const nestedChangeSet = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: nestedChangeSetId }));

    // Assert
    expect(await h.stack('root')).toMatchObject({
      StackStatus: 'UPDATE_COMPLETE',
      Outputs: [{ OutputKey: 'ChildBucketArn', OutputValue: 'arn:aws:s3:::lake-raw-v2' }],
    });
    expect((await h.stack(nestedId)).StackStatus).toBe('UPDATE_COMPLETE');
    expect([...h.objects.buckets.keys()].sort()).toEqual(['lake-raw-v2', 'templates']);
    expect(nestedChangeSet.ExecutionStatus).toBe('EXECUTE_COMPLETE');
  });

  it('deleting the parent deletes the nested stack and its resources', async () => {
    // Arrange
    const { nestedId } = await createRoot();

    // Act
    await h.cfn.send(new DeleteStackCommand({ StackName: 'root' }));
    await h.engine.waitForIdle();

    // Assert
    expect((await h.stack(nestedId)).StackStatus).toBe('DELETE_COMPLETE');
    expect([...h.objects.buckets.keys()]).toEqual(['templates']);
  });

  it('a nested stack that fails to create fails its parent, which rolls back', async () => {
    // Arrange
    await putChild(
      child({
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: 'UPPER',
          },
        },
      }),
    );

    // Act
    await h.cfn.send(new CreateStackCommand({ StackName: 'root', TemplateBody: json(parent) }));
    await h.engine.waitForIdle();
    const root = await h.stack('root');
    const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'root' }));
    const { StackSummaries } = await h.cfn.send(new ListStacksCommand({}));

    // Assert
    expect(root).toMatchObject({
      StackStatus: 'ROLLBACK_COMPLETE',
      StackStatusReason: 'The following resource(s) failed to create: [Child]. Rollback requested by user.',
    });
    expect(StackEvents!.find((e) => e.ResourceStatus === 'CREATE_FAILED')!.ResourceStatusReason).toMatch(
      /^Embedded stack arn:aws:cloudformation:us-east-1:000000000000:stack\/root-Child-\w+\/[0-9a-f-]+ was not successfully created: The following resource\(s\) failed to create: \[Bucket\]/,
    );
    expect(StackSummaries!.map((s) => `${s.StackName!.replace(/-[A-Z0-9]{12}$/, '')} ${s.StackStatus}`).sort()).toEqual(
      ['root ROLLBACK_COMPLETE', 'root-Child DELETE_COMPLETE'],
    );
  });
});
