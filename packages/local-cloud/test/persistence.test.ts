import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CodePipelineClient, InvalidJobStateException, PutJobSuccessResultCommand } from '@aws-sdk/client-codepipeline';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { functionArn, stateMachineArn } from '../src';
import { deployProbe, removeDir, startTestCloud, tempStateDir } from './helpers';

const stateDir = tempStateDir();
afterAll(() => removeDir(stateDir));

const echoMachine = {
  StartAt: 'Echo',
  States: {
    Echo: {
      Type: 'Task',
      Resource: functionArn('probe'),
      End: true,
    },
  },
};
const slowMachine = {
  StartAt: 'Sleep',
  States: {
    Sleep: {
      Type: 'Wait',
      Seconds: 3600,
      End: true,
    },
  },
};

test('a restarted cloud on the same stateDir keeps buckets, functions, state machines, executions and job results', async () => {
  // Arrange: a first life that leaves every kind of state behind, one execution still running when it dies.
  // What survives a restart, not IAM (its machines run without roles); enforcement is test/iam.test.ts.
  const first = await startTestCloud({ stateDir, waitScale: 1, iam: 'off' });
  let crashSnapshot: string;
  let crashHistory: string;
  const executions = path.join(stateDir, 'state', 'stepfunctions', 'executions');
  const interruptedFile = path.join(executions, 'slow', 'interrupted.json');
  const interruptedHistory = path.join(executions, 'slow', 'interrupted.events.jsonl');
  let finishedArn: string;
  let interruptedArn: string;
  try {
    const s3 = new S3Client({});
    await first.cloud.objects.createBucket('kept-bucket');
    await first.cloud.objects.putObject('kept-bucket', 'notes/readme.txt', new TextEncoder().encode('still here'));
    await deployProbe(first.cloud, { bucket: 'kept-bucket', environment: { GREETING: 'persisted environment' } });
    await first.cloud.stateMachines.createStateMachine({ name: 'echo', definition: JSON.stringify(echoMachine) });
    await first.cloud.stateMachines.createStateMachine({ name: 'slow', definition: JSON.stringify(slowMachine) });
    const sfn = new SFNClient({});
    finishedArn = (
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stateMachineArn('echo'),
          name: 'before-restart',
          input: '{"action":"echo"}',
        }),
      )
    ).executionArn!;
    await first.cloud.stateMachines.waitForExecution(finishedArn);
    interruptedArn = (
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stateMachineArn('slow'),
          name: 'interrupted',
          input: '{}',
        }),
      )
    ).executionArn!;
    // The execution's files as a process killed right now would leave them: the slow execution still RUNNING.
    crashSnapshot = readFileSync(interruptedFile, 'utf8');
    crashHistory = readFileSync(interruptedHistory, 'utf8');
    expect(JSON.parse(crashSnapshot).status).toBe('RUNNING');
    await new CodePipelineClient({}).send(
      new PutJobSuccessResultCommand({ jobId: 'job-before-restart', executionDetails: { summary: 'done' } }),
    );
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).toEqual(['kept-bucket']);
  } finally {
    await first.cloud.close();
    first.restore();
  }
  writeFileSync(interruptedFile, crashSnapshot);
  writeFileSync(interruptedHistory, crashHistory);

  // Act: a second life, a new port, the same folder.
  const second = await startTestCloud({ stateDir, iam: 'off' });
  try {
    const s3 = new S3Client({});
    const buckets = await s3.send(new ListBucketsCommand({}));
    const readme = await s3.send(new GetObjectCommand({ Bucket: 'kept-bucket', Key: 'notes/readme.txt' }));
    const invoked = await new LambdaClient({}).send(
      new InvokeCommand({ FunctionName: 'probe', Payload: JSON.stringify({ action: 'echo' }) }),
    );
    const sfn = new SFNClient({});
    const finished = await sfn.send(new DescribeExecutionCommand({ executionArn: finishedArn }));
    const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: finishedArn }))).events ?? [];
    const interrupted = await sfn.send(new DescribeExecutionCommand({ executionArn: interruptedArn }));
    const twice = await new CodePipelineClient({})
      .send(new PutJobSuccessResultCommand({ jobId: 'job-before-restart' }))
      .catch((error: unknown) => error);

    // Assert
    expect(second.cloud.endpoint).not.toBe('');
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual(['kept-bucket']);
    expect(await readme.Body!.transformToString()).toBe('still here');
    const body = JSON.parse(new TextDecoder().decode(invoked.Payload)) as { env: Record<string, string | null> };
    expect(body.env.GREETING).toBe('persisted environment');
    // The restarted function calls the new endpoint, not the old one.
    expect(body.env.AWS_ENDPOINT_URL).toBe(second.cloud.endpoint);
    expect(finished.status).toBe('SUCCEEDED');
    expect(JSON.parse(finished.output!).event).toEqual({ action: 'echo' });
    expect(events.map((event) => event.type)).toContain('LambdaFunctionSucceeded');
    expect(interrupted.status).toBe('ABORTED');
    expect(interrupted.stopDate).toBeInstanceOf(Date);
    expect(second.cloud.stateMachines.executions(stateMachineArn('slow')).map((execution) => execution.status)).toEqual(
      ['ABORTED'],
    );
    expect(second.cloud.jobResults.get('job-before-restart')).toMatchObject({ status: 'succeeded', summary: 'done' });
    expect(twice).toBeInstanceOf(InvalidJobStateException);
  } finally {
    await second.cloud.close();
    second.restore();
  }
});
