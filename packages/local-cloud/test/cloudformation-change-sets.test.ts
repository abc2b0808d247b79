import {
  type Change,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetOutput,
  DescribeStackEventsCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  type ResourceChange,
} from '@aws-sdk/client-cloudformation';
import { changeSetVerdict, isEmptyChangeSet } from '@glue-cd/core';
import { type Harness, json, startHarness } from './cloudformation/harness';

interface TemplateJson {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, unknown>;
}

const workerProperties = {
  FunctionName: 'worker',
  Handler: 'index.handler',
  Runtime: 'nodejs20.x',
  Role: 'arn:aws:iam::000000000000:role/r',
  Code: { S3Bucket: 'artifacts', S3Key: 'worker/1.zip' },
  Environment: { Variables: { BUCKET: { Ref: 'Data' } } as Record<string, unknown> },
};

const baseTemplate = (): TemplateJson => ({
  Parameters: { Retention: { Type: 'Number', Default: 7 } },
  Resources: {
    Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${AWS::StackName}-data' } } },
    Logs: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: '/app/logs', RetentionInDays: { Ref: 'Retention' } },
    },
    Db: {
      Type: 'AWS::Glue::Database',
      Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'sales', Description: 'v1' } },
    },
    Kept: {
      Type: 'AWS::SNS::Topic',
      DeletionPolicy: 'Retain',
      Properties: { TopicName: 'kept' },
    },
    Gone: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'gone' } },
    Worker: { Type: 'AWS::Lambda::Function', Properties: workerProperties },
  },
});

const byLogicalId = (changes: Change[] | undefined): Record<string, ResourceChange> =>
  Object.fromEntries((changes ?? []).map((c) => [c.ResourceChange!.LogicalResourceId!, c.ResourceChange!]));

