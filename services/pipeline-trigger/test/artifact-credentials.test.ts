// The deployed handler (src/handlers/trigger.ts, its clients built from the Lambda environment as on AWS) behind a
// proxy that records how every request to the local cloud was signed: the artifact zip is read with the job's
// artifact credentials, and only with them; Step Functions and CodePipeline with the Lambda role's.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { codePipelineJobEvent, localPipelineContext } from '@glue-cd/release';
import { startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import type { CodePipelineEvent, Context } from 'aws-lambda';
import { strToU8, zipSync } from 'fflate';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CREDENTIALS, TOKEN_KEY_TEXT, VALID_INPUT, decode } from './fixtures';

// The Lambda role's credentials, as the Lambda runtime puts them in the environment.
const ROLE = { accessKeyId: 'ASIALAMBDAROLEKEY0001', secretAccessKey: 'role-secret', sessionToken: 'role-session' };
const FUNCTION_NAME = 'glue-cd-pipeline-trigger-test-trigger';
const BUCKET = 'glue-cd-artifacts-000000000000';

interface SignedRequest {
  service: string;
  method: string;
  path: string;
  accessKeyId: string;
  sessionToken: string | undefined;
  status: number;
}

let cloud: LocalCloud;
let stateDir: string;
let proxy: Server;
let stateMachineArn: string;
const signed: SignedRequest[] = [];
/** How many of the next S3 GETs answer 503, as S3 does under load (the SDK retries them). */
let s3Unavailable = 0;

const answerSecretsManager = (body: string, response: ServerResponse) => {
  const { VersionStage } = JSON.parse(body) as { VersionStage?: string };
  const current = VersionStage === undefined || VersionStage === 'AWSCURRENT';
  response.writeHead(current ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(
    JSON.stringify(
      current
        ? { Name: 'token-key', SecretString: TOKEN_KEY_TEXT, VersionId: 'v1', VersionStages: ['AWSCURRENT'] }
        : { __type: 'ResourceNotFoundException', message: `no ${VersionStage} version` },
    ),
  );
};

/** Records the SigV4 credential of each request; forwards it to the local cloud (Secrets Manager it answers). */
const record = (incoming: IncomingMessage, response: ServerResponse) => {
  const credential = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(incoming.headers.authorization ?? '');
  const entry: SignedRequest = {
    service: credential?.[2] ?? 'unsigned',
    method: incoming.method ?? '',
    path: (incoming.url ?? '').split('?')[0] ?? '',
    accessKeyId: credential?.[1] ?? '',
    sessionToken: incoming.headers['x-amz-security-token'] as string | undefined,
    status: 0,
  };
  signed.push(entry);
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => {
    const body = Buffer.concat(chunks);
    if (entry.service === 'secretsmanager') {
      entry.status = 200;
      return answerSecretsManager(body.toString('utf8'), response);
    }
    if (entry.service === 's3' && entry.method === 'GET' && s3Unavailable > 0) {
      s3Unavailable -= 1;
      entry.status = 503;
      response.writeHead(503, { 'content-type': 'application/xml' });
      return response.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    }
    const target = new URL(cloud.endpoint);
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.end(body);
  });
};

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'trigger-credentials-'));
  cloud = await startLocalCloud({ stateDir, port: 0, log: () => undefined });
  ({ stateMachineArn } = await cloud.stateMachines.createStateMachine({
    name: 'glue-cd-deploy-test',
    definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
  }));
  proxy = createServer(record);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await cloud.close();
  rmSync(stateDir, { recursive: true, force: true });
});

type Handler = (event: CodePipelineEvent, context: Context) => Promise<void>;

/**
 * Runs `work` with the handler module loaded as the Lambda runtime loads it: a fresh container whose environment is
 * the function's (the role's credentials included), restored afterwards.
 */
const withHandler = async (work: (handler: Handler) => Promise<void>): Promise<void> => {
  const environment = {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ROLE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE.secretAccessKey,
    AWS_SESSION_TOKEN: ROLE.sessionToken,
    DEPLOY_STATE_MACHINE_ARN: stateMachineArn,
    CONTINUATION_TOKEN_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:token-key-AbCdEf',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  const saved = Object.fromEntries(Object.keys(environment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, environment);
  try {
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      ({ handler } = jest.requireActual<typeof import('../src/handlers/trigger')>('../src/handlers/trigger'));
    });
    await work(handler!);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
};

const lambdaContext = (): Context =>
  ({
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
  }) as Context;

test('the artifact is read with the job’s artifact credentials, never the Lambda role’s; a 503 from S3 is retried', async () => {
  const s3 = new S3Client({
    endpoint: cloud.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'seeder', secretAccessKey: 'seeder' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const key = `glue-cd-pipeline/BuildOutput/${randomUUID()}.zip`;
  const zip = zipSync({ 'deploy/test.json': strToU8(JSON.stringify(VALID_INPUT)) });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: zip }));
  s3.destroy();
  const jobId = randomUUID();
  const event = codePipelineJobEvent({
    jobId,
    functionName: FUNCTION_NAME,
    userParameters: JSON.stringify({ inputFile: 'deploy/test.json' }),
    inputArtifacts: [{ name: 'BuildOutput', bucket: BUCKET, key }],
  });
  const job = event['CodePipeline.job'];
  job.data.artifactCredentials = {
    accessKeyId: CREDENTIALS.accessKeyId,
    secretAccessKey: CREDENTIALS.secretAccessKey,
    sessionToken: CREDENTIALS.sessionToken ?? '',
  };
  const pipelineContext = localPipelineContext({ functionName: FUNCTION_NAME });
  cloud.jobResults.createJob(jobId, { pipelineContext, ...job.data });
  s3Unavailable = 1;
  signed.length = 0;

  await withHandler((handler) => handler(event, lambdaContext()));

  const result = cloud.jobResults.get(jobId);
  expect(result).toMatchObject({ status: 'succeeded', continuationToken: expect.stringMatching(/^gcd2\./) });
  const token = result?.status === 'succeeded' ? result.continuationToken : undefined;
  expect(
    decode(token, stateMachineArn, {
      pipelineName: pipelineContext.pipelineName,
      stage: pipelineContext.stage.name,
      action: pipelineContext.action.name,
      pipelineExecutionId: pipelineContext.pipelineExecutionId,
    }),
  ).toMatchObject({ jobId, polls: 0 });
  const s3Requests = signed.filter((entry) => entry.service === 's3');
  expect(
    s3Requests.map(({ method, path: url, accessKeyId, sessionToken, status }) => ({
      method,
      url,
      accessKeyId,
      sessionToken,
      status,
    })),
  ).toEqual(
    [503, 200].map((status) => ({
      method: 'GET',
      url: `/${BUCKET}/${key}`,
      accessKeyId: CREDENTIALS.accessKeyId,
      sessionToken: CREDENTIALS.sessionToken,
      status,
    })),
  );
  const others = signed.filter((entry) => entry.service !== 's3');
  expect(new Set(others.map((entry) => entry.service))).toEqual(new Set(['codepipeline', 'secretsmanager', 'states']));
  for (const entry of others) {
    expect({ service: entry.service, accessKeyId: entry.accessKeyId, sessionToken: entry.sessionToken }).toEqual({
      service: entry.service,
      accessKeyId: ROLE.accessKeyId,
      sessionToken: ROLE.sessionToken,
    });
  }
});
