import { GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientConfig, createTriggerClients, s3PathStyle } from '../src';

const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:glue-cd-deploy-test:codepipeline-1';
const FIRST_JOB_ID = '0f6c1b7e-1111-4a2b-9c3d-aaaaaaaaaaaa';

// Its own file: the other suites mock the SDK clients' send, this one needs the real one.
describe('one client factory for the trigger', () => {
  test('timeouts that throw and bounded retries on every client; path-style S3 only behind a custom endpoint', () => {
    expect(clientConfig()).toEqual({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true },
    });
    expect(s3PathStyle({})).toBe(false);
    expect(s3PathStyle({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe(true);
    expect(s3PathStyle({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566' })).toBe(true);
  });
});

describe('SDK clients time out instead of hanging', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    // Accepts connections and never answers.
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('every client the factory builds fails with TimeoutError on a server that never answers', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' };
    const clients = createTriggerClients({
      timeouts: { requestTimeoutMs: 150, maxAttempts: 1 },
      clientOptions: { region: 'eu-west-1', endpoint, credentials },
    });
    const s3 = clients.artifactS3(credentials);
    const calls: [string, Promise<unknown>][] = [
      ['sfn', clients.sfn.send(new DescribeExecutionCommand({ executionArn: EXECUTION_ARN }))],
      ['codepipeline', clients.codePipeline.send(new GetJobDetailsCommand({ jobId: FIRST_JOB_ID }))],
      ['secretsmanager', clients.secretsManager.send(new GetSecretValueCommand({ SecretId: 'x' }))],
      ['s3', s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))],
    ];

    const results = await Promise.all(
      calls.map(async ([name, call]) => [
        name,
        await call.then(
          () => 'answered',
          (error: Error) => error.name,
        ),
      ]),
    );

    expect(Object.fromEntries(results)).toEqual({
      sfn: 'TimeoutError',
      codepipeline: 'TimeoutError',
      secretsmanager: 'TimeoutError',
      s3: 'TimeoutError',
    });
    for (const client of [clients.sfn, clients.codePipeline, clients.secretsManager, s3]) client.destroy();
  });
});
