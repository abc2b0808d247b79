// The failure paths of deploy.asl.yaml, run on aws-local-stepfunctions with the real task handlers against the local
// cloud's CloudFormation: what the execution ends with, which states it went through, and what it left in CloudFormation.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../src/logger';
import { BUSY_STACK_POLLING, CHANGE_SET_POLLING } from '../src/polling';
import { blueGreenStackName } from '../src/tasks/stack-operations';
import { loadDeployDefinition } from './support/asl';
import { appTemplate, deployInput, STACK, withQueues } from './support/fixtures';
import { OrchestratorCloud } from './support/local-cloud';
import { runDeploy } from './support/run-deploy';

logger.setLogLevel('SILENT');

let cloud: OrchestratorCloud;
beforeAll(async () => {
  cloud = await OrchestratorCloud.start();
});
afterAll(() => cloud.close());
beforeEach(() => cloud.reset());

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
const DATA_BUCKET = `${STACK}-data`;

/** The application stack with two objects in its data bucket, as EmptyStackBuckets finds it. */
const stackWithData = async () => {
  const stack = await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
  await cloud.putObject(DATA_BUCKET, 'a.parquet', 'a');
  await cloud.putObject(DATA_BUCKET, 'b.parquet', 'b');
  return stack;
};

/** A template that replaces the data bucket (a new name): an unsafe change. */
const unsafeTemplate = (job: Record<string, unknown> = {}) => {
  const template = appTemplate(job) as { Resources: { DataBucket: { Properties: Record<string, unknown> } } };
  template.Resources.DataBucket.Properties.BucketName = { 'Fn::Sub': '${AWS::StackName}-data-v2' };
  return template;
};