describe('local CloudFormation: change sets', () => {
  let h: Harness;
  let stackId: string;

  const changeSet = async (
    name: string,
    input: {
      TemplateBody?: string;
      UsePreviousTemplate?: boolean;
      Parameters?: { ParameterKey: string; ParameterValue?: string; UsePreviousValue?: boolean }[];
    },
  ): Promise<DescribeChangeSetOutput> => {
    const { Id } = await h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'app',
        ChangeSetName: name,
        ...input,
      }),
    );
    expect(Id).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:000000000000:changeSet/${name}/`));
    await h.engine.waitForIdle();
    return h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: name, StackName: 'app' }));
  };

  beforeEach(async () => {
    h = await startHarness();
    ({ StackId: stackId } = (await h.cfn.send(
      new CreateStackCommand({ StackName: 'app', TemplateBody: json(baseTemplate()) }),
    )) as { StackId: string });
    await h.engine.waitForIdle();
    expect((await h.stack('app')).StackStatus).toBe('CREATE_COMPLETE');
  });
  afterEach(() => h.close());

  const retentionChange = () =>
    changeSet('retention', {
      UsePreviousTemplate: true,
      Parameters: [{ ParameterKey: 'Retention', ParameterValue: '14' }],
    });

  it('a changed parameter value is a safe Modify (Replacement False)', async () => {
    // Act
    const described = await retentionChange();

    // Assert
    expect(described).toMatchObject({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      StackId: stackId,
      StackName: 'app',
    });
    expect(described.Parameters).toEqual([{ ParameterKey: 'Retention', ParameterValue: '14' }]);
    expect(described.Changes).toEqual([
      {
        Type: 'Resource',
        HookInvocationCount: 0,
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'Logs',
          PhysicalResourceId: '/app/logs',
          ResourceType: 'AWS::Logs::LogGroup',
          Replacement: 'False',
          Scope: ['Properties'],
          Details: [
            {
              Target: {
                Attribute: 'Properties',
                Name: 'RetentionInDays',
                RequiresRecreation: 'Never',
                Path: '/Properties/RetentionInDays',
              },
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
            },
          ],
        },
      },
    ]);
    expect(changeSetVerdict(described.Changes!).safe).toBe(true);
  });

  it('executing the safe change set updates the resource in place', async () => {
    // Arrange
    const described = await retentionChange();

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: described.ChangeSetId }));
    await h.engine.waitForIdle();
    const executed = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: described.ChangeSetId }));

    // Assert
    expect((await h.stack('app')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(h.engine.stackResources('app').find((r) => r.logicalId === 'Logs')!.properties.RetentionInDays).toBe('14');
    expect(executed.ExecutionStatus).toBe('EXECUTE_COMPLETE');
  });

  /** Renames the bucket and the database (replacements), removes two topics (one retained), adds one. */
  const destructiveTemplate = (): TemplateJson => {
    const next = baseTemplate();
    next.Resources.Data = {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: 'app-data-v2',
      },
    };
    next.Resources.Db = {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: { Name: 'sales_v2', Description: 'v1' },
      },
    };
    delete next.Resources.Kept;
    delete next.Resources.Gone;
    next.Resources.Alerts = {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: 'alerts',
      },
    };
    return next;
  };

  it('reports replacements (top-level and nested), removals with their PolicyAction, additions and dynamic references', async () => {
    // Act
    const described = await changeSet('replace', { TemplateBody: json(destructiveTemplate()) });

    // Assert
    expect(described.Status).toBe('CREATE_COMPLETE');
    const changes = byLogicalId(described.Changes);
    expect(Object.keys(changes).sort()).toEqual(['Alerts', 'Data', 'Db', 'Gone', 'Kept', 'Worker']);
    expect(changes.Data).toMatchObject({
      Action: 'Modify',
      PhysicalResourceId: 'app-data',
      Replacement: 'True',
      PolicyAction: 'ReplaceAndDelete',
      Details: [
        {
          Target: {
            Attribute: 'Properties',
            Name: 'BucketName',
            RequiresRecreation: 'Always',
          },
          Evaluation: 'Static',
          ChangeSource: 'DirectModification',
        },
      ],
    });
    // fullDiff alone calls this WILL_UPDATE; the resource specification marks DatabaseInput.Name as replacing.
    expect(changes.Db).toMatchObject({
      Action: 'Modify',
      Replacement: 'True',
      PolicyAction: 'ReplaceAndDelete',
      Details: [{ Target: { Name: 'DatabaseInput', RequiresRecreation: 'Always' } }],
    });
    expect(changes.Gone).toMatchObject({
      Action: 'Remove',
      PhysicalResourceId: 'arn:aws:sns:us-east-1:000000000000:gone',
      PolicyAction: 'Delete',
    });
    expect(changes.Kept).toMatchObject({ Action: 'Remove', PolicyAction: 'Retain' });
    expect(changes.Alerts).toMatchObject({ Action: 'Add', ResourceType: 'AWS::SNS::Topic' });
    expect(changes.Alerts!.PhysicalResourceId).toBeUndefined();
    expect(changes.Worker).toMatchObject({
      Action: 'Modify',
      Replacement: 'False',
      Details: [
        {
          Target: { Name: 'Environment', RequiresRecreation: 'Never' },
          Evaluation: 'Dynamic',
          ChangeSource: 'ResourceReference',
          CausingEntity: 'Data',
        },
      ],
    });
    const verdict = changeSetVerdict(described.Changes!);
    expect(verdict.safe).toBe(false);
    expect(verdict.violations.map((v) => v.logicalId).sort()).toEqual(['Data', 'Db', 'Gone', 'Kept']);
  });

  it('executing the destructive change set replaces, removes (retaining Kept) and adds, cleaning up last', async () => {
    // Arrange
    await changeSet('replace', { TemplateBody: json(destructiveTemplate()) });
    await h.objects.putObject('app-data', 'keep-me.csv', Buffer.from('x'));
    await h.objects.deleteObject('app-data', 'keep-me.csv');

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'replace', StackName: 'app' }));
    const whileExecuting = (await h.stack('app')).StackStatus;
    await h.engine.waitForIdle();
    const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }));

    // Assert
    expect(whileExecuting).toBe('UPDATE_IN_PROGRESS');
    expect((await h.stack('app')).StackStatus).toBe('UPDATE_COMPLETE');
    expect([...h.objects.buckets.keys()]).toEqual(['app-data-v2']);
    expect(h.objects.calls.slice(-2)).toEqual(['createBucket app-data-v2', 'deleteBucket app-data']);
    expect(h.functions.functions.get('worker')!.environment).toEqual({ BUCKET: 'app-data-v2' });
    const resources = Object.fromEntries(h.engine.stackResources('app').map((r) => [r.logicalId, r]));
    expect(Object.keys(resources).sort()).toEqual(['Alerts', 'Data', 'Db', 'Logs', 'Worker']);
    expect(resources.Db!.physicalId).toBe('sales_v2');
    expect(resources.Data).toMatchObject({ physicalId: 'app-data-v2', status: 'UPDATE_COMPLETE' });
    const statuses = StackEvents!.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`).reverse();
    const after = statuses.slice(statuses.lastIndexOf('app UPDATE_IN_PROGRESS'));
    expect(after).toEqual(
      expect.arrayContaining([
        'app UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'Kept DELETE_SKIPPED',
        'Gone DELETE_COMPLETE',
        'Data DELETE_COMPLETE',
        'app UPDATE_COMPLETE',
      ]),
    );
    expect(after.indexOf('Data DELETE_COMPLETE')).toBeGreaterThan(
      after.indexOf('app UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    );
    expect(
      StackEvents!.find((e) => e.LogicalResourceId === 'Data' && e.ResourceStatus === 'UPDATE_IN_PROGRESS')!
        .ResourceStatusReason,
    ).toBe('Requested update requires the creation of a new physical resource; hence creating one.');
  });

  it('an unchanged template makes an empty change set that FAILED with AWS reason', async () => {
    // Act
    const described = await changeSet('same', {
      TemplateBody: json(baseTemplate()),
      Parameters: [{ ParameterKey: 'Retention', UsePreviousValue: true }],
    });
    const execute = await h.cfn
      .send(new ExecuteChangeSetCommand({ ChangeSetName: 'same', StackName: 'app' }))
      .catch((error: unknown) => error);
    await h.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: 'same', StackName: 'app' }));
    const missing = await h.cfn
      .send(new DescribeChangeSetCommand({ ChangeSetName: 'same', StackName: 'app' }))
      .catch((error: unknown) => error);

    // Assert
    expect(described).toMatchObject({
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      Changes: [],
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    expect(isEmptyChangeSet(described)).toBe(true);
    expect(execute).toMatchObject({ name: expect.stringMatching(/^InvalidChangeSetStatus/) });
    expect(missing).toMatchObject({
      name: expect.stringMatching(/^ChangeSetNotFound/),
      message: 'ChangeSet [same] does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('a failed update rolls back to the previous template and resources (UPDATE_ROLLBACK_COMPLETE)', async () => {
    // Arrange
    const next = baseTemplate();
    next.Resources.Worker = {
      Type: 'AWS::Lambda::Function',
      Properties: { ...workerProperties, Environment: { Variables: { BUCKET: 'changed' } } },
    };
    next.Resources.Broken = {
      Type: 'AWS::S3::Bucket',
      DependsOn: 'Worker',
      Properties: {
        BucketName: 'NOT valid',
      },
    };
    await changeSet('breaks', { TemplateBody: json(next) });

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: 'breaks', StackName: 'app' }));
    await h.engine.waitForIdle();
    const stack = await h.stack('app');
    const { TemplateBody } = await h.cfn.send(new GetTemplateCommand({ StackName: 'app' }));
    const executed = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'breaks', StackName: 'app' }));
    // Back on the previous template, the stack takes updates again.
    const retry = await changeSet('retry', {
      UsePreviousTemplate: true,
      Parameters: [{ ParameterKey: 'Retention', ParameterValue: '30' }],
    });

    // Assert
    expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stack.StackStatusReason).toBe('The following resource(s) failed to create: [Broken].');
    expect(h.functions.calls.filter((c) => c.startsWith('updateFunction'))).toHaveLength(2);
    expect(h.functions.functions.get('worker')!.environment).toEqual({ BUCKET: 'app-data' });
    expect(
      h.engine
        .stackResources('app')
        .map((r) => r.logicalId)
        .sort(),
    ).toEqual(['Data', 'Db', 'Gone', 'Kept', 'Logs', 'Worker']);
    expect(JSON.parse(TemplateBody!)).toEqual(baseTemplate());
    expect(executed.ExecutionStatus).toBe('EXECUTE_FAILED');
    expect(retry.Status).toBe('CREATE_COMPLETE');
  });
});

