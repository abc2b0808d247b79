import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createJsonService, iamRequestsOf, LOCAL_WAITER_DELAYS, type LocalCloud } from '../src';
import { handlerRequestsOf } from '../src/iam/cloudformation-handlers';
import { deployProbe, removeDir, signedHeaders, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
const ACCOUNT = '000000000000';
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const cfn = () => new CloudFormationClient({});

const statement = (Sid: string, Action: string | string[], Resource: string | string[]) => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
});

/** The stack that declares the roles of these tests, with `readerStatements` as the reader role's policy. */
const template = (readerStatements: object[]) =>
  JSON.stringify({
    Resources: {
      Reader: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'reader',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          Policies: [{ PolicyName: 'read', PolicyDocument: { Version: '2012-10-17', Statement: readerStatements } }],
        },
      },
      Worker: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'worker',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          Policies: [
            {
              PolicyName: 'scratch',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [statement('Scratch', ['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::iam-data/scratch/*')],
              },
            },
          ],
        },
      },
      Machine: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'machine',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          Policies: [
            {
              PolicyName: 'invoke',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  statement(
                    'InvokeOther',
                    'lambda:InvokeFunction',
                    `arn:aws:lambda:us-east-1:${ACCOUNT}:function:other`,
                  ),
                ],
              },
            },
          ],
        },
      },
      Deployer: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'deployer',
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          Policies: [
            {
              PolicyName: 'buckets',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  statement('AllowedBuckets', ['s3:CreateBucket', 's3:DeleteBucket'], 'arn:aws:s3:::allowed-*'),
                ],
              },
            },
          ],
        },
      },
      DataPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: 'iam-data',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'NoWritesToLocked',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:PutObject',
                Resource: 'arn:aws:s3:::iam-data/locked/*',
              },
            ],
          },
        },
      },
    },
  });

const READER = [
  statement('ReadReports', 's3:GetObject', 'arn:aws:s3:::iam-data/reports/*'),
  statement('WriteReports', 's3:PutObject', ['arn:aws:s3:::iam-data/reports/*', 'arn:aws:s3:::iam-data/locked/*']),
];

const asRole = (name: string): S3Client =>
  new S3Client({ credentials: cloud.credentialsForRole(roleArn(name)), maxAttempts: 1 });

