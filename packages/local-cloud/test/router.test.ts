import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import type { LocalCloud } from '../src';
import { decodeAwsChunked, serviceOfRequest } from '../src';
import { removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
});

afterAll(async () => {
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

const authorization = (service: string): string =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;

describe('router', () => {
  test('reads the service from the SigV4 credential scope, a presigned X-Amz-Credential, or X-Amz-Target', () => {
    // Arrange
    const presigned = new URLSearchParams({ 'X-Amz-Credential': 'AKID/20261125/us-east-1/s3/aws4_request' });
    const target = { 'x-amz-target': 'CodePipeline_20150709.PutJobSuccessResult' };

    // Act
    const fromAuthorization = serviceOfRequest({ authorization: authorization('states') }, new URLSearchParams());
    const fromPresigned = serviceOfRequest({}, presigned);
    const fromTarget = serviceOfRequest(target, new URLSearchParams());
    const fromNothing = serviceOfRequest({}, new URLSearchParams());

    // Assert
    expect(fromAuthorization).toBe('states');
    expect(fromPresigned).toBe('s3');
    expect(fromTarget).toBe('codepipeline');
    expect(fromNothing).toBeUndefined();
  });

  test('an unregistered service gets an error naming it and the services served', async () => {
    // Act
    const response = await fetch(`${cloud.endpoint}/`, {
      method: 'POST',
      headers: {
        authorization: authorization('dynamodb'),
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });
    const body = (await response.json()) as { message: string };

    // Assert
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnsupportedService');
    expect(body.message).toBe(
      'The local cloud does not serve "dynamodb" (it serves: athena, cloudformation, codepipeline, glue, lambda, s3, secretsmanager, states, sts)',
    );
  });

  test('a request without any SigV4 scope is refused with 403', async () => {
    // Act
    const response = await fetch(`${cloud.endpoint}/some/path`);

    // Assert
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toContain('credential scope');
  });

  test('GET /_glue-cd/health answers without a signature, naming every service served', async () => {
    // Act
    const response = await fetch(`${cloud.endpoint}/_glue-cd/health`);

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      endpoint: cloud.endpoint,
      region: 'us-east-1',
      account: '000000000000',
      stateDir: cloud.stateDir,
      services: ['athena', 'cloudformation', 'codepipeline', 'glue', 'lambda', 's3', 'secretsmanager', 'states', 'sts'],
    });
  });

  test('registerService replaces a service (CloudFormation is served by default)', async () => {
    // Arrange
    const cfn = new CloudFormationClient({});
    const seen: string[] = [];
    const before = await cfn.send(new ListStacksCommand({}));

    // Act
    cloud.registerService('cloudformation', async (request) => {
      seen.push(new URLSearchParams(request.body.toString()).get('Action') ?? '');
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: '<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStacksResult><StackSummaries><member><StackName>registered</StackName><StackId>id-1</StackId><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-11-25T00:00:00Z</CreationTime></member></StackSummaries></ListStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListStacksResponse>',
      };
    });
    const after = await cfn.send(new ListStacksCommand({}));
    cfn.destroy();

    // Assert
    expect(before.StackSummaries).toEqual([]);
    expect(after.StackSummaries?.map((stack) => stack.StackName)).toEqual(['registered']);
    expect(seen).toEqual(['ListStacks']);
  });

  test('an S3 aws-chunked upload with a wrong CRC32 trailer is BadDigest; a malformed one is IncompleteBody', async () => {
    // Arrange
    await cloud.objects.createBucket('chunked-bucket');
    // CRC32('123456789') = 0xCBF43926, the standard check value (base64 y/Q5Jg==).
    const payload = Buffer.from('123456789');
    const framed = (trailer: string): Buffer =>
      Buffer.concat([
        Buffer.from(`${payload.length.toString(16)}\r\n`),
        payload,
        Buffer.from(`\r\n0\r\n${trailer}\r\n\r\n`),
      ]);
    const headers = {
      authorization: authorization('s3'),
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(payload.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };

    // Act
    const good = await fetch(`${cloud.endpoint}/chunked-bucket/good.txt`, {
      method: 'PUT',
      headers,
      body: framed('x-amz-checksum-crc32:y/Q5Jg=='),
    });
    const bad = await fetch(`${cloud.endpoint}/chunked-bucket/bad.txt`, {
      method: 'PUT',
      headers,
      body: framed('x-amz-checksum-crc32:AAAAAA=='),
    });
    const truncated = await fetch(`${cloud.endpoint}/chunked-bucket/short.txt`, {
      method: 'PUT',
      headers,
      body: Buffer.from('ff\r\nshort'),
    });

    // Assert
    expect(good.status).toBe(200);
    expect(Buffer.from((await cloud.objects.getObject('chunked-bucket', 'good.txt'))!).toString()).toBe('123456789');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>BadDigest</Code>');
    expect(truncated.status).toBe(400);
    expect(await truncated.text()).toContain('<Code>IncompleteBody</Code>');
    expect(await cloud.objects.getObject('chunked-bucket', 'bad.txt')).toBeUndefined();
  });

  test('decodeAwsChunked joins signed chunks and reads trailers', () => {
    // Arrange
    const body = Buffer.from(
      '3;chunk-signature=abc\r\nfoo\r\n4;chunk-signature=def\r\nbar!\r\n0;chunk-signature=ghi\r\nx-amz-checksum-sha256:xyz\r\n\r\n',
    );

    // Act
    const decoded = decodeAwsChunked(body);

    // Assert
    expect(decoded).toEqual({
      payload: Buffer.from('foobar!'),
      trailers: { 'x-amz-checksum-sha256': 'xyz' },
    });
    expect(() => decodeAwsChunked(Buffer.from('zz\r\nfoo'))).toThrow(/chunk size "zz" is not hexadecimal/);
  });
});