describe('local CloudFormation: replacing a custom-named resource', () => {
  it('fails like AWS and rolls back, keeping the table', async () => {
    // Arrange
    const h = await startHarness();
    try {
      const table = (database: string) => ({
        Resources: {
          Trips: {
            Type: 'AWS::Glue::Table',
            Properties: {
              CatalogId: '000000000000',
              DatabaseName: database,
              TableInput: { Name: 'trips' },
            },
          },
        },
      });
      await h.cfn.send(new CreateStackCommand({ StackName: 'tables', TemplateBody: json(table('raw')) }));
      await h.engine.waitForIdle();
      await h.cfn.send(
        new CreateChangeSetCommand({
          StackName: 'tables',
          ChangeSetName: 'move',
          TemplateBody: json(table('curated')),
        }),
      );
      await h.engine.waitForIdle();

      // Act
      const described = await h.cfn.send(new DescribeChangeSetCommand({ StackName: 'tables', ChangeSetName: 'move' }));
      await h.cfn.send(new ExecuteChangeSetCommand({ StackName: 'tables', ChangeSetName: 'move' }));
      await h.engine.waitForIdle();
      const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'tables' }));

      // Assert
      expect(byLogicalId(described.Changes).Trips).toMatchObject({
        Action: 'Modify',
        Replacement: 'True',
        PhysicalResourceId: 'trips',
      });
      expect((await h.stack('tables')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(StackEvents!.find((e) => e.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
        LogicalResourceId: 'Trips',
        ResourceStatusReason:
          'CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename trips and update the stack again.',
      });
      expect(h.engine.stackResources('tables')[0]).toMatchObject({
        physicalId: 'trips',
        properties: { DatabaseName: 'raw' },
      });
    } finally {
      await h.close();
    }
  });
});

