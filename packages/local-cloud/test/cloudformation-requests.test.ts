import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListChangeSetsCommand,
  ListStacksCommand,
  type StackEvent,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { type Harness, json, startHarness } from './cloudformation/harness';

const bucketStack = (bucketName: string, policies: Record<string, string> = {}) => ({
  Resources: {
    Data: {
      Type: 'AWS::S3::Bucket',
      ...policies,
      Properties: {
        BucketName: bucketName,
      },
    },
  },
});

const topicStack = (topicName: string) => ({
  Resources: {
    Topic: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: topicName,
      },
    },
  },
});

const eventsOf = async (h: Harness, stackName: string): Promise<StackEvent[]> =>
  (await h.cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents!.reverse();

const stackStatuses = (events: StackEvent[]): string[] =>
  events.filter((e) => e.ResourceType === 'AWS::CloudFormation::Stack').map((e) => e.ResourceStatus!);

describe('local CloudFormation: idempotency tokens', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('CreateStack repeated with the same ClientRequestToken is accepted, not repeated; its events carry the token', async () => {
    // Arrange
    const request = {
      StackName: 'lake',
      TemplateBody: json(bucketStack('lake-data')),
      ClientRequestToken: 'deploy-42-create',
    };
    const first = await h.cfn.send(new CreateStackCommand(request));

    // Act
    const retry = await h.cfn.send(new CreateStackCommand(request));
    await h.engine.waitForIdle();
    const other = await h.cfn
      .send(new CreateStackCommand({ ...request, ClientRequestToken: 'deploy-43-create' }))
      .catch((error: unknown) => error);

    // Assert
    expect(retry.StackId).toBe(first.StackId);
    expect(h.objects.calls).toEqual(['createBucket lake-data']);
    const events = await eventsOf(h, 'lake');
    expect(stackStatuses(events)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(new Set(events.map((e) => e.ClientRequestToken))).toEqual(new Set(['deploy-42-create']));
    expect(other).toMatchObject({ name: 'AlreadyExistsException', message: 'Stack [lake] already exists' });
  });

  it('UpdateStack and DeleteStack retried with their tokens are not repeated; a token reused for another action is refused', async () => {
    // Arrange
    await h.cfn.send(new CreateStackCommand({ StackName: 'lake', TemplateBody: json(topicStack('alerts-v1')) }));
    await h.engine.waitForIdle();
    const update = {
      StackName: 'lake',
      TemplateBody: json(topicStack('alerts-v2')),
      ClientRequestToken: 'deploy-42-update',
    };
    await h.cfn.send(new UpdateStackCommand(update));
    await h.engine.waitForIdle();

    // Act
    const retriedUpdate = await h.cfn.send(new UpdateStackCommand(update));
    const reused = await h.cfn
      .send(new DeleteStackCommand({ StackName: 'lake', ClientRequestToken: 'deploy-42-update' }))
      .catch((error: unknown) => error);
    await h.cfn.send(new DeleteStackCommand({ StackName: 'lake', ClientRequestToken: 'deploy-42-delete' }));
    await h.cfn.send(new DeleteStackCommand({ StackName: 'lake', ClientRequestToken: 'deploy-42-delete' }));
    await h.engine.waitForIdle();

    // Assert
    expect(retriedUpdate.StackId).toBe((await h.cfn.send(new ListStacksCommand({}))).StackSummaries![0]!.StackId);
    expect(reused).toMatchObject({ name: 'TokenAlreadyExistsException' });
    const stackId = (await h.cfn.send(new ListStacksCommand({}))).StackSummaries![0]!.StackId!;
    const events = await eventsOf(h, stackId);
    expect(stackStatuses(events)).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
    expect(events.filter((e) => e.ClientRequestToken === 'deploy-42-update').length).toBeGreaterThan(3);
    expect(events.at(-1)!.ClientRequestToken).toBe('deploy-42-delete');
  });

  it('ExecuteChangeSet retried with its token is accepted without executing twice; without one it is InvalidChangeSetStatus', async () => {
    // Arrange
    await h.cfn.send(new CreateStackCommand({ StackName: 'lake', TemplateBody: json(topicStack('alerts-v1')) }));
    await h.engine.waitForIdle();
    const { Id } = await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'lake',
        ChangeSetName: 'rename',
        TemplateBody: json(topicStack('alerts-v2')),
      }),
    );
    await h.engine.waitForIdle();
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id, ClientRequestToken: 'deploy-42-execute' }));
    await h.engine.waitForIdle();

    // Act
    const retry = await h.cfn.send(
      new ExecuteChangeSetCommand({
        ChangeSetName: Id,
        ClientRequestToken: 'deploy-42-execute',
      }),
    );
    const untokened = await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id })).catch((e: unknown) => e);
    await h.engine.waitForIdle();

    // Assert
    expect(retry.$metadata.httpStatusCode).toBe(200);
    expect(untokened).toMatchObject({ name: 'InvalidChangeSetStatusException' });
    expect(stackStatuses(await eventsOf(h, 'lake')).filter((s) => s === 'UPDATE_IN_PROGRESS')).toHaveLength(1);
  });

  it('CreateChangeSet retried with the same ClientToken gets the same change set; another request for the name is AlreadyExists', async () => {
    // Arrange
    await h.cfn.send(new CreateStackCommand({ StackName: 'lake', TemplateBody: json(topicStack('alerts-v1')) }));
    await h.engine.waitForIdle();
    const request = {
      StackName: 'lake',
      ChangeSetName: 'rename',
      TemplateBody: json(topicStack('alerts-v2')),
      ClientToken: 'deploy-42-changeset',
    };
    const first = await h.cfn.send(new CreateChangeSetCommand(request));
    await h.engine.waitForIdle();

    // Act
    const retry = await h.cfn.send(new CreateChangeSetCommand(request));
    const untokened = await h.cfn
      .send(new CreateChangeSetCommand({ ...request, ClientToken: undefined }))
      .catch((error: unknown) => error);

    // Assert
    expect(retry).toMatchObject({ Id: first.Id, StackId: first.StackId });
    expect(untokened).toMatchObject({ name: 'AlreadyExistsException' });
    expect((await h.cfn.send(new ListChangeSetsCommand({ StackName: 'lake' }))).Summaries).toHaveLength(1);
  });

  it('a token that breaks AWS’s pattern is a ValidationError naming the member', async () => {
    // Act
    const refused = await h.cfn
      .send(
        new CreateStackCommand({
          StackName: 'lake',
          TemplateBody: json(topicStack('alerts')),
          ClientRequestToken: 'not a token',
        }),
      )
      .catch((error: unknown) => error);

    // Assert
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("at 'clientRequestToken' failed to satisfy constraint"),
    });
  });
});