const refusal = (
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> =>
  promise.then(
    () => {
      throw new Error('expected an AccessDenied');
    },
    (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => error,
  );

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
  await cloud.objects.createBucket('iam-data');
  await cloud.objects.putObject('iam-data', 'reports/q1.csv', Buffer.from('a,b\n1,2\n'));
  const client = cfn();
  await client.send(
    new CreateStackCommand({
      StackName: 'roles',
      TemplateBody: template(READER),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await waitUntilStackCreateComplete({ client, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS }, { StackName: 'roles' });
  client.destroy();
});

afterAll(async () => {
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

describe('IAM enforcement', () => {
  test('a role key may do what its policy allows; removing the statement gives the matching AccessDenied', async () => {
    // Arrange
    const reader = asRole('reader');
    const allowed = await reader.send(new GetObjectCommand({ Bucket: 'iam-data', Key: 'reports/q1.csv' }));
    const client = cfn();

    // Act
    await client.send(
      new UpdateStackCommand({
        StackName: 'roles',
        TemplateBody: template(READER.slice(1)),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    await waitUntilStackUpdateComplete({ client, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS }, { StackName: 'roles' });
    const denied = await refusal(reader.send(new GetObjectCommand({ Bucket: 'iam-data', Key: 'reports/q1.csv' })));
    await client.send(
      new UpdateStackCommand({
        StackName: 'roles',
        TemplateBody: template(READER),
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    await waitUntilStackUpdateComplete({ client, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS }, { StackName: 'roles' });
    client.destroy();
    // The statement back, the same request is allowed again (verdicts are remembered per policies and request).
    const again = await reader.send(new GetObjectCommand({ Bucket: 'iam-data', Key: 'reports/q1.csv' }));

    // Assert
    expect(await allowed.Body?.transformToString()).toBe('a,b\n1,2\n');
    expect(await again.Body?.transformToString()).toBe('a,b\n1,2\n');
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/local-cloud is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::iam-data/reports/q1.csv because no identity-based policy allows the s3:GetObject action`,
    );
  });

  test('a bucket policy deny applies on top of the identity policy; the operator key is the account root', async () => {
    // Arrange
    const reader = asRole('reader');
    const operator = new S3Client({});

    // Act
    const written = await reader.send(
      new PutObjectCommand({
        Bucket: 'iam-data',
        Key: 'reports/q2.csv',
        Body: 'x',
      }),
    );
    const locked = await refusal(
      reader.send(
        new PutObjectCommand({
          Bucket: 'iam-data',
          Key: 'locked/x',
          Body: 'x',
        }),
      ),
    );
    const byRoot = await operator.send(new GetObjectCommand({ Bucket: 'iam-data', Key: 'reports/q2.csv' }));
    operator.destroy();

    // Assert
    expect(written.$metadata.httpStatusCode).toBe(200);
    expect(locked.name).toBe('AccessDenied');
    expect(locked.message).toContain('s3:PutObject on resource: arn:aws:s3:::iam-data/locked/x with an explicit deny');
    expect(await byRoot.Body?.transformToString()).toBe('x');
  });

  test('a role no stack declares is allowed nothing', async () => {
    // Act
    const denied = await refusal(
      asRole('ghost').send(new GetObjectCommand({ Bucket: 'iam-data', Key: 'reports/q1.csv' })),
    );

    // Assert
    expect(denied.message).toContain(`because no stack of this local cloud declares the role ${roleArn('ghost')}`);
  });

  test('a Lambda runs with its execution role: what the role allows works, the rest is AccessDenied', async () => {
    // Arrange
    await cloud.objects.createBucket('code');
    await deployProbe(cloud, {
      bucket: 'code',
      functionName: 'worker-probe',
      role: roleArn('worker'),
      timeoutSeconds: 20,
    });
    const lambda = new LambdaClient({});
    const invoke = async (key: string) => {
      const result = await lambda.send(
        new InvokeCommand({
          FunctionName: 'worker-probe',
          Payload: Buffer.from(JSON.stringify({ action: 's3', bucket: 'iam-data', key })),
        }),
      );
      return {
        error: result.FunctionError,
        body: JSON.parse(Buffer.from(result.Payload!).toString()) as Record<string, string>,
      };
    };

    // Act
    const allowed = await invoke('scratch/ok.txt');
    const denied = await invoke('reports/not-mine.txt');
    lambda.destroy();

    // Assert
    expect(allowed).toEqual({ error: undefined, body: { readBack: 'written by worker-probe' } });
    expect(denied.error).toBe('Unhandled');
    expect(denied.body).toMatchObject({
      errorType: 'AccessDenied',
      errorMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/worker/local-cloud is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::iam-data/reports/not-mine.txt because no identity-based policy allows the s3:PutObject action`,
    });
  });

  test('Step Functions invokes a task function as the state machine role', async () => {
    // Arrange
    await cloud.functions.createFunction({
      functionName: 'target',
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 5,
      environment: {},
      code: { zipFile: 'exports.handler = async () => ({ ok: true });' },
    });
    const { stateMachineArn } = await cloud.stateMachines.createStateMachine({
      name: 'calls-target',
      roleArn: roleArn('machine'),
      definition: JSON.stringify({
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:target`,
            End: true,
          },
        },
      }),
    });
    const sfn = new SFNClient({});

    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await cloud.stateMachines.waitForExecution(executionArn!);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    sfn.destroy();

    // Assert
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Lambda.AccessDeniedException');
    expect(execution.cause).toContain(
      `assumed-role/machine/local-cloud is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:target`,
    );
  });

  test('CloudFormation provisions as the stack service role: a resource the role may not create fails', async () => {
    // Arrange
    const client = cfn();
    const bucketStack = (bucket: string) =>
      JSON.stringify({ Resources: { Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: bucket } } } });

    // Act
    await client.send(
      new CreateStackCommand({
        StackName: 'as-role-ok',
        TemplateBody: bucketStack('allowed-data'),
        RoleARN: roleArn('deployer'),
      }),
    );
    await waitUntilStackCreateComplete(
      { client, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
      { StackName: 'as-role-ok' },
    );
    await client.send(
      new CreateStackCommand({
        StackName: 'as-role-denied',
        TemplateBody: bucketStack('other-data'),
        RoleARN: roleArn('deployer'),
      }),
    );
    const failed = await waitUntilStackCreateComplete(
      { client, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
      { StackName: 'as-role-denied' },
    ).catch((error: Error) => error);
    const events = await client.send(new DescribeStackEventsCommand({ StackName: 'as-role-denied' }));
    client.destroy();

    // Assert
    expect(await cloud.objects.bucketExists('allowed-data')).toBe(true);
    expect(await cloud.objects.bucketExists('other-data')).toBe(false);
    expect(failed).toBeInstanceOf(Error);
    expect(events.StackEvents?.find((event) => event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toBe(
      `Resource handler returned message: "User: arn:aws:sts::${ACCOUNT}:assumed-role/deployer/local-cloud is not authorized to perform: s3:CreateBucket on resource: arn:aws:s3:::other-data because no identity-based policy allows the s3:CreateBucket action (Service: s3, Status Code: 403, Error Code: AccessDenied)"`,
    );
  });

  test('passing a role to CloudFormation needs iam:PassRole on it', async () => {
    // Arrange
    const asReader = new CloudFormationClient({
      credentials: cloud.credentialsForRole(roleArn('reader')),
      maxAttempts: 1,
    });

    // Act
    const denied = await refusal(
      asReader.send(
        new CreateStackCommand({
          StackName: 'passed',
          TemplateBody: template([]),
          RoleARN: roleArn('machine'),
        }),
      ),
    );
    asReader.destroy();

    // Assert
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toContain('is not authorized to perform: cloudformation:CreateStack');
    expect(iamRequestsOf('cloudformation', 'CreateStack', { StackName: 's', RoleARN: roleArn('machine') })).toEqual([
      {
        action: 'cloudformation:CreateStack',
        resource: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/s/*`,
        context: { 'cloudformation:RoleArn': roleArn('machine') },
      },
      {
        action: 'iam:PassRole',
        resource: roleArn('machine'),
        context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      },
    ]);
  });

  test('an operation with no IAM mapping is denied naming it, even for the account root', async () => {
    // Arrange
    cloud.registerService(
      'secretsmanager',
      createJsonService({
        serviceName: 'Frob',
        targetPrefix: 'secretsmanager',
        jsonVersion: '1.1',
        operations: { Frobnicate: async () => ({}) },
      }),
    );
    const headers = await signedHeaders(cloud, {
      method: 'POST',
      path: '/',
      service: 'secretsmanager',
      headers: { 'x-amz-target': 'secretsmanager.Frobnicate', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    // Act
    const response = await fetch(`${cloud.endpoint}/`, { method: 'POST', headers, body: '{}' });
    const body = (await response.json()) as { __type: string; message: string };

    // Assert
    expect(response.status).toBe(400);
    expect(body.__type).toBe('AccessDeniedException');
    expect(body.message).toContain('secretsmanager:Frobnicate: the local cloud has no IAM mapping for this operation');
  });
});

describe('CloudFormation handlers of the delivery pipeline stack’s types', () => {
  const role = roleArn('glue-cd-pipeline-ci-BuildProjectRole-X');
  test('a CodeBuild project passes its ServiceRole to CodeBuild, a pipeline its RoleArn to CodePipeline', () => {
    expect(
      handlerRequestsOf('AWS::CodeBuild::Project', {
        operation: 'create',
        name: 'glue-cd-pipeline-ci-build',
        properties: { ServiceRole: role },
      }),
    ).toEqual([
      {
        action: 'codebuild:CreateProject',
        resource: `arn:aws:codebuild:us-east-1:${ACCOUNT}:project/glue-cd-pipeline-ci-build`,
      },
      { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'codebuild.amazonaws.com' } },
    ]);
    expect(
      handlerRequestsOf('AWS::CodePipeline::Pipeline', {
        operation: 'update',
        name: 'glue-cd-ci',
        properties: { RoleArn: roleArn('pipeline') },
      }),
    ).toEqual([
      { action: 'codepipeline:UpdatePipeline', resource: `arn:aws:codepipeline:us-east-1:${ACCOUNT}:glue-cd-ci` },
      {
        action: 'iam:PassRole',
        resource: roleArn('pipeline'),
        context: { 'iam:PassedToService': 'codepipeline.amazonaws.com' },
      },
    ]);
  });

  test('every type of the pipeline stack has an entry; a log group’s retention and a rule’s targets are written', () => {
    const types = [
      'AWS::CodeStarConnections::Connection',
      'AWS::Events::Rule',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
      'AWS::IAM::Role',
      'AWS::CodeBuild::ReportGroup',
      'AWS::SNS::Topic',
      'AWS::Logs::LogGroup',
      'AWS::CodeBuild::Project',
      'AWS::CodePipeline::Pipeline',
    ];
    for (const type of types) {
      expect([type, handlerRequestsOf(type, { operation: 'delete', name: 'x', properties: {} })?.length]).toEqual([
        type,
        expect.any(Number),
      ]);
    }
    expect(
      handlerRequestsOf('AWS::Logs::LogGroup', {
        operation: 'create',
        name: '/aws/codebuild/b',
        properties: { RetentionInDays: 30 },
      })?.map((r) => `${r.action} ${r.resource}`),
    ).toEqual([
      `logs:CreateLogGroup arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/codebuild/b`,
      `logs:PutRetentionPolicy arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/codebuild/b`,
    ]);
    expect(
      handlerRequestsOf('AWS::Events::Rule', {
        operation: 'delete',
        name: 'failed',
        properties: { Targets: [{ Id: 'notify' }] },
      })?.map((r) => r.action),
    ).toEqual(['events:RemoveTargets', 'events:DeleteRule']);
  });
});
