// The failure paths of deploy.asl.yaml, run on aws-local-stepfunctions with the real task handlers: what the
// execution ends with, which states it went through, and what it left in CloudFormation.
import { logger } from '../src/logger';
import { BUSY_STACK_POLLING, CHANGE_SET_POLLING } from '../src/polling';
import { blueGreenStackName } from '../src/tasks/stack-operations';
import { loadDeployDefinition } from './support/asl';
import { FakeCloud } from './support/fake-cloud';
import { deployInput, resourceChange, STACK } from './support/fixtures';
import { runDeploy } from './support/run-deploy';

logger.setLogLevel('SILENT');

let cloud: FakeCloud;
beforeEach(() => {
  cloud = new FakeCloud();
});
afterEach(() => cloud.restore());

const deleteInput = () => deployInput({ action: 'delete', template: undefined });
const callsOf = (operation: string) => cloud.calls.filter((c) => c.startsWith(`${operation} `));
/** The retry policy deploy.asl.yaml gives a state for an error. */
const retryOf = (state: string, error: string) => {
  const retries = loadDeployDefinition().definition.States[state]?.Retry as
    { ErrorEquals: string[]; MaxAttempts: number }[] | undefined;
  const retry = retries?.find((r) => r.ErrorEquals.includes(error));
  if (retry === undefined) throw new Error(`${state} does not retry ${error}`);
  return retry;
};

/** A stack holding one bucket with objects, as EmptyStackBuckets finds it. */
const stackWithData = (status: string) => {
  const stack = cloud.addStack(STACK, status, {
    template: JSON.stringify({ Resources: { DataBucket: { Type: 'AWS::S3::Bucket' } } }),
    resources: [
      {
        LogicalResourceId: 'DataBucket',
        PhysicalResourceId: 'data-bucket',
        ResourceType: 'AWS::S3::Bucket',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
    ],
  });
  cloud.addBucketObjects('data-bucket', ['a.parquet', 'b.parquet']);
  return stack;
};

describe('action delete', () => {
  it('fails a delete that ends DELETE_FAILED with the resource and its reason; the stack stays', async () => {
    const stack = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.delete = 'fail';

    const run = await runDeploy(deleteInput());

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${STACK}: delete failed (DELETE_FAILED)`);
    expect(run.cause).toContain(
      'DataBucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you tried to delete is not empty (Service: S3, Status Code: 409)',
    );
    expect(stack.status).toBe('DELETE_FAILED');
    expect(run.visited.at(-1)).toBe('DeployFailed');
  });

  it('retries EmptyStackBuckets while its buckets are not empty yet, then deletes the stack', async () => {
    const stack = stackWithData('UPDATE_COMPLETE');
    // The first two invocations have less time left than the task keeps back: the real task stops with
    // BucketsNotEmptyYetError before deleting anything.
    const run = await runDeploy(deleteInput(), {
      remainingTimeMs: (state, attempt) => (state === 'EmptyStackBuckets' && attempt <= 2 ? 10_000 : 900_000),
    });

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.retries.EmptyStackBuckets).toBe(2);
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.stackId });
    expect(cloud.buckets.get('data-bucket')?.size).toBe(0);
    expect(stack.status).toBe('DELETE_COMPLETE');
  });

  it('gives up with BucketsNotEmptyYetError once its retries are spent, without deleting the stack', async () => {
    const stack = stackWithData('UPDATE_COMPLETE');
    const run = await runDeploy(deleteInput(), { remainingTimeMs: 10_000 });

    expect(run.error).toBe('BucketsNotEmptyYetError');
    expect(run.cause).toBe('bucket data-bucket: 0 object versions deleted so far; continuing on retry');
    expect(run.retries.EmptyStackBuckets).toBe(retryOf('EmptyStackBuckets', 'BucketsNotEmptyYetError').MaxAttempts);
    expect(callsOf('DeleteStack')).toEqual([]);
    expect(stack.status).toBe('UPDATE_COMPLETE');
    expect(cloud.buckets.get('data-bucket')?.size).toBe(2);
  });

  it('waits while another operation runs on the stack, then deletes it', async () => {
    const stack = cloud.addStack(STACK, 'UPDATE_IN_PROGRESS', { upcoming: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'] });
    const run = await runDeploy(deleteInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.visited.filter((s) => s === 'WaitWhileStackBusy')).toHaveLength(1);
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.stackId });
    expect(stack.status).toBe('DELETE_COMPLETE');
  });

  it('does not delete a stack that stays busy: StackBusyError after the bounded checks', async () => {
    const stack = cloud.addStack(STACK, 'UPDATE_IN_PROGRESS');
    const run = await runDeploy(deleteInput());
    expect(run.error).toBe('StackBusyError');
    expect(run.cause).toContain(`still UPDATE_IN_PROGRESS after ${BUSY_STACK_POLLING.maxPolls} checks`);
    expect(callsOf('DeleteStack')).toEqual([]);
    expect(stack.status).toBe('UPDATE_IN_PROGRESS');
  });

  it('deletes a ROLLBACK_COMPLETE stack, and does not create it again', async () => {
    const stack = cloud.addStack(STACK, 'ROLLBACK_COMPLETE');
    const run = await runDeploy(deleteInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.stackId });
    expect(stack.status).toBe('DELETE_COMPLETE');
    expect(run.visited).toEqual(expect.arrayContaining(['EmptyStackBuckets', 'DeleteStack']));
    expect(run.visited).not.toContain('RecreateStack');
    expect(callsOf('CreateStack')).toEqual([]);
    expect(cloud.live(STACK)).toBeUndefined();
  });
});

describe('recreate after ROLLBACK_COMPLETE', () => {
  it('fails when the delete of the rolled-back stack fails, and creates nothing', async () => {
    const failed = cloud.addStack(STACK, 'ROLLBACK_COMPLETE');
    cloud.script.delete = 'fail';

    const run = await runDeploy(deployInput());

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${STACK}: delete failed (DELETE_FAILED)`);
    expect(run.visited).toContain('DeleteRolledBackStack');
    expect(run.visited).not.toContain('RecreateStack');
    expect(callsOf('CreateStack')).toEqual([]);
    expect(failed.status).toBe('DELETE_FAILED');
  });
});