describe('local CloudFormation: REVIEW_IN_PROGRESS', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const createChangeSet = (name: string) =>
    h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'fresh',
        ChangeSetName: name,
        ChangeSetType: 'CREATE',
        TemplateBody: json(topicStack('alerts')),
      }),
    );

  it('deleting the CREATE change set leaves the REVIEW_IN_PROGRESS stack; another CREATE change set is allowed on it', async () => {
    // Arrange
    const { StackId } = await createChangeSet('first');
    await h.engine.waitForIdle();

    // Act
    await h.cfn.send(new DeleteChangeSetCommand({ StackName: 'fresh', ChangeSetName: 'first' }));
    const afterDelete = await h.stack('fresh');
    const second = await createChangeSet('second');
    await h.engine.waitForIdle();

    // Assert
    expect(afterDelete).toMatchObject({ StackId, StackStatus: 'REVIEW_IN_PROGRESS' });
    expect(second.StackId).toBe(StackId);
    const { Summaries } = await h.cfn.send(new ListChangeSetsCommand({ StackName: 'fresh' }));
    expect(Summaries!.map((s) => `${s.ChangeSetName} ${s.Status}`)).toEqual(['second CREATE_COMPLETE']);
    expect((await h.stack('fresh')).StackStatus).toBe('REVIEW_IN_PROGRESS');
  });

  it('DeleteStack removes a REVIEW_IN_PROGRESS stack', async () => {
    // Arrange
    const { StackId } = await createChangeSet('first');
    await h.engine.waitForIdle();

    // Act
    await h.cfn.send(new DeleteStackCommand({ StackName: 'fresh' }));
    await h.engine.waitForIdle();

    // Assert
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: StackId }));
    expect(Stacks![0]!.StackStatus).toBe('DELETE_COMPLETE');
    await expect(h.cfn.send(new DescribeStacksCommand({ StackName: 'fresh' }))).rejects.toThrow(
      'Stack with id fresh does not exist',
    );
    expect(h.objects.calls).toEqual([]);
  });
});

