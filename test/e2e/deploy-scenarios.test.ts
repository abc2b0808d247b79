// End to end: the real pipeline trigger and deploy state machine (sls-packaged bundles, the ASL file) driven by the
// real AWS SDK clients against the local cloud, one CodePipeline Lambda invoke action per scenario.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { codePipelineJobEvent, localPipelineContext } from '@glue-cd/release';
import { randomUUID } from 'node:crypto';
import { dataTemplate, startHarness, type Harness } from './harness';

jest.setTimeout(240_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness?.close());

const deployFile = (stackName: string, extra: Record<string, unknown> = {}) => ({
  environmentName: 'e2e',
  stackName,
  template: { artifactPath: 'templates/app.json' },
  ...extra,
});

/** One deploy action with `template` as the artifact's templates/app.json. */
const deploy = (stackName: string, template: unknown, extra: Record<string, unknown> = {}) =>
  harness.runAction(
    { 'deploy/app.json': deployFile(stackName, extra), 'templates/app.json': template },
    { inputFile: 'deploy/app.json' },
  );

describe('deploying an application stack through the pipeline trigger and the deploy state machine', () => {
  const stackName = 'glue-cd-e2e-app';
  const bucketName = `e2e-app-data-${randomUUID().slice(0, 8)}`;

  test('first deploy creates the stack and reports its outputs as output variables', async () => {
    const outcome = await deploy(stackName, dataTemplate({ bucketName }));
    expect(outcome).toMatchObject({ status: 'Succeeded' });
    expect(outcome.outputVariables).toMatchObject({ stackName, outcome: 'created', DataBucketName: bucketName });
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(outcome.invocations).toBeGreaterThan(1); // started, then polled through continuation tokens
  });

  test('the same template again is a no-op: the empty change set is deleted and the action succeeds', async () => {
    const outcome = await deploy(stackName, dataTemplate({ bucketName }));
    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('no-changes');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
  });

  test('a safe change (a tag on the bucket) updates the stack in place', async () => {
    const outcome = await deploy(stackName, dataTemplate({ bucketName, extraTag: 'raw-data' }));
    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('updated');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('UPDATE_COMPLETE');
  });

  test('a destructive change (renaming the bucket) is refused with the violation named, and the stack is untouched', async () => {
    await harness.release.clients.s3.send(
      new PutObjectCommand({ Bucket: bucketName, Key: 'keep/me.csv', Body: 'a,b\n1,2\n' }),
    );
    const outcome = await deploy(
      stackName,
      dataTemplate({ bucketName: `${bucketName}-renamed`, extraTag: 'raw-data' }),
    );
    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/UnsafeChangeSetError/);
    expect(outcome.message).toMatch(/DataBucket/);
    expect(outcome.message).toMatch(/AWS::S3::Bucket/);
    expect(outcome.message).toMatch(/RESOURCES-BEING-DELETED-OR-REPLACED|replace/i);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('UPDATE_COMPLETE');
    const objects = await harness.release.clients.s3.send(new ListObjectsV2Command({ Bucket: bucketName }));
    expect(objects.Contents?.map((o) => o.Key)).toEqual(['keep/me.csv']);
  });

  test('with onUnsafeChange blue-green the destructive change goes to a new stack beside the old one', async () => {
    const outcome = await deploy(
      stackName,
      dataTemplate({ bucketName: `${bucketName}-green`, databaseName: 'e2e_green' }),
      {
        onUnsafeChange: 'blue-green',
        blueGreenSuffix: 'green',
      },
    );
    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toMatchObject({ outcome: 'blue-green-created', stackName: `${stackName}-green` });
    expect((await harness.describeStack(`${stackName}-green`))?.StackStatus).toBe('CREATE_COMPLETE');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('UPDATE_COMPLETE');
  });

  test('delete empties the stack buckets, deletes the stack and waits for DELETE_COMPLETE', async () => {
    const outcome = await harness.runAction(
      { 'deploy/cleanup.json': { environmentName: 'e2e', stackName, action: 'delete' } },
      { inputFile: 'deploy/cleanup.json' },
    );
    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('deleted');
    expect(await harness.describeStack(stackName)).toBeUndefined();
  });
});

describe('a stack left in ROLLBACK_COMPLETE', () => {
  const stackName = 'glue-cd-e2e-rollback';

  test('a failed first create ends the action with the stack failure reason', async () => {
    // An upper-case bucket name is invalid in S3: the bucket fails to create and the stack rolls back.
    const outcome = await deploy(stackName, dataTemplate({ bucketName: 'Invalid_Bucket_Name' }));
    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/DataBucket|Invalid_Bucket_Name|bucket/i);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('with onRollbackComplete fail the next deploy refuses to touch it', async () => {
    const bucketName = `e2e-rollback-${randomUUID().slice(0, 8)}`;
    const outcome = await deploy(stackName, dataTemplate({ bucketName }), { onRollbackComplete: 'fail' });
    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/ROLLBACK_COMPLETE/);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('with delete-and-recreate the next deploy deletes it and creates it again', async () => {
    const bucketName = `e2e-rollback-${randomUUID().slice(0, 8)}`;
    const outcome = await deploy(stackName, dataTemplate({ bucketName }), {
      onRollbackComplete: 'delete-and-recreate',
    });
    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('recreated');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
  });
});

describe('a duplicate invocation of the same CodePipeline job', () => {
  test('starts one deployment, not two', async () => {
    const stackName = 'glue-cd-e2e-duplicate';
    const bucketName = `e2e-duplicate-${randomUUID().slice(0, 8)}`;
    const artifact = await harness.uploadArtifact({
      'deploy/app.json': deployFile(stackName),
      'templates/app.json': dataTemplate({ bucketName }),
    });
    const before = await harness.executionCount();
    const event = codePipelineJobEvent({
      jobId: randomUUID(),
      functionName: harness.delivery.triggerFunctionName,
      userParameters: JSON.stringify({ inputFile: 'deploy/app.json' }),
      inputArtifacts: [artifact],
    });
    harness.release.cloud.jobResults.createJob(event['CodePipeline.job'].id, {
      pipelineContext: localPipelineContext({ functionName: harness.delivery.triggerFunctionName }),
      ...event['CodePipeline.job'].data,
    });
    const invoke = () =>
      harness.release.clients.lambda.send(
        new InvokeCommand({
          FunctionName: harness.delivery.triggerFunctionName,
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
    await Promise.all([invoke(), invoke()]);
    await invoke();
    expect(await harness.executionCount()).toBe(before + 1);

    const jobId = event['CodePipeline.job'].id;
    const result = harness.release.cloud.jobResults.get(jobId);
    expect(result).toMatchObject({ status: 'succeeded' });
    const [execution] = harness.release.cloud.stateMachines
      .executions(harness.delivery.stateMachineArn)
      .filter((e) => e.executionArn.endsWith(jobId));
    expect(execution).toBeDefined();
    const finished = await harness.release.cloud.stateMachines.waitForExecution(execution!.executionArn);
    expect(finished.status).toBe('SUCCEEDED');
    const described = await harness.release.clients.stepFunctions.send(
      new DescribeExecutionCommand({ executionArn: execution!.executionArn }),
    );
    expect(JSON.parse(described.output ?? '{}')).toMatchObject({ outcome: 'created', stackName });
  });
});