describe('action delete', () => {
  it('fails a delete that ends DELETE_FAILED with the resource and its reason; the stack stays', async () => {
    const stack = await stackWithData();
    // The application writes again once EmptyStackBuckets has emptied the bucket: S3 refuses to delete it.
    cloud.when('DeleteStack', () => cloud.putObject(DATA_BUCKET, 'late.parquet', 'late'));

    const run = await runDeploy(deleteInput());

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${STACK}: delete failed (DELETE_FAILED)`);
    expect(run.cause).toContain(
      `DataBucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Error Code: BucketNotEmpty; Bucket: ${DATA_BUCKET})`,
    );
    expect(await cloud.statusOf(stack.StackId!)).toBe('DELETE_FAILED');
    expect(run.visited.at(-1)).toBe('DeployFailed');
  });

  it('retries EmptyStackBuckets while its buckets are not empty yet, then deletes the stack', async () => {
    const stack = await stackWithData();
    // The first two invocations have less time left than the task keeps back: the real task stops with
    // BucketsNotEmptyYetError before deleting anything.
    const run = await runDeploy(deleteInput(), {
      remainingTimeMs: (state, attempt) => (state === 'EmptyStackBuckets' && attempt <= 2 ? 10_000 : 900_000),
    });

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.retries.EmptyStackBuckets).toBe(2);
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.StackId });
    expect(await cloud.bucketKeys(DATA_BUCKET)).toBeUndefined();
    expect(await cloud.statusOf(stack.StackId!)).toBe('DELETE_COMPLETE');
  });

  it('gives up with BucketsNotEmptyYetError once its retries are spent, without deleting the stack', async () => {
    const stack = await stackWithData();
    const run = await runDeploy(deleteInput(), { remainingTimeMs: 10_000 });

    expect(run.error).toBe('BucketsNotEmptyYetError');
    expect(run.cause).toBe(`bucket ${DATA_BUCKET}: 0 object versions deleted so far; continuing on retry`);
    expect(run.retries.EmptyStackBuckets).toBe(retryOf('EmptyStackBuckets', 'BucketsNotEmptyYetError').MaxAttempts);
    expect(callsOf('DeleteStack')).toEqual([]);
    expect(await cloud.statusOf(stack.StackId!)).toBe('UPDATE_COMPLETE');
    expect(await cloud.bucketKeys(DATA_BUCKET)).toEqual(['a.parquet', 'b.parquet']);
  });

  it('waits while another operation runs on the stack, then deletes it', async () => {
    // A dozen queues: the other update takes many steps, so the deploy's first look surely finds it running.
    const stack = await cloud.givenStack(STACK, withQueues(appTemplate(), 12, 30));
    // Another update starts just as the deploy first looks at the stack.
    cloud.when('DescribeStacks', () => cloud.startUpdate(STACK, withQueues(appTemplate(), 12, 60)));
    // Each check takes a while, as on AWS: the other update ends well within the bounded checks.
    cloud.inject([{ service: 'cloudformation', operation: 'DescribeStacks', action: { kind: 'delay', ms: 20 } }]);
    const run = await runDeploy(deleteInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.visited.filter((s) => s === 'WaitWhileStackBusy').length).toBeGreaterThanOrEqual(1);
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.StackId });
    expect(await cloud.statusOf(stack.StackId!)).toBe('DELETE_COMPLETE');
  });

  it('does not delete a stack that stays busy: StackBusyError after the bounded checks', async () => {
    // A stub: no local operation outlasts the 60 checks of an instant-wait run; only DescribeStacks is answered.
    const stub = mockClient(CloudFormationClient);
    try {
      stub.on(DescribeStacksCommand).resolves({
        Stacks: [
          { StackName: STACK, StackId: `arn:${STACK}`, StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() },
        ],
      });
      const run = await runDeploy(deleteInput());
      expect(run.error).toBe('StackBusyError');
      expect(run.cause).toContain(`still UPDATE_IN_PROGRESS after ${BUSY_STACK_POLLING.maxPolls} checks`);
      expect(stub.commandCalls(DescribeStacksCommand)).toHaveLength(BUSY_STACK_POLLING.maxPolls);
      expect(stub.calls()).toHaveLength(BUSY_STACK_POLLING.maxPolls);
    } finally {
      stub.restore();
    }
  });

  it('deletes a ROLLBACK_COMPLETE stack, and does not create it again', async () => {
    const stack = await cloud.givenRolledBackStack(STACK);
    const run = await runDeploy(deleteInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.StackId });
    expect(await cloud.statusOf(stack.StackId!)).toBe('DELETE_COMPLETE');
    expect(run.visited).toEqual(expect.arrayContaining(['EmptyStackBuckets', 'DeleteStack']));
    expect(run.visited).not.toContain('RecreateStack');
    expect(callsOf('CreateStack')).toEqual([]);
    expect(await cloud.stack(STACK)).toBeUndefined();
  });
});

describe('recreate after ROLLBACK_COMPLETE', () => {
  it('fails when the delete of the rolled-back stack fails, and creates nothing', async () => {
    // A stub: a rolled-back create holds no resources, so the local cloud (as AWS nearly always) deletes it; the
    // DELETE_FAILED it would end in is answered here, the only CloudFormation answers of this suite written by hand.
    const stub = mockClient(CloudFormationClient);
    const stackId = `arn:aws:cloudformation:us-east-1:000000000000:stack/${STACK}/1`;
    let deleted = false;
    try {
      stub.on(DescribeStacksCommand).callsFake(() => ({
        Stacks: [
          {
            StackName: STACK,
            StackId: stackId,
            CreationTime: new Date(),
            StackStatus: deleted ? 'DELETE_FAILED' : 'ROLLBACK_COMPLETE',
            ...(deleted ? { StackStatusReason: 'The following resource(s) failed to delete: [DataBucket].' } : {}),
          },
        ],
      }));
      stub.on(DeleteStackCommand).callsFake(() => {
        deleted = true;
        return {};
      });
      stub.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

      const run = await runDeploy(deployInput());

      expect(run.error).toBe('StackOperationFailedError');
      expect(run.cause).toContain(`stack ${STACK}: delete failed (DELETE_FAILED)`);
      expect(run.visited).toContain('DeleteRolledBackStack');
      expect(run.visited).not.toContain('RecreateStack');
      expect(stub.commandCalls(CreateStackCommand)).toEqual([]);
    } finally {
      stub.restore();
    }
  });
});

describe('blue/green', () => {
  it('fails when the green stack already exists, leaving both stacks as they were', async () => {
    const blue = await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const greenName = blueGreenStackName(STACK, 'codepipeline-job-1', 'green');
    const green = await cloud.givenStack(greenName, appTemplate());

    const run = await runDeploy(
      deployInput({
        template: { body: JSON.stringify(unsafeTemplate()) },
        onUnsafeChange: 'blue-green',
        blueGreenSuffix: 'green',
      }),
    );

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toBe(`blue/green stack ${greenName} already exists: choose another blueGreenSuffix or delete it`);
    expect([await cloud.statusOf(STACK), await cloud.statusOf(greenName)]).toEqual([
      'UPDATE_COMPLETE',
      'CREATE_COMPLETE',
    ]);
    expect((await cloud.stack(greenName))?.StackId).toBe(green.StackId);
    expect((await cloud.stack(STACK))?.StackId).toBe(blue.StackId);
    expect(await cloud.changeSetsOf(STACK)).toEqual([]);
  });

  it('fails when the green stack rolls back, naming its failed resource; the blue stack is untouched', async () => {
    await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const template = await cloud.templateOf(STACK);
    // An unsafe change whose new stack cannot be created: Glue refuses the job's MaxRetries.
    const body = JSON.stringify(unsafeTemplate({ MaxRetries: 11 }));

    const run = await runDeploy(deployInput({ template: { body }, onUnsafeChange: 'blue-green' }), {
      executionName: 'codepipeline-bg',
    });

    const greenName = blueGreenStackName(STACK, 'codepipeline-bg');
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${greenName}: create failed (ROLLBACK_COMPLETE)`);
    expect(run.cause).toContain('GlueJob (AWS::Glue::Job) CREATE_FAILED: ');
    expect(run.cause).toContain("Value at 'maxRetries' failed to satisfy constraint");
    expect(await cloud.statusOf(greenName)).toBe('ROLLBACK_COMPLETE');
    expect([await cloud.statusOf(STACK), await cloud.templateOf(STACK)]).toEqual(['UPDATE_COMPLETE', template]);
    expect(callsOf('ExecuteChangeSet')).toEqual([]);
  });
});