describe('local CloudFormation: Retain policies', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('UpdateReplacePolicy Retain leaves the replaced bucket in place (DELETE_SKIPPED with its physical id)', async () => {
    // Arrange
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'lake',
        TemplateBody: json(bucketStack('lake-v1', { UpdateReplacePolicy: 'Retain' })),
      }),
    );
    await h.engine.waitForIdle();

    // Act
    await h.cfn.send(
      new UpdateStackCommand({
        StackName: 'lake',
        TemplateBody: json(bucketStack('lake-v2', { UpdateReplacePolicy: 'Retain' })),
      }),
    );
    await h.engine.waitForIdle();

    // Assert
    expect((await h.stack('lake')).StackStatus).toBe('UPDATE_COMPLETE');
    expect([...h.objects.buckets.keys()].sort()).toEqual(['lake-v1', 'lake-v2']);
    const skipped = (await eventsOf(h, 'lake')).filter((e) => e.ResourceStatus === 'DELETE_SKIPPED');
    expect(skipped.map((e) => `${e.LogicalResourceId} ${e.PhysicalResourceId}`)).toEqual(['Data lake-v1']);
    expect(h.engine.stackResources('lake')).toEqual([expect.objectContaining({ physicalId: 'lake-v2' })]);
  });

  it('DeletionPolicy Retain keeps a bucket removed from the template, and one left at DeleteStack', async () => {
    // Arrange
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'lake',
        TemplateBody: json({
          Resources: {
            ...bucketStack('lake-old', { DeletionPolicy: 'Retain' }).Resources,
            Kept: {
              Type: 'AWS::S3::Bucket',
              DeletionPolicy: 'Retain',
              Properties: {
                BucketName: 'lake-kept',
              },
            },
          },
        }),
      }),
    );
    await h.engine.waitForIdle();

    // Act
    await h.cfn.send(
      new UpdateStackCommand({
        StackName: 'lake',
        TemplateBody: json({
          Resources: {
            Kept: {
              Type: 'AWS::S3::Bucket',
              DeletionPolicy: 'Retain',
              Properties: {
                BucketName: 'lake-kept',
              },
            },
          },
        }),
      }),
    );
    await h.engine.waitForIdle();
    await h.cfn.send(new DeleteStackCommand({ StackName: 'lake' }));
    await h.engine.waitForIdle();

    // Assert
    expect([...h.objects.buckets.keys()].sort()).toEqual(['lake-kept', 'lake-old']);
    expect(h.objects.calls.filter((call) => call.startsWith('deleteBucket'))).toEqual([]);
    const stackId = (await h.cfn.send(new ListStacksCommand({}))).StackSummaries![0]!.StackId!;
    const skipped = (await eventsOf(h, stackId)).filter((e) => e.ResourceStatus === 'DELETE_SKIPPED');
    expect(skipped.map((e) => e.LogicalResourceId)).toEqual(['Data', 'Kept']);
  });
});
