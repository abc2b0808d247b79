import { CreateBucketCommand, DeleteBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import type { LocalCloud, ServiceCall } from '../src';
import { AwsServiceError, createCloudFormationService, stateMachineArn } from '../src';
import { removeDir, signedHeaders, startTestCloud } from './helpers';

describe('router: the request-body cap', () => {
  let cloud: LocalCloud;
  let restore: () => void;
  beforeAll(async () => {
    ({ cloud, restore } = await startTestCloud({ maxRequestBodyBytes: 4096 }));
    await cloud.objects.createBucket('capped');
    await cloud.stateMachines.createStateMachine({
      name: 'idle',
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
    });
  });
  afterAll(async () => {
    await cloud.close();
    restore();
    removeDir(cloud.stateDir);
  });

  test('a body over the cap is 413 RequestEntityTooLarge in the caller’s protocol; one under it goes through', async () => {
    // Arrange
    const s3 = new S3Client({});
    const sfn = new SFNClient({});
    const big = new Uint8Array(8192);

    // Act
    const xmlRefusal = await s3
      .send(
        new PutObjectCommand({
          Bucket: 'capped',
          Key: 'big.bin',
          Body: big,
        }),
      )
      .catch((error: unknown) => error);
    const jsonRefusal = await sfn
      .send(
        new StartExecutionCommand({
          stateMachineArn: stateMachineArn('idle'),
          input: JSON.stringify({ pad: 'x'.repeat(8192) }),
        }),
      )
      .catch((error: unknown) => error);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'capped',
        Key: 'small.bin',
        Body: new Uint8Array(100),
      }),
    );
    s3.destroy();
    sfn.destroy();

    // Assert
    expect(xmlRefusal).toMatchObject({
      name: 'RequestEntityTooLarge',
      message: expect.stringContaining("exceeds the local cloud's limit of 4096 bytes"),
      $metadata: { httpStatusCode: 413 },
    });
    expect(jsonRefusal).toMatchObject({ name: 'RequestEntityTooLarge', $metadata: { httpStatusCode: 413 } });
    expect(await cloud.objects.getObject('capped', 'big.bin')).toBeUndefined();
    expect((await cloud.objects.getObject('capped', 'small.bin'))?.length).toBe(100);
  });

  test('a truncated DeleteObjects document is S3’s 400 MalformedXML and deletes nothing', async () => {
    // Arrange
    await cloud.objects.putObject('capped', 'keep.txt', Buffer.from('kept'));

    // Act
    const response = await fetch(`${cloud.endpoint}/capped?delete`, {
      method: 'POST',
      headers: await signedHeaders(cloud, {
        method: 'POST',
        path: '/capped?delete',
        service: 's3',
        headers: { 'content-type': 'application/xml', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      }),
      body: '<Delete><Object><Key>keep.txt</Key></Object>',
    });

    // Assert
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>MalformedXML</Code>');
    expect(await cloud.objects.getObject('capped', 'keep.txt')).toBeDefined();
  });
});

describe('router: the authorize hook', () => {
  let cloud: LocalCloud;
  let restore: () => void;
  const calls: ServiceCall[] = [];
  beforeAll(async () => {
    ({ cloud, restore } = await startTestCloud({
      authorize: (call) => {
        calls.push(call);
        if (call.operation === 'DeleteBucket')
          throw new AwsServiceError('AccessDenied', `${call.principal.accessKeyId} may not ${call.operation}`, 403);
      },
    }));
    const cloudFormation = createCloudFormationService({
      stateDir: cloud.stateDir,
      objects: cloud.objects,
      functions: cloud.functions,
      stateMachines: cloud.stateMachines,
      log: cloud.log,
    });
    cloud.registerService('cloudformation', cloudFormation.handle);
  });
  afterAll(async () => {
    await cloud.close();
    restore();
    removeDir(cloud.stateDir);
  });

  test('sees every decoded call of every protocol with its principal, and can refuse one', async () => {
    // Arrange
    const s3 = new S3Client({});
    const sfn = new SFNClient({});
    const cfn = new CloudFormationClient({});

    // Act
    await s3.send(new CreateBucketCommand({ Bucket: 'hooked' }));
    const refused = await s3.send(new DeleteBucketCommand({ Bucket: 'hooked' })).catch((error: unknown) => error);
    await sfn.send(new ListStateMachinesCommand({}));
    await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }));
    s3.destroy();
    sfn.destroy();
    cfn.destroy();

    // Assert
    expect(refused).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(await cloud.objects.bucketExists('hooked')).toBe(true);
    expect(calls.map((call) => `${call.service}:${call.operation}`)).toEqual([
      's3:CreateBucket',
      's3:DeleteBucket',
      'states:ListStateMachines',
      'cloudformation:ListStacks',
    ]);
    expect(calls[0]!.input).toEqual({ Bucket: 'hooked' });
    expect(calls[3]!.input).toEqual({ StackStatusFilter: ['CREATE_COMPLETE'] });
    const operator = {
      accessKeyId: cloud.environment().AWS_ACCESS_KEY_ID,
      arn: 'arn:aws:iam::000000000000:root',
      kind: 'root',
    };
    expect(calls.map((call) => call.principal)).toEqual(calls.map(() => operator));
  });
});
