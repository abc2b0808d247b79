// End to end: the real pipeline trigger and deploy state machine (sls-packaged bundles, the ASL file) driven by the
// real AWS SDK clients against the local cloud, one CodePipeline Lambda invoke action per deploy. The local cloud and
// the delivery services are shared; every test arranges its own stacks (own names) and checks that arrangement first.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { codePipelineJobEvent, localPipelineContext } from '@glue-cd/release';
import { randomUUID } from 'node:crypto';
import { dataTemplate, startHarness, type Harness } from './harness';

jest.setTimeout(240_000);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness?.close());

/**
 * The environment the scenarios deploy to: one the packaged orchestrator has a CloudFormation role for, and not a
 * protected one (scenarios delete and replace).
 */
const ENVIRONMENT = 'test';

/** Names no other test uses: a stack of the environment, and its data bucket. */
const names = (label: string) => {
  const id = randomUUID().slice(0, 8);
  return {
    stackName: `glue-cd-e2e-${label}-${id}-${ENVIRONMENT}`,
    bucketName: `e2e-${label}-${id}`,
    databaseName: `e2e_${label}_${id}`,
  };
};

const deployFile = (stackName: string, extra: Record<string, unknown> = {}) => ({
  environmentName: ENVIRONMENT,
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

const deleteStack = (stackName: string) =>
  harness.runAction(
    { 'deploy/cleanup.json': { environmentName: ENVIRONMENT, stackName, action: 'delete' } },
    { inputFile: 'deploy/cleanup.json' },
  );

/** Arrange: the stack exists, created from `template` (checked, so a failure here is named as the arrangement). */
const givenStack = async (stackName: string, template: unknown) => {
  const created = await deploy(stackName, template);
  expect({ arrange: `create ${stackName}`, status: created.status, outcome: created.outputVariables.outcome }).toEqual({
    arrange: `create ${stackName}`,
    status: 'Succeeded',
    outcome: 'created',
  });
  expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
};

/** Arrange: a first create that failed and rolled back (an upper-case bucket name is invalid in S3). */
const givenRolledBackStack = async (stackName: string) => {
  const failed = await deploy(stackName, dataTemplate({ bucketName: 'Invalid_Bucket_Name' }));
  expect(failed.status).toBe('Failed');
  expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
};

describe('deploying an application stack through the pipeline trigger and the deploy state machine', () => {
  test('first deploy creates the stack and reports its outputs as output variables', async () => {
    const { stackName, bucketName } = names('create');

    const outcome = await deploy(stackName, dataTemplate({ bucketName }));

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toEqual({
      stackName,
      outcome: 'created',
      executionArn: expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:execution:glue-cd-deploy-e2e:/),
      DataBucketName: bucketName,
    });
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.bucketKeys(bucketName)).toEqual([]);
    expect(outcome.invocations).toBeGreaterThan(1); // started, then polled through continuation tokens
  });

  test('the same template again is a no-op: the empty change set is deleted and the action succeeds', async () => {
    const { stackName, bucketName } = names('noop');
    await givenStack(stackName, dataTemplate({ bucketName }));

    const outcome = await deploy(stackName, dataTemplate({ bucketName }));

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('no-changes');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.changeSetNames(stackName)).toEqual([]);
  });

  test('a safe change (a tag on the bucket) updates the stack in place', async () => {
    const { stackName, bucketName } = names('safe');
    await givenStack(stackName, dataTemplate({ bucketName }));

    const outcome = await deploy(stackName, dataTemplate({ bucketName, extraTag: 'raw-data' }));

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toMatchObject({ outcome: 'updated', DataBucketName: bucketName });
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(await harness.stackTemplate(stackName)).toEqual(dataTemplate({ bucketName, extraTag: 'raw-data' }));
  });

  test('a destructive change (renaming the bucket) is refused with the violation named, and the stack is untouched', async () => {
    const { stackName, bucketName } = names('destroy');
    await givenStack(stackName, dataTemplate({ bucketName }));
    await harness.release.clients.s3.send(
      new PutObjectCommand({ Bucket: bucketName, Key: 'keep/me.csv', Body: 'a,b\n1,2\n' }),
    );

    const outcome = await deploy(stackName, dataTemplate({ bucketName: `${bucketName}-renamed` }));

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/^Deploy FAILED: UnsafeChangeSetError: /);
    expect(outcome.message).toContain('RESOURCES-BEING-DELETED-OR-REPLACED');
    expect(outcome.message).toMatch(/DataBucket \(AWS::S3::Bucket\)[^\n]*Replacement True/i);
    expect(outcome.message).not.toMatch(/Database \(AWS::Glue::Database\)/);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.stackTemplate(stackName)).toEqual(dataTemplate({ bucketName }));
    expect(await harness.bucketKeys(bucketName)).toEqual(['keep/me.csv']);
    expect(await harness.bucketKeys(`${bucketName}-renamed`)).toBeUndefined();
  });

  test('with onUnsafeChange blue-green the destructive change goes to a new stack beside the old one', async () => {
    const { stackName, bucketName, databaseName } = names('bluegreen');
    await givenStack(stackName, dataTemplate({ bucketName, databaseName }));
    const green = dataTemplate({ bucketName: `${bucketName}-green`, databaseName: `${databaseName}_green` });

    const outcome = await deploy(stackName, green, { onUnsafeChange: 'blue-green', blueGreenSuffix: 'green' });

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toMatchObject({
      outcome: 'blue-green-created',
      stackName: `${stackName}-green`,
      DataBucketName: `${bucketName}-green`,
    });
    expect((await harness.describeStack(`${stackName}-green`))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.stackTemplate(`${stackName}-green`)).toEqual(green);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.stackTemplate(stackName)).toEqual(dataTemplate({ bucketName, databaseName }));
  });

  test('delete empties the stack buckets, deletes the stack and waits for DELETE_COMPLETE', async () => {
    const { stackName, bucketName } = names('delete');
    await givenStack(stackName, dataTemplate({ bucketName }));
    await harness.release.clients.s3.send(
      new PutObjectCommand({ Bucket: bucketName, Key: 'raw/a.csv', Body: 'a\n1\n' }),
    );

    const outcome = await deleteStack(stackName);

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('deleted');
    expect(await harness.describeStack(stackName)).toBeUndefined();
    expect(await harness.bucketKeys(bucketName)).toBeUndefined();
  });
});

