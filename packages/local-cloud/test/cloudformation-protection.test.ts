import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetStackPolicyCommand,
  SetStackPolicyCommand,
  type StackEvent,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { type Harness, json, startHarness } from './cloudformation/harness';

const bucketStack = (bucketName: string, extra: Record<string, unknown> = {}) => ({
  Resources: {
    Data: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: bucketName,
      },
    },
    ...extra,
  },
});

const policy = (...statements: Record<string, unknown>[]): string => json({ Statement: statements });

const allowAll = {
  Effect: 'Allow',
  Action: 'Update:*',
  Principal: '*',
  Resource: '*',
};

const denyReplaceOfData = {
  Effect: 'Deny',
  Action: 'Update:Replace',
  Principal: '*',
  Resource: 'LogicalResourceId/Data',
};

const events = async (h: Harness, stackName: string): Promise<StackEvent[]> =>
  (await h.cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents!;

const eventReason = async (h: Harness, stackName: string, logicalId: string, status: string) =>
  (await events(h, stackName)).find((e) => e.LogicalResourceId === logicalId && e.ResourceStatus === status)
    ?.ResourceStatusReason;

describe('local CloudFormation: termination protection', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('DeleteStack on a protected stack fails with AWS’s ValidationError and leaves the stack as it was', async () => {
    // Arrange
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'guarded',
        TemplateBody: json(bucketStack('guarded-data')),
        EnableTerminationProtection: true,
      }),
    );
    await h.engine.waitForIdle();

    // Act
    const refused = await h.cfn.send(new DeleteStackCommand({ StackName: 'guarded' })).catch((error: unknown) => error);

    // Assert
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message: 'Stack [guarded] cannot be deleted while TerminationProtection is enabled',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await h.stack('guarded')).toMatchObject({
      StackStatus: 'CREATE_COMPLETE',
      EnableTerminationProtection: true,
    });
    expect(h.objects.buckets.has('guarded-data')).toBe(true);
  });

  it('UpdateTerminationProtection turns it off (then DeleteStack deletes) and shows in DescribeStacks', async () => {
    // Arrange
    const { StackId } = await h.cfn.send(
      new CreateStackCommand({
        StackName: 'guarded',
        TemplateBody: json(bucketStack('guarded-data')),
        EnableTerminationProtection: true,
      }),
    );
    await h.engine.waitForIdle();

    // Act
    const updated = await h.cfn.send(
      new UpdateTerminationProtectionCommand({
        StackName: 'guarded',
        EnableTerminationProtection: false,
      }),
    );
    const described = await h.stack('guarded');
    await h.cfn.send(new DeleteStackCommand({ StackName: 'guarded' }));
    await h.engine.waitForIdle();

    // Assert
    expect(updated.StackId).toBe(StackId);
    expect(described.EnableTerminationProtection).toBe(false);
    expect(h.objects.buckets.has('guarded-data')).toBe(false);
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: StackId }));
    expect(Stacks![0]!.StackStatus).toBe('DELETE_COMPLETE');
  });

  it('nested stacks inherit their root’s protection: shown, enforced on a direct delete, not changeable there', async () => {
    // Arrange
    await h.objects.createBucket('templates');
    await h.objects.putObject('templates', 'child.json', Buffer.from(json(bucketStack('child-data'))));
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'root',
        TemplateBody: json({
          Resources: {
            Child: {
              Type: 'AWS::CloudFormation::Stack',
              Properties: {
                TemplateURL: 's3://templates/child.json',
              },
            },
          },
        }),
        EnableTerminationProtection: true,
      }),
    );
    await h.engine.waitForIdle();
    const nestedId = h.engine.stackResources('root')[0]!.physicalId;

    // Act
    const nested = (await h.cfn.send(new DescribeStacksCommand({ StackName: nestedId }))).Stacks![0]!;
    const deleted = await h.cfn.send(new DeleteStackCommand({ StackName: nestedId })).catch((error: unknown) => error);
    const changed = await h.cfn
      .send(new UpdateTerminationProtectionCommand({ StackName: nestedId, EnableTerminationProtection: false }))
      .catch((error: unknown) => error);

    // Assert
    expect(nested.EnableTerminationProtection).toBe(true);
    expect(deleted).toMatchObject({
      name: 'ValidationError',
      message: `Stack [${nestedId}] cannot be deleted while TerminationProtection is enabled`,
    });
    expect(changed).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('inherited from its root stack root'),
    });
    expect((await h.cfn.send(new DescribeStacksCommand({ StackName: nestedId }))).Stacks![0]!.StackStatus).toBe(
      'CREATE_COMPLETE',
    );
  });
});