describe('change sets', () => {
  it('fails a change set CloudFormation FAILED for a real reason, with that reason, and deletes it', async () => {
    const stack = await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const template = appTemplate({ Description: { 'Fn::ImportValue': 'glue-cd-missing-export' } });

    const run = await runDeploy(deployInput({ template: { body: JSON.stringify(template) } }));

    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toBe(
      `change set glue-cd-codepipeline-job-1 on ${STACK} failed: No export named glue-cd-missing-export found.`,
    );
    expect(await cloud.changeSetsOf(STACK)).toEqual([]);
    expect(callsOf('ExecuteChangeSet')).toEqual([]);
    expect(await cloud.statusOf(stack.StackId!)).toBe('UPDATE_COMPLETE');
  });

  it('gives up on a change set that never leaves CREATE_IN_PROGRESS, after the bounded checks', async () => {
    // A stub: the local cloud computes a change set in milliseconds, far within the checks of an instant-wait run.
    const stub = mockClient(CloudFormationClient);
    try {
      stub.on(DescribeStacksCommand).resolves({
        Stacks: [
          { StackName: STACK, StackId: `arn:${STACK}`, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() },
        ],
      });
      stub.on(CreateChangeSetCommand).resolves({ Id: 'arn:change-set', StackId: `arn:${STACK}` });
      stub.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' });

      const run = await runDeploy(deployInput());

      expect(run.error).toBe('StackOperationFailedError');
      expect(run.cause).toBe(
        `change set glue-cd-codepipeline-job-1 on ${STACK}: gave up after ${CHANGE_SET_POLLING.maxPolls} checks (still CREATE_IN_PROGRESS)`,
      );
      expect(run.visited.filter((s) => s === 'PollChangeSet')).toHaveLength(CHANGE_SET_POLLING.maxPolls);
      expect(stub.commandCalls(ExecuteChangeSetCommand)).toEqual([]);
    } finally {
      stub.restore();
    }
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