describe('local CloudFormation: CREATE change sets and pagination', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ changeSetPageSize: 2, stepDelayMs: 50 });
  });
  afterEach(() => h.close());

  const fiveTopics = {
    Resources: Object.fromEntries(
      ['A', 'B', 'C', 'D', 'E'].map((id) => [id, { Type: 'AWS::SNS::Topic', Properties: { TopicName: `t-${id}` } }]),
    ),
  };

  const createInitial = () =>
    h.cfn.send(
      new CreateChangeSetCommand({
        StackName: 'fresh',
        ChangeSetName: 'initial',
        ChangeSetType: 'CREATE',
        TemplateBody: json(fiveTopics),
        IncludeNestedStacks: true,
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );

  it('a CREATE change set makes a REVIEW_IN_PROGRESS stack; DescribeChangeSet pages by NextToken', async () => {
    // Act
    const { Id, StackId } = await createInitial();
    const pending = await h.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    const reviewStatus = (await h.stack('fresh')).StackStatus;
    await h.engine.waitForIdle();
    const pages: DescribeChangeSetOutput[] = [];
    let token: string | undefined;
    do {
      const described = await h.cfn.send(
        new DescribeChangeSetCommand({
          ChangeSetName: 'initial',
          StackName: 'fresh',
          NextToken: token,
        }),
      );
      pages.push(described);
      token = described.NextToken;
    } while (token);
    const badToken = await h.cfn
      .send(
        new DescribeChangeSetCommand({
          ChangeSetName: 'initial',
          StackName: 'fresh',
          NextToken: 'garbage',
        }),
      )
      .catch((error: unknown) => error);
    const { Summaries } = await h.cfn.send(new ListChangeSetsCommand({ StackName: 'fresh' }));
    const duplicate = await createInitial().catch((error: unknown) => error);

    // Assert
    expect(['CREATE_PENDING', 'CREATE_IN_PROGRESS']).toContain(pending.Status);
    expect(reviewStatus).toBe('REVIEW_IN_PROGRESS');
    expect(pages.map((p) => p.Changes!.length)).toEqual([2, 2, 1]);
    expect(
      pages.flatMap((p) => p.Changes!.map((c) => `${c.ResourceChange!.Action} ${c.ResourceChange!.LogicalResourceId}`)),
    ).toEqual(['Add A', 'Add B', 'Add C', 'Add D', 'Add E']);
    expect(pages[0]).toMatchObject({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      IncludeNestedStacks: true,
      Tags: [{ Key: 'team', Value: 'data' }],
    });
    expect(badToken).toMatchObject({ message: expect.stringContaining('Invalid NextToken') });
    expect(Summaries).toEqual([
      expect.objectContaining({
        ChangeSetId: Id,
        ChangeSetName: 'initial',
        StackId,
        Status: 'CREATE_COMPLETE',
        ExecutionStatus: 'AVAILABLE',
      }),
    ]);
    expect(duplicate).toMatchObject({ name: 'AlreadyExistsException', message: 'ChangeSet [initial] already exists' });
  });

  it('executing a CREATE change set creates the stack; it cannot be created again, nor an unknown one updated', async () => {
    // Arrange
    const { Id, StackId } = await createInitial();
    await h.engine.waitForIdle();

    // Act
    await h.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
    await h.engine.waitForIdle();
    const stack = await h.stack('fresh');
    const again = await h.cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 'fresh',
          ChangeSetName: 'again',
          ChangeSetType: 'CREATE',
          TemplateBody: json(fiveTopics),
        }),
      )
      .catch((error: unknown) => error);
    const unknown = await h.cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 'other',
          ChangeSetName: 'upd',
          TemplateBody: json(fiveTopics),
        }),
      )
      .catch((error: unknown) => error);

    // Assert
    expect(stack).toMatchObject({
      StackId,
      StackStatus: 'CREATE_COMPLETE',
      Tags: [{ Key: 'team', Value: 'data' }],
      ChangeSetId: Id,
    });
    expect(h.engine.stackResources('fresh')).toHaveLength(5);
    expect(again).toMatchObject({
      message: 'Stack [fresh] already exists and cannot be created again with the changeSet [again].',
    });
    expect(unknown).toMatchObject({ message: 'Stack [other] does not exist' });
  });
});