describe('local CloudFormation: stack policies', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const createGuarded = async (stackPolicy: string) => {
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'lake',
        TemplateBody: json(bucketStack('lake-v1')),
        StackPolicyBody: stackPolicy,
      }),
    );
    await h.engine.waitForIdle();
  };

  it('a policy denying Update:Replace on the bucket fails an update that renames it; the bucket stays, nothing new is made', async () => {
    // Arrange
    await createGuarded(policy(denyReplaceOfData, allowAll));

    // Act
    await h.cfn.send(new UpdateStackCommand({ StackName: 'lake', TemplateBody: json(bucketStack('lake-v2')) }));
    await h.engine.waitForIdle();

    // Assert
    expect(await h.stack('lake')).toMatchObject({
      StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
      StackStatusReason: 'The following resource(s) failed to update: [Data].',
    });
    expect(await eventReason(h, 'lake', 'Data', 'UPDATE_FAILED')).toBe(
      'Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for resource [LogicalResourceId/Data]',
    );
    expect([...h.objects.buckets.keys()]).toEqual(['lake-v1']);
    expect(h.objects.calls.filter((call) => call.startsWith('createBucket'))).toEqual(['createBucket lake-v1']);
    expect(h.engine.stackResources('lake')).toEqual([expect.objectContaining({ physicalId: 'lake-v1' })]);
  });

  it('ExecuteChangeSet honours the policy too: the execution fails and the stack rolls back', async () => {
    // Arrange
    await createGuarded(policy(denyReplaceOfData, allowAll));
    const { Id } = await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'lake',
        ChangeSetName: 'rename',
        TemplateBody: json(bucketStack('lake-v2')),
      }),
    );
    await h.engine.waitForIdle();

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
    await h.engine.waitForIdle();

    // Assert
    expect((await h.stack('lake')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }))).ExecutionStatus).toBe(
      'EXECUTE_FAILED',
    );
    expect([...h.objects.buckets.keys()]).toEqual(['lake-v1']);
  });

  it('what the policy does not deny is allowed; StackPolicyDuringUpdateBody overrides it for one update only', async () => {
    // Arrange
    const stored = policy(denyReplaceOfData, allowAll);
    await createGuarded(stored);

    // Act
    await h.cfn.send(
      new UpdateStackCommand({
        StackName: 'lake',
        TemplateBody: json(bucketStack('lake-v2')),
        StackPolicyDuringUpdateBody: policy(allowAll),
      }),
    );
    await h.engine.waitForIdle();
    const { StackPolicyBody } = await h.cfn.send(new GetStackPolicyCommand({ StackName: 'lake' }));

    // Assert
    expect((await h.stack('lake')).StackStatus).toBe('UPDATE_COMPLETE');
    expect([...h.objects.buckets.keys()]).toEqual(['lake-v2']);
    expect(StackPolicyBody).toBe(stored);
  });

  it('once a policy is set, a change no statement allows is refused; a ResourceType condition selects resources', async () => {
    // Arrange
    const topic = {
      Topic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: 'alerts',
        },
      },
    };
    await h.cfn.send(new CreateStackCommand({ StackName: 'lake', TemplateBody: json(bucketStack('lake-v1', topic)) }));
    await h.engine.waitForIdle();
    await h.cfn.send(
      new SetStackPolicyCommand({
        StackName: 'lake',
        StackPolicyBody: policy({
          Effect: 'Allow',
          Action: 'Update:*',
          Principal: '*',
          Resource: '*',
          Condition: {
            StringEquals: {
              ResourceType: ['AWS::S3::Bucket'],
            },
          },
        }),
      }),
    );

    // Act
    await h.cfn.send(new UpdateStackCommand({ StackName: 'lake', TemplateBody: json(bucketStack('lake-v1')) }));
    await h.engine.waitForIdle();

    // Assert
    expect((await h.stack('lake')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await eventReason(h, 'lake', 'Topic', 'UPDATE_FAILED')).toBe(
      'Action not allowed by stack policy: No statement allows [Update:Delete] for resource [LogicalResourceId/Topic]',
    );
    expect(h.engine.stackResources('lake').map((r) => r.logicalId)).toEqual(['Data', 'Topic']);
  });

  it('SetStackPolicy and GetStackPolicy: none at first, AWS errors for a bad policy or both sources, a URL is read from S3', async () => {
    // Arrange
    await h.cfn.send(new CreateStackCommand({ StackName: 'lake', TemplateBody: json(bucketStack('lake-v1')) }));
    await h.engine.waitForIdle();
    await h.objects.createBucket('policies');
    await h.objects.putObject('policies', 'lake.json', Buffer.from(policy(allowAll)));

    // Act
    const before = await h.cfn.send(new GetStackPolicyCommand({ StackName: 'lake' }));
    const invalid = await h.cfn
      .send(new SetStackPolicyCommand({ StackName: 'lake', StackPolicyBody: policy({ Effect: 'Allow' }) }))
      .catch((error: unknown) => error);
    const both = await h.cfn
      .send(
        new SetStackPolicyCommand({
          StackName: 'lake',
          StackPolicyBody: policy(allowAll),
          StackPolicyURL: 'https://policies.s3.amazonaws.com/lake.json',
        }),
      )
      .catch((error: unknown) => error);
    await h.cfn.send(
      new SetStackPolicyCommand({
        StackName: 'lake',
        StackPolicyURL: 'https://policies.s3.amazonaws.com/lake.json',
      }),
    );
    const after = await h.cfn.send(new GetStackPolicyCommand({ StackName: 'lake' }));

    // Assert
    expect(before.StackPolicyBody).toBeUndefined();
    expect(invalid).toMatchObject({
      name: 'ValidationError',
      message: 'Error validating stack policy: Invalid stack policy',
    });
    expect(both).toMatchObject({
      name: 'ValidationError',
      message: 'You cannot specify both StackPolicyURL and StackPolicyBody',
    });
    expect(after.StackPolicyBody).toBe(policy(allowAll));
  });
});