describe('a stack left in ROLLBACK_COMPLETE', () => {
  test('a failed first create ends the action with the stack failure reason', async () => {
    const { stackName } = names('rollback');

    const outcome = await deploy(stackName, dataTemplate({ bucketName: 'Invalid_Bucket_Name' }));

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/^Deploy FAILED: StackOperationFailedError: /);
    expect(outcome.message).toContain('ROLLBACK_COMPLETE');
    expect(outcome.message).toMatch(/DataBucket[^\n]*Invalid_Bucket_Name/);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('with onRollbackComplete fail the next deploy refuses to touch it', async () => {
    const { stackName, bucketName } = names('rbfail');
    await givenRolledBackStack(stackName);

    const outcome = await deploy(stackName, dataTemplate({ bucketName }), { onRollbackComplete: 'fail' });

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(new RegExp(`${stackName}.*ROLLBACK_COMPLETE`));
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await harness.bucketKeys(bucketName)).toBeUndefined();
  });

  test('with delete-and-recreate the next deploy deletes it and creates it again', async () => {
    const { stackName, bucketName } = names('rbrecreate');
    await givenRolledBackStack(stackName);

    const outcome = await deploy(stackName, dataTemplate({ bucketName }), {
      onRollbackComplete: 'delete-and-recreate',
    });

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toMatchObject({ outcome: 'recreated', DataBucketName: bucketName });
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.bucketKeys(bucketName)).toEqual([]);
  });
});

describe('a duplicate invocation of the same CodePipeline job', () => {
  test('starts one deployment, not two', async () => {
    const { stackName, bucketName } = names('duplicate');
    const artifact = await harness.uploadArtifact({
      'deploy/app.json': deployFile(stackName),
      'templates/app.json': dataTemplate({ bucketName }),
    });
    const jobId = randomUUID();
    const event = codePipelineJobEvent({
      jobId,
      functionName: harness.delivery.triggerFunctionName,
      userParameters: JSON.stringify({ inputFile: 'deploy/app.json' }),
      inputArtifacts: [artifact],
    });
    harness.release.cloud.jobResults.createJob(jobId, {
      pipelineContext: localPipelineContext({ functionName: harness.delivery.triggerFunctionName }),
      ...event['CodePipeline.job'].data,
    });
    const executionArn = executionArnFor(harness.delivery.stateMachineArn, executionNameForJob(jobId));
    const invoke = () =>
      harness.release.clients.lambda.send(
        new InvokeCommand({
          FunctionName: harness.delivery.triggerFunctionName,
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );

    await Promise.all([invoke(), invoke()]);
    await invoke();

    const executions = harness.release.cloud.stateMachines.executions(harness.delivery.stateMachineArn);
    expect(executions.filter((execution) => execution.executionArn === executionArn)).toHaveLength(1);
    expect(harness.release.cloud.jobResults.get(jobId)).toMatchObject({ status: 'succeeded' });
    const finished = await harness.release.cloud.stateMachines.waitForExecution(executionArn);
    expect(finished.status).toBe('SUCCEEDED');
    const described = await harness.release.clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.output ?? '{}')).toMatchObject({ outcome: 'created', stackName });
  });
});
