import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListExportsCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  ValidateTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { functionArn } from '../src/contracts';
import { type Harness, json, startHarness } from './cloudformation/harness';

const appTemplate = {
  Description: 'app with intrinsics',
  Parameters: {
    Env: {
      Type: 'String',
      AllowedValues: ['dev', 'prod'],
      Default: 'dev',
    },
    Memory: {
      Type: 'Number',
      Default: 256,
      MinValue: 128,
    },
  },
  Mappings: { Timeouts: { dev: { Seconds: 30 }, prod: { Seconds: 60 } } },
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
  Resources: {
    Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${AWS::StackName}-data-${Env}' } } },
    ProdOnly: { Type: 'AWS::S3::Bucket', Condition: 'IsProd' },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
    },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: 'index.handler',
        Runtime: 'nodejs20.x',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Code: { ZipFile: 'exports.handler = async () => 1' },
        Timeout: { 'Fn::FindInMap': ['Timeouts', { Ref: 'Env' }, 'Seconds'] },
        MemorySize: { Ref: 'Memory' },
        Environment: {
          Variables: {
            BUCKET: { Ref: 'Data' },
            BUCKET_ARN: { 'Fn::GetAtt': ['Data', 'Arn'] },
            SECOND: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
            PROD: { 'Fn::If': ['IsProd', 'yes', 'no'] },
            OPTIONAL: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] },
            LITERAL: { 'Fn::Sub': '${!NotResolved}-${AWS::Region}' },
            WHERE: {
              'Fn::Join': ['/', [{ Ref: 'AWS::Partition' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::URLSuffix' }]],
            },
            ENCODED: { 'Fn::Base64': 'hi' },
            VARS: { 'Fn::Sub': ['${Name}:${Data.DomainName}', { Name: { Ref: 'AWS::StackName' } }] },
          },
        },
      },
    },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
        DefinitionString: {
          'Fn::Sub':
            '{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"${Worker.Arn}","Next":"Done"},"Done":{"Type":"Pass","Comment":"${!Greeting}","End":true}}}',
        },
        DefinitionSubstitutions: { Greeting: 'hello' },
      },
    },
  },
  Outputs: {
    BucketName: { Value: { Ref: 'Data' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-bucket' } } },
    MachineArn: { Value: { Ref: 'Machine' }, Description: 'the state machine' },
    MachineName: { Value: { 'Fn::GetAtt': ['Machine', 'Name'] } },
    ProdOutput: { Value: 'only in prod', Condition: 'IsProd' },
  },
};

describe('local CloudFormation: creating stacks', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('refuses an IAM template without CAPABILITY_IAM, naming the capability', async () => {
    // Act
    const create = h.cfn.send(new CreateStackCommand({ StackName: 'app', TemplateBody: json(appTemplate) }));

    // Assert
    await expect(create).rejects.toMatchObject({
      name: 'InsufficientCapabilitiesException',
      message: 'Requires capabilities : [CAPABILITY_IAM]',
    });
  });

  it('creates asynchronously in dependency order, resolving intrinsics, outputs and exports', async () => {
    // Act
    const { StackId } = await h.cfn.send(
      new CreateStackCommand({
        StackName: 'app',
        TemplateBody: json(appTemplate),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const whileCreating = (await h.stack('app')).StackStatus;
    await h.engine.waitForIdle();
    const stack = await h.stack('app');
    const { Exports } = await h.cfn.send(new ListExportsCommand({}));
    const { StackResourceSummaries } = await h.cfn.send(new ListStackResourcesCommand({ StackName: 'app' }));
    const { StackResourceDetail } = await h.cfn.send(
      new DescribeStackResourceCommand({ StackName: 'app', LogicalResourceId: 'Machine' }),
    );
    const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'app' }));
    const { TemplateBody } = await h.cfn.send(new GetTemplateCommand({ StackName: 'app' }));

    // Assert
    expect(StackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/app\/[0-9a-f-]{36}$/);
    expect(whileCreating).toBe('CREATE_IN_PROGRESS');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.Description).toBe('app with intrinsics');
    expect(stack.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Env', ParameterValue: 'dev' },
        { ParameterKey: 'Memory', ParameterValue: '256' },
      ]),
    );
    const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o]));
    expect(outputs.BucketName).toMatchObject({ OutputValue: 'app-data-dev', ExportName: 'app-bucket' });
    expect(outputs.MachineArn!.OutputValue).toMatch(
      /^arn:aws:states:us-east-1:000000000000:stateMachine:Machine-[A-Z0-9]{12}$/,
    );
    expect(outputs.MachineArn!.Description).toBe('the state machine');
    expect(outputs.MachineName!.OutputValue).toBe(outputs.MachineArn!.OutputValue!.split(':').pop());
    expect(outputs.ProdOutput).toBeUndefined();

    expect([...h.objects.buckets.keys()]).toEqual(['app-data-dev']);
    const [[functionName, worker]] = [...h.functions.functions.entries()] as [
      [string, typeof h.functions.functions extends Map<string, infer D> ? D : never],
    ];
    expect(functionName).toMatch(/^app-Worker-[A-Z0-9]{12}$/);
    expect(worker).toMatchObject({
      handler: 'index.handler',
      runtime: 'nodejs20.x',
      timeoutSeconds: 30,
      memorySize: 256,
      code: { zipFile: 'exports.handler = async () => 1' },
      role: expect.stringMatching(/^arn:aws:iam::000000000000:role\/app-Role-[A-Z0-9]+$/),
    });
    expect(worker.environment).toEqual({
      BUCKET: 'app-data-dev',
      BUCKET_ARN: 'arn:aws:s3:::app-data-dev',
      SECOND: 'b',
      PROD: 'no',
      LITERAL: '${NotResolved}-us-east-1',
      WHERE: 'aws/000000000000/amazonaws.com',
      ENCODED: Buffer.from('hi').toString('base64'),
      VARS: 'app:app-data-dev.s3.amazonaws.com',
    });
    const machine = h.stateMachines.machines.get(outputs.MachineArn!.OutputValue!)!;
    expect(JSON.parse(machine.definition)).toMatchObject({
      States: { Run: { Resource: functionArn(functionName) }, Done: { Comment: 'hello' } },
    });
    expect(h.functions.calls[0]).toBe(`createFunction ${functionName}`);
    expect(Exports).toEqual([{ ExportingStackId: StackId, Name: 'app-bucket', Value: 'app-data-dev' }]);
    expect(h.engine.exports()).toEqual({ 'app-bucket': 'app-data-dev' });
    expect(StackResourceSummaries!.map((r) => r.LogicalResourceId).sort()).toEqual([
      'Data',
      'Machine',
      'Role',
      'Worker',
    ]);
    expect(StackResourceSummaries!.every((r) => r.ResourceStatus === 'CREATE_COMPLETE')).toBe(true);
    expect(StackResourceDetail!.PhysicalResourceId).toBe(outputs.MachineArn!.OutputValue);
    expect(StackEvents![0]).toMatchObject({
      LogicalResourceId: 'app',
      ResourceStatus: 'CREATE_COMPLETE',
      ResourceType: 'AWS::CloudFormation::Stack',
    });
    expect(StackEvents![StackEvents!.length - 1]).toMatchObject({
      LogicalResourceId: 'app',
      ResourceStatus: 'CREATE_IN_PROGRESS',
      ResourceStatusReason: 'User Initiated',
    });
    // Dependencies first: the role and the bucket exist before the function, the function before the state machine.
    const completed = StackEvents!
      .filter((e) => e.ResourceStatus === 'CREATE_COMPLETE' && e.LogicalResourceId !== 'app')
      .map((e) => e.LogicalResourceId)
      .reverse();
    expect(completed.indexOf('Worker')).toBeGreaterThan(completed.indexOf('Role'));
    expect(completed.indexOf('Worker')).toBeGreaterThan(completed.indexOf('Data'));
    expect(completed.indexOf('Machine')).toBeGreaterThan(completed.indexOf('Worker'));
    expect(JSON.parse(TemplateBody!)).toEqual(appTemplate);
    expect(h.engine.stackResources('app').find((r) => r.logicalId === 'Data')).toMatchObject({
      type: 'AWS::S3::Bucket',
      physicalId: 'app-data-dev',
      status: 'CREATE_COMPLETE',
      properties: { BucketName: 'app-data-dev' },
    });
  });

  it('answers AWS errors for duplicates and busy stacks', async () => {
    // Arrange
    const busy = await startHarness({ stepDelayMs: 200 });
    try {
      const template = json({ Resources: { A: { Type: 'AWS::S3::Bucket' } } });
      const { StackId } = await busy.cfn.send(new CreateStackCommand({ StackName: 'busy', TemplateBody: template }));

      // Act
      const update = await busy.cfn
        .send(new UpdateStackCommand({ StackName: 'busy', TemplateBody: template }))
        .catch((error: unknown) => error);
      const again = await busy.cfn
        .send(new CreateStackCommand({ StackName: 'busy', TemplateBody: template }))
        .catch((error: unknown) => error);

      // Assert
      expect(update).toMatchObject({
        message: `Stack:${StackId} is in CREATE_IN_PROGRESS state and can not be updated.`,
      });
      expect(again).toMatchObject({
        name: 'AlreadyExistsException',
        message: 'Stack [busy] already exists',
      });
    } finally {
      await busy.close();
    }
  });

  it('creates one stack for two CreateStack calls of one name at once: the other is AlreadyExists', async () => {
    // Arrange: two deploys racing to create the same new stack, each with its own token.
    const template = json({ Resources: { A: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'raced' } } } });
    await h.objects.createBucket('raced-templates');
    await h.objects.putObject('raced-templates', 'app.json', Buffer.from(template));
    // The state folder's store reads the object from disk: an I/O wait, during which the other call is served.
    const read = h.objects.getObject.bind(h.objects);
    jest
      .spyOn(h.objects, 'getObject')
      .mockImplementation(
        async (bucket, key) => (await new Promise((resolve) => setTimeout(resolve, 50)), read(bucket, key)),
      );
    const create = (token: string) =>
      h.cfn
        .send(
          new CreateStackCommand({
            StackName: 'raced',
            TemplateURL: 'https://raced-templates.s3.us-east-1.amazonaws.com/app.json',
            ClientRequestToken: token,
          }),
        )
        .catch((error: unknown) => error as Error);

    // Act
    const answers = await Promise.all([create('first'), create('second')]);

    // Assert
    const failures = answers.filter((answer) => answer instanceof Error);
    expect(failures).toEqual([expect.objectContaining({ name: 'AlreadyExistsException' })]);
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({}));
    expect((Stacks ?? []).filter((stack) => stack.StackName === 'raced')).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, string | RegExp]>([
    [
      'a parameter value outside AllowedValues',
      {
        TemplateBody: json(appTemplate),
        Capabilities: ['CAPABILITY_IAM'],
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'test' }],
      },
      "Parameter 'Env' must be one of AllowedValues",
    ],
    [
      'an undeclared parameter',
      {
        TemplateBody: json(appTemplate),
        Capabilities: ['CAPABILITY_IAM'],
        Parameters: [{ ParameterKey: 'Nope', ParameterValue: 'x' }],
      },
      'Parameters: [Nope] do not exist in the template',
    ],
    [
      'a dependency cycle',
      {
        TemplateBody: json({
          Resources: {
            A: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { Ref: 'B' } } },
            B: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { 'Fn::GetAtt': ['A', 'TopicName'] } } },
          },
        }),
      },
      'Circular dependency between resources: [A, B]',
    ],
    [
      'a reference to an undeclared resource',
      {
        TemplateBody: json({
          Resources: { A: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { Ref: 'Missing' } } } },
        }),
      },
      'Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template',
    ],
    [
      'an attribute the type does not have',
      {
        TemplateBody: json({
          Resources: {
            A: { Type: 'AWS::S3::Bucket' },
            B: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { 'Fn::GetAtt': ['A', 'Colour'] } } },
          },
        }),
      },
      'Template error: resource A does not support attribute type Colour in Fn::GetAtt',
    ],
    [
      'YAML that is not well-formed',
      { TemplateBody: 'Resources: [unclosed' },
      /^Template format error: YAML not well-formed/,
    ],
  ])('refuses %s before touching anything', async (_case, request, message) => {
    // Act
    const refused = await h.cfn
      .send(new CreateStackCommand({ StackName: 'refused', ...request }))
      .catch((error: unknown) => error);

    // Assert
    expect(refused).toMatchObject({
      name: 'ValidationError',
      message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
    });
    expect(h.objects.calls).toEqual([]);
  });

  it('DescribeStacks of an unknown stack is AWS’s ValidationError', async () => {
    // Act
    const missing = await h.cfn.send(new DescribeStacksCommand({ StackName: 'nope' })).catch((error: unknown) => error);

    // Assert
    expect(missing).toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id nope does not exist',
    });
  });

  const brokenTemplate = {
    Resources: {
      Good: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'good-bucket' } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'orders' } },
      Bad: {
        Type: 'AWS::S3::Bucket',
        DependsOn: ['Good', 'Topic'],
        Properties: { BucketName: 'Bad_Bucket' },
      },
      Never: { Type: 'AWS::S3::Bucket', DependsOn: 'Bad' },
    },
  };

  it("fails a role or managed policy past IAM's quotas, as IAM refuses it, counting characters without whitespace", async () => {
    // Arrange: statements of `size` characters (JSON without whitespace) in all.
    const statement = (sid: string, padding: number) => ({
      Sid: sid,
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${'b'.repeat(padding)}/*`,
    });
    const documentOf = (size: number) => {
      const bare = JSON.stringify({ Version: '2012-10-17', Statement: [statement('A', 0)] }).length;
      return { Version: '2012-10-17', Statement: [statement('A', size - bare)] };
    };
    const trust = { Version: '2012-10-17', Statement: [] };
    const roleWith = (...sizes: number[]) => ({
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: trust,
        Policies: sizes.map((size, i) => ({ PolicyName: `p${i}`, PolicyDocument: documentOf(size) })),
      },
    });
    const templates = {
      fits: {
        Resources: {
          Role: roleWith(5_120, 5_120),
          Policy: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: documentOf(6_144) } },
        },
      },
      role: { Resources: { Role: roleWith(5_120, 5_121) } },
      policy: {
        Resources: { Policy: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: documentOf(6_145) } } },
      },
    };

    // Act
    const reasons: Record<string, string | undefined> = {};
    for (const [name, template] of Object.entries(templates)) {
      await h.cfn.send(
        new CreateStackCommand({ StackName: name, TemplateBody: json(template), Capabilities: ['CAPABILITY_IAM'] }),
      );
      await h.engine.waitForIdle();
      const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: name }));
      reasons[name] = StackEvents!.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason;
    }

    // Assert
    expect((await h.stack('fits')).StackStatus).toBe('CREATE_COMPLETE');
    expect((await h.stack('role')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(reasons.role).toMatch(
      /^Maximum policy size of 10240 bytes exceeded for role role-Role-\w+ \(Service: Iam, Status Code: 409, Error Code: LimitExceeded\)$/,
    );
    expect(reasons.policy).toBe(
      'Cannot exceed quota for PolicySize: 6144 (Service: Iam, Status Code: 409, Error Code: LimitExceeded)',
    );
  });

  it('rolls a failed create back: the failed resource has its reason, created ones are deleted', async () => {
    // Act
    await h.cfn.send(new CreateStackCommand({ StackName: 'broken', TemplateBody: json(brokenTemplate) }));
    await h.engine.waitForIdle();
    const stack = await h.stack('broken');
    const { StackEvents } = await h.cfn.send(new DescribeStackEventsCommand({ StackName: 'broken' }));

    // Assert
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(stack.StackStatusReason).toBe(
      'The following resource(s) failed to create: [Bad]. Rollback requested by user.',
    );
    expect(h.objects.calls).toEqual(['createBucket good-bucket', 'deleteBucket good-bucket']);
    expect(h.objects.buckets.size).toBe(0);
    const failed = StackEvents!.find((e) => e.ResourceStatus === 'CREATE_FAILED')!;
    expect(failed.LogicalResourceId).toBe('Bad');
    expect(failed.ResourceStatusReason).toContain("Bucket name 'Bad_Bucket' is not valid");
    expect(failed.ResourceStatusReason).toContain('InvalidBucketName');
    expect(StackEvents!.filter((e) => e.ResourceStatus === 'DELETE_COMPLETE').map((e) => e.LogicalResourceId)).toEqual([
      'Good',
      'Topic',
      'Bad',
    ]);
    expect(StackEvents!.some((e) => e.LogicalResourceId === 'Never')).toBe(false);
  });

  it('a ROLLBACK_COMPLETE stack can only be deleted', async () => {
    // Arrange
    const { StackId } = await h.cfn.send(
      new CreateStackCommand({ StackName: 'broken', TemplateBody: json(brokenTemplate) }),
    );
    await h.engine.waitForIdle();

    // Act
    const update = await h.cfn
      .send(new UpdateStackCommand({ StackName: 'broken', TemplateBody: json(brokenTemplate) }))
      .catch((error: unknown) => error);
    const changeSet = await h.cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 'broken',
          ChangeSetName: 'retry',
          TemplateBody: json(brokenTemplate),
        }),
      )
      .catch((error: unknown) => error);
    await h.cfn.send(new DeleteStackCommand({ StackName: 'broken' }));
    await h.engine.waitForIdle();
    const byName = await h.cfn
      .send(new DescribeStacksCommand({ StackName: 'broken' }))
      .catch((error: unknown) => error);
    const { Stacks } = await h.cfn.send(new DescribeStacksCommand({ StackName: StackId }));

    // Assert
    const refused = `Stack:${StackId} is in ROLLBACK_COMPLETE state and can not be updated.`;
    expect(update).toMatchObject({ message: refused });
    expect(changeSet).toMatchObject({ message: refused });
    expect(byName).toMatchObject({ message: 'Stack with id broken does not exist' });
    expect(Stacks![0]).toMatchObject({ StackStatus: 'DELETE_COMPLETE', DeletionTime: expect.any(Date) });
  });

  it('reads YAML templates with short-form tags, also from a TemplateURL', async () => {
    // Arrange
    const yaml = [
      'AWSTemplateFormatVersion: 2010-09-09',
      'Parameters:',
      '  Stage: { Type: String, Default: test }',
      'Conditions:',
      '  IsTest: !Equals [!Ref Stage, test]',
      'Resources:',
      '  Bucket:',
      '    Type: AWS::S3::Bucket',
      '    Properties:',
      '      BucketName: !Sub "${AWS::StackName}-${Stage}"',
      '  Logs:',
      '    Type: AWS::Logs::LogGroup',
      '    Properties:',
      '      LogGroupName: !Join ["/", ["", app, !Ref Stage]]',
      '      RetentionInDays: !If [IsTest, 7, 30]',
      'Outputs:',
      '  Arn: { Value: !GetAtt Bucket.Arn }',
      '  LogArn: { Value: !GetAtt Logs.Arn }',
      '  Zone: { Value: !Select [0, !GetAZs ""] }',
      '  Name: { Value: !Select [2, !Split ["-", !Ref Bucket]] }',
      '  Imported:',
      '    Value: !Base64 plain',
    ].join('\n');
    await h.objects.createBucket('templates');
    await h.objects.putObject('templates', 'app/template.yaml', Buffer.from(yaml));
    h.objects.calls.length = 0;

    // Act
    await h.cfn.send(
      new CreateStackCommand({
        StackName: 'yaml-app',
        TemplateURL: 'https://templates.s3.us-east-1.amazonaws.com/app/template.yaml',
      }),
    );
    await h.engine.waitForIdle();
    const stack = await h.stack('yaml-app');
    const { Parameters, Description } = await h.cfn.send(new ValidateTemplateCommand({ TemplateBody: yaml }));

    // Assert
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]))).toEqual({
      Arn: 'arn:aws:s3:::yaml-app-test',
      LogArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/test:*',
      Zone: 'us-east-1a',
      Name: 'test',
      Imported: Buffer.from('plain').toString('base64'),
    });
    expect(h.engine.stackResources('yaml-app').find((r) => r.logicalId === 'Logs')).toMatchObject({
      physicalId: '/app/test',
      properties: { RetentionInDays: 7 },
    });
    expect(Parameters).toEqual([{ ParameterKey: 'Stage', DefaultValue: 'test', NoEcho: false }]);
    expect(Description).toBeUndefined();
  });

  it('records types it does not run: physical id from the name property, Arn from the ARN pattern', async () => {
    // Arrange
    const template = {
      Resources: {
        Db: {
          Type: 'AWS::Glue::Database',
          Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'sales' } },
        },
        Job: {
          Type: 'AWS::Glue::Job',
          Properties: {
            Name: 'etl',
            Role: 'r',
            Command: { Name: 'glueetl', ScriptLocation: 's3://b/k.py' },
          },
        },
        Group: { Type: 'AWS::Athena::WorkGroup', Properties: { Name: 'analysts' } },
        Unnamed: {
          Type: 'AWS::Glue::Crawler',
          Properties: {
            Role: 'r',
            DatabaseName: { Ref: 'Db' },
            Targets: {},
          },
        },
      },
      Outputs: { Group: { Value: { Ref: 'Group' } }, CrawlerDb: { Value: { Ref: 'Db' } } },
    };

    // Act
    await h.cfn.send(new CreateStackCommand({ StackName: 'glue', TemplateBody: json(template) }));
    await h.engine.waitForIdle();
    const resources = Object.fromEntries(h.engine.stackResources('glue').map((r) => [r.logicalId, r]));

    // Assert
    expect(resources.Db).toMatchObject({
      physicalId: 'sales',
      properties: { CatalogId: '000000000000', DatabaseInput: { Name: 'sales' } },
    });
    expect(resources.Job!.physicalId).toBe('etl');
    expect(resources.Unnamed!.physicalId).toMatch(/^glue-Unnamed-[A-Z0-9]{12}$/);
    expect(resources.Unnamed!.properties.DatabaseName).toBe('sales');
    expect(h.objects.calls).toEqual([]);
  });
});
