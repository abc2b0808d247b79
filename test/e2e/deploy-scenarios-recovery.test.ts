// End to end, as deploy-scenarios.test.ts (its own local cloud and delivery services): a stack left in
// ROLLBACK_COMPLETE, and a CodePipeline job invoked twice.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import { codePipelineJobEvent, localPipelineContext } from '@glue-cd/release';
import { randomUUID } from 'node:crypto';
import { dataTemplate } from './harness';
import { deployFile, names, scenarioActions, useHarness } from './scenarios';

jest.setTimeout(240_000);

const harnessOf = useHarness();
const { deploy, givenRolledBackStack } = scenarioActions(harnessOf);

describe('a stack left in ROLLBACK_COMPLETE', () => {
  test('a failed first create ends the action with the stack failure reason', async () => {
    const harness = harnessOf();
    const { stackName } = names('rollback');

    const outcome = await deploy(stackName, dataTemplate({ bucketName: 'Invalid_Bucket_Name' }));

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/^Deploy FAILED: StackOperationFailedError: /);
    expect(outcome.message).toContain('ROLLBACK_COMPLETE');
    expect(outcome.message).toMatch(/DataBucket[^\n]*Invalid_Bucket_Name/);
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('with onRollbackComplete fail the next deploy refuses to touch it', async () => {
    const harness = harnessOf();
    const { stackName, bucketName } = names('rbfail');
    await givenRolledBackStack(stackName);

    const outcome = await deploy(stackName, dataTemplate({ bucketName }), { onRollbackComplete: 'fail' });

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(new RegExp(`${stackName}.*ROLLBACK_COMPLETE`));
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await harness.bucketKeys(bucketName)).toBeUndefined();
  });

  test('with delete-and-recreate the next deploy deletes it and creates it again', async () => {
    const harness = harnessOf();
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
    const harness = harnessOf();
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
