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

  it('creates, previews (IncludeNestedStacks), updates and deletes a nested stack with its parent', async () => {
    await putChild(
      child({ Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${Name}-raw' } } } }),
    );
    const { StackId } = await h.cfn.send(new CreateStackCommand({ StackName: 'root', TemplateBody: json(parent) }));
    await h.engine.waitForIdle();
    const root = await h.stack('root');
    expect(root.StackStatus).toBe('CREATE_COMPLETE');
    expect(root.Outputs).toEqual([{ OutputKey: 'ChildBucketArn', OutputValue: 'arn:aws:s3:::lake-raw' }]);
    const nestedId = h.engine.stackResources('root')[0]!.physicalId;
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: nestedId }));
    expect(Stacks![0]).toMatchObject({
      StackName: expect.stringMatching(/^root-Child-[A-Z0-9]{12}$/),
      StackStatus: 'CREATE_COMPLETE',
      ParentId: StackId,
      RootId: StackId,
    });

    // The child template changes behind the same TemplateURL: the bucket is renamed (replacement) and a topic is added.
    await putChild(
      child({
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${Name}-raw-v2' } } },
        Topic: { Type: 'AWS::SNS::Topic' },
      }),
    );
    await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'root',
        ChangeSetName: 'nested',
        UsePreviousTemplate: true,
        IncludeNestedStacks: true,
      }),
    );
    await h.engine.waitForIdle();
    const top = await h.cfn.send(new DescribeChangeSetCommand({ StackName: 'root', ChangeSetName: 'nested' }));
    expect(top.Status).toBe('CREATE_COMPLETE');
    expect(top.Changes).toHaveLength(1);
    const childChange = top.Changes![0]!.ResourceChange!;
    expect(childChange).toMatchObject({
      Action: 'Modify',
      LogicalResourceId: 'Child',
      PhysicalResourceId: nestedId,
      ResourceType: 'AWS::CloudFormation::Stack',
      Replacement: 'False',
    });
    const nested = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: childChange.ChangeSetId }));
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
    await expect(h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: childChange.ChangeSetId }))).rejects.toThrow(
      'is a nested change set',
    );

    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: top.ChangeSetId }));
    await h.engine.waitForIdle();
    expect(await h.stack('root')).toMatchObject({
      StackStatus: 'UPDATE_COMPLETE',
      Outputs: [{ OutputKey: 'ChildBucketArn', OutputValue: 'arn:aws:s3:::lake-raw-v2' }],
    });
    expect((await h.stack(nestedId)).StackStatus).toBe('UPDATE_COMPLETE');
    expect([...h.objects.buckets.keys()].sort()).toEqual(['lake-raw-v2', 'templates']);
    expect(
      (await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: childChange.ChangeSetId }))).ExecutionStatus,
    ).toBe('EXECUTE_COMPLETE');

    await h.cfn.send(new DeleteStackCommand({ StackName: 'root' }));
    await h.engine.waitForIdle();
    expect((await h.stack(nestedId)).StackStatus).toBe('DELETE_COMPLETE');
    expect([...h.objects.buckets.keys()]).toEqual(['templates']);
  });

  it('a nested stack that fails to create fails its parent, which rolls back', async () => {
    await putChild(child({ Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'UPPER' } } }));
    await h.cfn.send(new CreateStackCommand({ StackName: 'root', TemplateBody: json(parent) }));
    await h.engine.waitForIdle();
    const root = await h.stack('root');
    expect(root).toMatchObject({
      StackStatus: 'ROLLBACK_COMPLETE',
      StackStatusReason: 'The following resource(s) failed to create: [Child]. Rollback requested by user.',
    });
    const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'root' }));
    expect(StackEvents!.find((e) => e.ResourceStatus === 'CREATE_FAILED')!.ResourceStatusReason).toMatch(
      /^Embedded stack arn:aws:cloudformation:us-east-1:000000000000:stack\/root-Child-\w+\/[0-9a-f-]+ was not successfully created: The following resource\(s\) failed to create: \[Bucket\]/,
    );
    const { StackSummaries } = await h.cfn.send(new ListStacksCommand({}));
    expect(StackSummaries!.map((s) => `${s.StackName!.replace(/-[A-Z0-9]{12}$/, '')} ${s.StackStatus}`).sort()).toEqual(
      ['root ROLLBACK_COMPLETE', 'root-Child DELETE_COMPLETE'],
    );
  });
});
