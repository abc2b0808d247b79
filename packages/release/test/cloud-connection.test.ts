import {
  CodePipelineClient,
  GetJobDetailsCommand,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudConnectionError, connectReleaseCloud, startReleaseCloud, type ReleaseCloud } from '../src';

// `pnpm start -- --endpoint URL`: the release reaches a cloud it did not start over HTTP only, with the credentials
// that cloud printed; CodePipeline's part of a job (create it, read its result) goes through LocalCreateJob and
// LocalGetJobResult.

let workDir: string;
let running: ReleaseCloud;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-connection-'));
  running = await startReleaseCloud({ stateDir: path.join(workDir, 'state') });
});
afterAll(async () => {
  await running?.close();
  await rm(workDir, { recursive: true, force: true });
});

const context = { pipelineName: 'glue-cd-local', stage: { name: 'LiveTest' }, action: { name: 'Deploy' } };

test('a job created through the connection is the one the worker sees, and its result comes back', async () => {
  const printed = running.cloud.environment();
  const connection = await connectReleaseCloud(running.cloud.endpoint, printed);
  const worker = new CodePipelineClient({
    endpoint: printed.AWS_ENDPOINT_URL,
    region: printed.AWS_REGION,
    credentials: { accessKeyId: printed.AWS_ACCESS_KEY_ID!, secretAccessKey: printed.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    const [succeeded, failed] = [randomUUID(), randomUUID()];
    for (const jobId of [succeeded, failed])
      await connection.connection.createJob(jobId, { pipelineContext: { ...context, pipelineExecutionId: 'e-1' } });

    expect((await worker.send(new GetJobDetailsCommand({ jobId: succeeded }))).jobDetails?.data).toMatchObject({
      pipelineContext: { pipelineName: 'glue-cd-local', pipelineExecutionId: 'e-1' },
    });
    expect(await connection.connection.jobResult(succeeded)).toBeUndefined();
    await worker.send(
      new PutJobSuccessResultCommand({ jobId: succeeded, outputVariables: { stackName: 'glue-cd-glue-etl-test' } }),
    );
    await worker.send(
      new PutJobFailureResultCommand({ jobId: failed, failureDetails: { type: 'JobFailed', message: 'refused' } }),
    );

    expect(await connection.connection.jobResult(succeeded)).toMatchObject({
      status: 'succeeded',
      outputVariables: { stackName: 'glue-cd-glue-etl-test' },
    });
    expect(await connection.connection.jobResult(failed)).toMatchObject({ status: 'failed', message: 'refused' });
    await expect(
      connection.connection.createJob(succeeded, { pipelineContext: { ...context, pipelineExecutionId: 'e-1' } }),
    ).rejects.toThrow(`InvalidJobStateException: Job ${succeeded} already exists`);
    // The builds get the endpoint and the printed credentials, nothing of this process's AWS identity.
    expect(connection.connection.environment()).toEqual(printed);
    await connection.close();
  } finally {
    worker.destroy();
  }
});

test('without the printed credentials, or with nothing listening, it refuses to start, saying what to do', async () => {
  const { AWS_ACCESS_KEY_ID: _key, ...withoutKey } = running.cloud.environment();
  await expect(connectReleaseCloud(running.cloud.endpoint, withoutKey)).rejects.toThrow(
    new CloudConnectionError(
      `--endpoint ${running.cloud.endpoint}: AWS_ACCESS_KEY_ID not set; paste the export lines \`pnpm cloud\` printed`,
    ),
  );
  // A port nothing listens on: the cloud's own, after a cloud on it was stopped.
  const stopped = await startReleaseCloud({ stateDir: path.join(workDir, 'stopped') });
  const endpoint = stopped.cloud.endpoint;
  await stopped.close();
  await expect(connectReleaseCloud(endpoint, running.cloud.environment())).rejects.toThrow(
    `${endpoint} does not answer (is \`pnpm cloud\` running?)`,
  );
});

test('the local-only job calls are signed: a key the cloud never issued, or a role key, is refused naming why', async () => {
  const printed = running.cloud.environment();
  const role = running.cloud.environmentForRole('arn:aws:iam::000000000000:role/glue-cd/test/worker');

  const forged = connectReleaseCloud(running.cloud.endpoint, { ...printed, AWS_ACCESS_KEY_ID: 'AKIANEVERISSUED00000' });
  const asRole = connectReleaseCloud(running.cloud.endpoint, role);

  await expect(forged).rejects.toThrow(`LocalGetJobResult: UnrecognizedClientException`);
  await expect(asRole).rejects.toThrow(
    'LocalGetJobResult: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/worker/local-cloud is not authorized to perform: codepipeline:LocalGetJobResult: a local-only operation of the local cloud, callable with the operator key only',
  );
});