describe('blue/green', () => {
  const unsafe = () => [resourceChange('DataBucket', 'AWS::S3::Bucket', 'Modify', { Replacement: 'True' })];

  it('fails when the green stack already exists, leaving both stacks as they were', async () => {
    const blue = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    const greenName = blueGreenStackName(STACK, 'codepipeline-job-1', 'green');
    const green = cloud.addStack(greenName, 'CREATE_COMPLETE');
    cloud.script.changeSetChanges = unsafe();

    const run = await runDeploy(deployInput({ onUnsafeChange: 'blue-green', blueGreenSuffix: 'green' }));

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toBe(`blue/green stack ${greenName} already exists: choose another blueGreenSuffix or delete it`);
    expect([blue.status, green.status]).toEqual(['UPDATE_COMPLETE', 'CREATE_COMPLETE']);
    expect(green.stackId).toBe(cloud.live(greenName)?.stackId);
    expect(cloud.changeSets).toHaveLength(0);
  });

  it('fails when the green stack rolls back, naming its failed resource; the blue stack is untouched', async () => {
    const blue = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    const template = blue.template;
    cloud.script.changeSetChanges = unsafe();
    cloud.script.create = 'rollback';

    const run = await runDeploy(deployInput({ onUnsafeChange: 'blue-green' }), { executionName: 'codepipeline-bg' });

    const greenName = blueGreenStackName(STACK, 'codepipeline-bg');
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${greenName}: create failed (ROLLBACK_COMPLETE)`);
    expect(run.cause).toContain(
      'GlueJob (AWS::Glue::Job) CREATE_FAILED: Resource handler returned message: "Invalid input"',
    );
    expect(cloud.live(greenName)?.status).toBe('ROLLBACK_COMPLETE');
    expect([blue.status, blue.template]).toEqual(['UPDATE_COMPLETE', template]);
    expect(callsOf('ExecuteChangeSet')).toEqual([]);
  });
});

describe('change sets', () => {
  it('fails a change set CloudFormation FAILED for a real reason, with that reason, and deletes it', async () => {
    const stack = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    const reason =
      'Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template';
    cloud.script.changeSetFailure = reason;

    const run = await runDeploy(deployInput());

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toBe(`change set glue-cd-codepipeline-job-1 on ${STACK} failed: ${reason}`);
    expect(cloud.changeSets).toHaveLength(0);
    expect(callsOf('ExecuteChangeSet')).toEqual([]);
    expect(stack.status).toBe('UPDATE_COMPLETE');
  });

  it('gives up on a change set that never leaves CREATE_IN_PROGRESS, after the bounded checks', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.inProgressChecks = CHANGE_SET_POLLING.maxPolls + 5;
    cloud.script.changeSetChanges = [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' })];

    const run = await runDeploy(deployInput());

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toBe(
      `change set glue-cd-codepipeline-job-1 on ${STACK}: gave up after ${CHANGE_SET_POLLING.maxPolls} checks (still CREATE_IN_PROGRESS)`,
    );
    expect(run.visited.filter((s) => s === 'PollChangeSet')).toHaveLength(CHANGE_SET_POLLING.maxPolls);
    expect(callsOf('ExecuteChangeSet')).toEqual([]);
  });
});

describe('task retries', () => {
  it.each([
    ['Lambda.ServiceException', 'CheckStack'],
    ['Lambda.TooManyRequestsException', 'CreateStack'],
    ['ThrottlingError', 'CheckStack'],
  ])('ends in DeployFailed with %s once %s has spent its retries', async (error, state) => {
    const run = await runDeploy(deployInput(), { lambdaFaults: { [state]: { name: error, times: 1000 } } });
    expect(run.error).toBe(error);
    expect(run.cause).toBe(`injected ${error}`);
    expect(run.retries[state]).toBe(retryOf(state, error).MaxAttempts);
    expect(run.visited.at(-1)).toBe('DeployFailed');
    expect(run.output).toBeUndefined();
  });
});
