// End to end: the real pipeline trigger and deploy state machine (sls-packaged bundles, the ASL file) driven by the
// real AWS SDK clients against the local cloud, one CodePipeline Lambda invoke action per deploy. The local cloud and
// the delivery services are shared by this file's tests; every test arranges its own stacks (own names) and checks
// that arrangement first. Rollback and duplicate-job scenarios: deploy-scenarios-recovery.test.ts.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { dataTemplate, STAGE } from './harness';
import { names, scenarioActions, useHarness } from './scenarios';

jest.setTimeout(240_000);

const harnessOf = useHarness();
const { deploy, deleteStack, givenStack } = scenarioActions(harnessOf);

describe('deploying an application stack through the pipeline trigger and the deploy state machine', () => {
  test('first deploy creates the stack and reports its outputs as output variables', async () => {
    const harness = harnessOf();
    const { stackName, bucketName } = names('create');

    const outcome = await deploy(stackName, dataTemplate({ bucketName }));

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toEqual({
      stackName,
      outcome: 'created',
      executionArn: expect.stringMatching(
        new RegExp(`^arn:aws:states:us-east-1:000000000000:execution:glue-cd-deploy-${STAGE}:`),
      ),
      DataBucketName: bucketName,
    });
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.bucketKeys(bucketName)).toEqual([]);
    expect(outcome.invocations).toBeGreaterThan(1); // started, then polled through continuation tokens
  });

  test('the same template again is a no-op: the empty change set is deleted and the action succeeds', async () => {
    const harness = harnessOf();
    const { stackName, bucketName } = names('noop');
    await givenStack(stackName, dataTemplate({ bucketName }));

    const outcome = await deploy(stackName, dataTemplate({ bucketName }));

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables.outcome).toBe('no-changes');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.changeSetNames(stackName)).toEqual([]);
  });

  test('a safe change (a tag on the bucket) updates the stack in place', async () => {
    const harness = harnessOf();
    const { stackName, bucketName } = names('safe');
    await givenStack(stackName, dataTemplate({ bucketName }));

    const outcome = await deploy(stackName, dataTemplate({ bucketName, extraTag: 'raw-data' }));

    expect(outcome.status).toBe('Succeeded');
    expect(outcome.outputVariables).toMatchObject({ outcome: 'updated', DataBucketName: bucketName });
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(await harness.stackTemplate(stackName)).toEqual(dataTemplate({ bucketName, extraTag: 'raw-data' }));
  });

  test('a destructive change (renaming the bucket) is refused with the violation named, and the stack is untouched', async () => {
    const harness = harnessOf();
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
    const harness = harnessOf();
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
    const harness = harnessOf();
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
