import { describeViolation, protectedPolicyUpdate, protectedStackPolicyBody } from '@glue-cd/core';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { SDK_DEADLINES } from '../src/clients';
import { logger } from '../src/logger';
import { BUSY_STACK_POLLING, CHANGE_SET_POLLING, maxTotalWaitSeconds, STACK_OPERATION_POLLING } from '../src/polling';
import { blueGreenStackName } from '../src/tasks/stack-operations';
import { loadDeployDefinition } from './support/asl';
import {
  appTemplate,
  body,
  deployInput,
  STACK,
  TEMPLATE,
  withQueues,
  zipOf,
  PROD,
  PROD_STACK,
  prodInput,
  stubStack,
  verdictUrl,
} from './support/fixtures';
import { ARTIFACT_BUCKET, OrchestratorCloud, type Template } from './support/local-cloud';
import { runDeploy, STAGING_BUCKET } from './support/run-deploy';

logger.setLogLevel('SILENT');

let cloud: OrchestratorCloud;
beforeAll(async () => {
  // Pages of 10 changes, so that a change set of a few dozen is read in pages as a large one is on AWS (100).
  cloud = await OrchestratorCloud.start({ changeSetPageSize: 10 });
});
afterAll(() => cloud.close());
beforeEach(() => cloud.reset());

const DATA_BUCKET = `${STACK}-data`;
/** The application template with its data bucket given another name: CloudFormation replaces it (unsafe). */
const withRenamedBucket = (template: Template = appTemplate()): Template => {
  const copy = structuredClone(template) as { Resources: { DataBucket: { Properties: Record<string, unknown> } } };
  copy.Resources.DataBucket.Properties.BucketName = { 'Fn::Sub': '${AWS::StackName}-data-v2' };
  return copy;
};
/** The application template without its data bucket (and the output naming it): a Remove. */
const withoutBucket = (template: Template = appTemplate()): Template => {
  const copy = structuredClone(template) as { Resources: Record<string, unknown>; Outputs?: unknown };
  delete copy.Resources.DataBucket;
  delete copy.Outputs;
  return copy;
};
/** The application template with a nested stack `Tables` holding one queue (its template uploaded under `key`). */
const withTables = async (key: string, queue: Record<string, unknown>, template: Template = appTemplate()) => {
  const nested = { Resources: { TripsQueue: { Type: 'AWS::SQS::Queue', Properties: queue } } };
  const copy = structuredClone(template) as { Resources: Record<string, unknown> };
  copy.Resources.Tables = {
    Type: 'AWS::CloudFormation::Stack',
    Properties: { TemplateURL: await cloud.templateUrl(key, nested) },
  };
  return copy;
};
const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
// A function that crashed or timed out may have done its call: the tasks are idempotent, so they are run again.
const CRASH_ERRORS = ['Sandbox.Timedout', 'Runtime.ExitError', 'Runtime.Unknown'];
/** The errors a state routes somewhere else than DeployFailed (before its catch-all). */
const ROUTED_ERRORS: Record<string, { ErrorEquals: string[]; ResultPath: null; Next: string }[]> = {
  // Another deploy created the stack since CheckStack: check it again (wait while busy, then update).
  CreateStack: [{ ErrorEquals: ['StackCreatedMeanwhileError'], ResultPath: null, Next: 'RecheckStack' }],
};

describe('deploy.asl.yaml structure', () => {
  const { definition } = loadDeployDefinition();
  const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

  it('bounds the whole execution with TimeoutSeconds, beyond the polling bounds of the longest path', () => {
    // The longest path (busy wait, then a rollback delete and a create) trips its own counters first, with a clear error.
    const longestPath =
      maxTotalWaitSeconds(BUSY_STACK_POLLING) +
      maxTotalWaitSeconds(CHANGE_SET_POLLING) +
      2 * maxTotalWaitSeconds(STACK_OPERATION_POLLING);
    expect(definition.TimeoutSeconds).toBeGreaterThan(longestPath);
  });

  it.each(tasks.map(([name]) => name))(
    '%s retries Lambda service errors, throttling and function crashes, and catches everything else into DeployFailed',
    (name) => {
      const state = definition.States[name] as {
        Retry: { ErrorEquals: string[] }[];
        Catch: { ErrorEquals: string[]; Next: string; ResultPath: string | null }[];
      };
      const retried = state.Retry.flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([...LAMBDA_ERRORS, 'ThrottlingError', 'TransientAwsError', ...CRASH_ERRORS]),
      );
      expect(state.Catch).toEqual([
        ...(ROUTED_ERRORS[name] ?? []),
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DeployFailed' },
      ]);
    },
  );

  it('fails with the caught Error and Cause', () => {
    expect(definition.States.DeployFailed).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });
});

describe('deploy state machine on aws-local-stepfunctions', () => {
  it('creates a stack that does not exist yet', async () => {
    const run = await runDeploy(deployInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    const stack = await cloud.stack(STACK);
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    expect(run.output).toEqual({
      outcome: 'created',
      stackName: STACK,
      stackId: stack?.StackId,
      outputs: { DataBucketName: DATA_BUCKET },
    });
    expect(run.visited.filter((s) => s === 'PollStackOperation').length).toBeGreaterThanOrEqual(2);
  });

  it('updates through a safe change set, reading the nested change set', async () => {
    const existing = await cloud.givenStack(STACK, await withTables('tables-v1.json', { VisibilityTimeout: 30 }), {
      status: 'UPDATE_COMPLETE',
    });
    const updated = await withTables('tables-v2.json', { VisibilityTimeout: 60 }, appTemplate({ Description: 'v2' }));

    const run = await runDeploy(deployInput(body(updated)));

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      outcome: 'updated',
      stackName: STACK,
      stackId: existing.StackId,
      changeSetName: 'glue-cd-codepipeline-job-1',
      verdict: {
        verdict: 'CAN-SAFELY-UPDATE-EXISTING-STACK',
        safe: true,
        counts: { inspectedChanges: 3, violations: 0 },
        violations: [],
        location: `s3://${STAGING_BUCKET}/verdicts/${STACK}/codepipeline-job-1/verdict.json`,
      },
    });
    const after = await cloud.stack(STACK);
    expect(after?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(after!.LastUpdatedTime!.getTime()).toBeGreaterThan(existing.LastUpdatedTime!.getTime());
    // The root change set, and the nested one by the ChangeSetId the root's Tables change names.
    const described = new Set(cloud.calls.filter((c) => c.startsWith('DescribeChangeSet ')));
    expect([...described].filter((c) => c.includes(':changeSet/glue-cd-codepipeline-job-1/'))).toHaveLength(1);
    expect([...described].filter((c) => !c.includes(':changeSet/glue-cd-codepipeline-job-1/'))).toHaveLength(1);
    expect(cloud.calls.filter((c) => c.startsWith('ExecuteChangeSet'))).toHaveLength(1);
  });

  // The local cloud shows UPDATE_IN_PROGRESS as soon as ExecuteChangeSet answers; the stale read AWS may give first
  // (the previous status, then the change set's EXECUTE_IN_PROGRESS) is pinned in stack-operations.test.ts.
  it('does not mistake the previous UPDATE_COMPLETE for the end of the update', async () => {
    await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(deployInput(body(appTemplate({ MaxRetries: 11 }))));
    // Had the stale status counted as success, this would have been "updated".
    expect(run.error).toBe('StackOperationFailedError');
  });

  it('succeeds as no-changes and deletes the empty change set', async () => {
    await cloud.givenStack(STACK, appTemplate());
    const run = await runDeploy(deployInput());
    expect(run.output).toMatchObject({
      outcome: 'no-changes',
      stackName: STACK,
      changeSetName: 'glue-cd-codepipeline-job-1',
    });
    expect(await cloud.changeSetsOf(STACK)).toEqual([]);
    expect(cloud.calls.some((c) => c.startsWith('ExecuteChangeSet'))).toBe(false);
    expect(run.visited).toContain('DeleteEmptyChangeSet');
  });

  it('refuses an unsafe change set, lists every violation and deletes it', async () => {
    await cloud.givenStack(STACK, await withTables('tables-v1.json', { QueueName: 'glue-cd-trips-v1' }), {
      status: 'UPDATE_COMPLETE',
    });
    const unsafe = await withTables('tables-v2.json', { QueueName: 'glue-cd-trips-v2' }, withoutBucket());

    const run = await runDeploy(deployInput(body(unsafe)));

    expect(run.error).toBe('UnsafeChangeSetError');
    const full = await cloud.json<{ verdict: Parameters<typeof describeViolation>[0][] }>(verdictUrl());
    const violations = (full.verdict as unknown as { violations: Parameters<typeof describeViolation>[0][] })
      .violations;
    expect(violations).toHaveLength(2);
    for (const violation of violations) expect(run.cause).toContain(describeViolation(violation));
    expect(run.cause).toContain('RESOURCES-BEING-DELETED-OR-REPLACED: 2 of 3 resource changes');
    expect(run.cause).toContain('DataBucket (AWS::S3::Bucket): Remove');
    expect(run.cause).toContain('TripsQueue (AWS::SQS::Queue) in nested stack Tables');
    expect(await cloud.changeSetsOf(STACK)).toEqual([]);
    expect(await cloud.statusOf(STACK)).toBe('UPDATE_COMPLETE');
  });

  it('accepts a replacement the input safety policy allow-lists', async () => {
    const withQueue = (name: string) => {
      const template = appTemplate() as { Resources: Record<string, unknown> };
      template.Resources.JobQueue = { Type: 'AWS::SQS::Queue', Properties: { QueueName: name } };
      return template;
    };
    await cloud.givenStack(STACK, withQueue('glue-cd-jobs-v1'), { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(
      deployInput({ ...body(withQueue('glue-cd-jobs-v2')), safetyPolicy: { allowedLogicalIds: ['JobQueue'] } }),
    );
    expect(run.output).toMatchObject({ outcome: 'updated', verdict: { safe: true, counts: { accepted: 1 } } });
    // The accepted change is listed in the full verdict, in S3.
    const full = await cloud.json<{ verdict: { accepted: { logicalId: string }[] } }>(
      (run.output?.verdict as { location: string }).location,
    );
    expect(full.verdict.accepted).toEqual([expect.objectContaining({ logicalId: 'JobQueue' })]);
  });

  it('deploys blue/green beside an unsafe change: a new stack, the old one untouched', async () => {
    const existing = await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });

    const run = await runDeploy(
      deployInput({ ...body(withRenamedBucket()), onUnsafeChange: 'blue-green', blueGreenSuffix: 'green' }),
    );

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    const greenName = blueGreenStackName(STACK, 'codepipeline-job-1', 'green');
    expect(greenName).toBe(`${STACK}-green`);
    const green = await cloud.stack(greenName);
    expect(green?.StackStatus).toBe('CREATE_COMPLETE');
    expect(run.output).toMatchObject({
      outcome: 'blue-green-created',
      stackName: greenName,
      stackId: green?.StackId,
      verdict: { safe: false },
    });
    expect(await cloud.statusOf(existing.StackId!)).toBe('UPDATE_COMPLETE');
    expect(await cloud.templateOf(STACK)).toEqual(appTemplate());
    expect(await cloud.changeSetsOf(STACK)).toEqual([]);
  });

  it('derives the blue/green stack name from the execution name when no suffix is given', async () => {
    await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(deployInput({ ...body(withoutBucket()), onUnsafeChange: 'blue-green' }), {
      executionName: 'codepipeline-abc',
    });
    const expected = blueGreenStackName(STACK, 'codepipeline-abc');
    expect(expected).toMatch(new RegExp(`^${STACK}-bg-[0-9a-f]{10}$`));
    expect(run.output).toMatchObject({ outcome: 'blue-green-created', stackName: expected });
  });

  it('deletes a ROLLBACK_COMPLETE stack and creates it again', async () => {
    const failed = await cloud.givenRolledBackStack(STACK);
    const run = await runDeploy(deployInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(await cloud.statusOf(failed.StackId!)).toBe('DELETE_COMPLETE');
    const recreated = await cloud.stack(STACK);
    expect(recreated?.StackId).not.toBe(failed.StackId);
    expect(run.output).toMatchObject({ outcome: 'recreated', stackName: STACK, stackId: recreated?.StackId });
    expect(run.visited).toEqual(expect.arrayContaining(['DeleteRolledBackStack', 'RecreateStack']));
  });

  it('leaves a ROLLBACK_COMPLETE stack alone and fails when onRollbackComplete is fail', async () => {
    const failed = await cloud.givenRolledBackStack(STACK);
    expect(failed.StackStatusReason).toContain('The following resource(s) failed to create: [DataBucket].');
    const run = await runDeploy(deployInput({ onRollbackComplete: 'fail' }));
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${STACK} is ROLLBACK_COMPLETE (${failed.StackStatusReason})`);
    expect(await cloud.statusOf(STACK)).toBe('ROLLBACK_COMPLETE');
    expect(cloud.calls.some((c) => c.startsWith('DeleteStack'))).toBe(false);
  });

  it('waits while another operation runs on the stack, then deploys', async () => {
    // A dozen queues: the other update takes many steps, so the deploy's first look surely finds it running.
    await cloud.givenStack(STACK, withQueues(appTemplate(), 12, 30));
    const target = withQueues(appTemplate(), 12, 60);
    // Another update (to the very template of the deploy) starts just as the deploy first looks at the stack; each
    // check takes a while, as on AWS, so that it ends within the bounded checks.
    cloud.when('DescribeStacks', () => cloud.startUpdate(STACK, target));
    cloud.inject([{ service: 'cloudformation', operation: 'DescribeStacks', action: { kind: 'delay', ms: 20 } }]);
    const run = await runDeploy(deployInput(body(target)));
    expect(run.output).toMatchObject({ outcome: 'no-changes' });
    expect(run.visited.filter((s) => s === 'WaitWhileStackBusy').length).toBeGreaterThanOrEqual(1);
    expect(run.visited).toContain('RecheckStack');
  });

  it('checks the stack again when another deploy created it since CheckStack found none, then finds no changes', async () => {
    // Another deploy creates the stack (same template) just before this one's CreateStack: AlreadyExists, not ours.
    const template = appTemplate();
    cloud.when('CreateStack', async () => {
      await cloud.givenStack(STACK, template);
    });
    const run = await runDeploy(deployInput(body(template)));
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'no-changes' });
    expect(run.visited).toEqual(expect.arrayContaining(['CreateStack', 'RecheckStack', 'CreateChangeSet']));
    expect(await cloud.stacksNamed(STACK)).toEqual([{ id: expect.any(String), status: 'CREATE_COMPLETE' }]);
  });

  it('gives up on a stack that stays busy, after a bounded number of checks', async () => {
    // A stub: no local operation outlasts the 60 checks of an instant-wait run; only DescribeStacks is answered.
    const stub = mockClient(CloudFormationClient);
    try {
      stub.on(DescribeStacksCommand).resolves(stubStack('UPDATE_IN_PROGRESS'));
      const run = await runDeploy(deployInput());
      expect(run.error).toBe('StackBusyError');
      expect(run.cause).toContain(`still UPDATE_IN_PROGRESS after ${BUSY_STACK_POLLING.maxPolls} checks`);
      expect(run.visited.filter((s) => s === 'WaitWhileStackBusy')).toHaveLength(BUSY_STACK_POLLING.maxPolls - 1);
    } finally {
      stub.restore();
    }
  });

  it('fails a create that rolls back with the failed resource and its reason', async () => {
    const run = await runDeploy(deployInput(body(appTemplate({ MaxRetries: 11 }))));
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${STACK}: create failed (ROLLBACK_COMPLETE)`);
    expect(run.cause).toContain(
      "GlueJob (AWS::Glue::Job) CREATE_FAILED: 1 validation error detected: Value at 'maxRetries' failed to satisfy constraint",
    );
    expect(run.cause).not.toContain('Resource creation cancelled');
  });

  it('fails an update that rolls back with the reason', async () => {
    await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(deployInput(body(appTemplate({ MaxRetries: 11 }))));
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain('update failed (UPDATE_ROLLBACK_COMPLETE)');
    expect(run.cause).toContain('GlueJob (AWS::Glue::Job) UPDATE_FAILED');
  });

  it('fails explicitly on a stack in DELETE_FAILED', async () => {
    await cloud.givenStack(STACK, appTemplate());
    await cloud.putObject(DATA_BUCKET, 'a.parquet', 'a');
    await cloud.quietly(() => cloud.cfn.send(new DeleteStackCommand({ StackName: STACK })));
    const failed = await cloud.settled(STACK, 'DELETE_FAILED');
    const run = await runDeploy(deployInput());
    expect(run.error).toBe('StackBusyError');
    expect(run.cause).toContain(`stack ${STACK} is DELETE_FAILED (${failed.StackStatusReason})`);
    expect(cloud.calls.filter((c) => !c.startsWith('DescribeStacks'))).toEqual([]);
  });

  it('fails explicitly on a stack in UPDATE_ROLLBACK_FAILED', async () => {
    // A stub: the local cloud's rollbacks do not fail (no ContinueUpdateRollback either); only DescribeStacks is answered.
    const stub = mockClient(CloudFormationClient);
    try {
      stub
        .on(DescribeStacksCommand)
        .resolves(stubStack('UPDATE_ROLLBACK_FAILED', 'Resource GlueJob failed to stabilize'));
      const run = await runDeploy(deployInput());
      expect(run.error).toBe('StackBusyError');
      expect(run.cause).toContain(`stack ${STACK} is UPDATE_ROLLBACK_FAILED (Resource GlueJob failed to stabilize)`);
      expect(stub.calls().filter((c) => !(c.args[0] instanceof DescribeStacksCommand))).toEqual([]);
    } finally {
      stub.restore();
    }
  });

  it('deletes a stack after emptying its buckets, keeping retained buckets and their data', async () => {
    const bucket = (name: string, retain = false) => ({
      Type: 'AWS::S3::Bucket',
      ...(retain ? { DeletionPolicy: 'Retain' } : {}),
      Properties: { BucketName: `${STACK}-${name}` },
    });
    const stack = await cloud.givenStack(
      STACK,
      {
        Parameters: { Stage: { Type: 'String' } },
        Resources: { DataBucket: bucket('data'), RawBucket: bucket('raw', true), GoneBucket: bucket('gone') },
      },
      { status: 'UPDATE_COMPLETE' },
    );
    for (const key of ['a.parquet', 'b.parquet']) await cloud.putObject(DATA_BUCKET, key, key);
    await cloud.putObject(`${STACK}-raw`, 'trips.csv', 'VendorID');
    // Deleted outside CloudFormation: the stack still lists it.
    await cloud.s3.send(new DeleteBucketCommand({ Bucket: `${STACK}-gone` }));

    const run = await runDeploy(deployInput({ action: 'delete', template: undefined }));

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'deleted', stackName: STACK, stackId: stack.StackId, outputs: {} });
    expect(await cloud.statusOf(stack.StackId!)).toBe('DELETE_COMPLETE');
    expect(await cloud.bucketKeys(DATA_BUCKET)).toBeUndefined();
    expect(await cloud.bucketKeys(`${STACK}-raw`)).toEqual(['trips.csv']);
    expect(run.visited).toEqual(expect.arrayContaining(['EmptyStackBuckets', 'DeleteStack']));
  });

  it('succeeds as deleted, with a note, when the stack does not exist', async () => {
    const run = await runDeploy(deployInput({ action: 'delete' }));
    expect(run.output).toEqual({
      outcome: 'deleted',
      stackName: STACK,
      outputs: {},
      note: `stack ${STACK} did not exist: nothing to delete`,
    });
    expect(cloud.calls.some((c) => c.startsWith('DeleteStack'))).toBe(false);
  });

  it('retries a throttled CloudFormation call', async () => {
    await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    // Throttled for two invocations: each spends the SDK client's own attempts, then the state retries.
    cloud.inject([
      {
        service: 'cloudformation',
        operation: 'CreateChangeSet',
        times: 2 * SDK_DEADLINES.maxAttempts,
        action: { kind: 'error', code: 'Throttling', status: 400, message: 'Rate exceeded' },
      },
    ]);
    const run = await runDeploy(deployInput());
    expect(run.output).toMatchObject({ outcome: 'no-changes' });
    expect(run.retries.CreateChangeSet).toBe(2);
  });

  it('retries Lambda service errors', async () => {
    const run = await runDeploy(deployInput(), {
      lambdaFaults: { CheckStack: { name: 'Lambda.ServiceException', times: 2 } },
    });
    expect(run.output).toMatchObject({ outcome: 'created' });
    expect(run.retries.CheckStack).toBe(2);
  });

  it('gives up on a stack operation that never settles, after a bounded number of checks', async () => {
    // A stub: the local cloud creates a stack in milliseconds, far within the 240 checks of an instant-wait run.
    const stub = mockClient(CloudFormationClient);
    try {
      // By name before the create: not found; by StackId after it: in progress, forever.
      stub.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
        if (input.StackName !== STACK) return stubStack('CREATE_IN_PROGRESS');
        throw Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' });
      });
      stub.on(CreateStackCommand).resolves({ StackId: stubStack('CREATE_IN_PROGRESS').Stacks[0]!.StackId });
      const run = await runDeploy(deployInput());
      expect(run.error).toBe('StackOperationFailedError');
      expect(run.cause).toBe(
        `stack ${STACK}: gave up waiting for the create after ${STACK_OPERATION_POLLING.maxPolls} checks (last status CREATE_IN_PROGRESS)`,
      );
    } finally {
      stub.restore();
    }
  });

  it('fails bad input with a ConfigurationError naming the field, before touching CloudFormation', async () => {
    const run = await runDeploy(deployInput({ stackName: '1-not-a-stack', onUnsafeChange: 'ignore' }));
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain('DeployInput.stackName');
    expect(run.cause).toContain('DeployInput.onUnsafeChange');
    expect(cloud.calls).toEqual([]);
  });

  it('fails when the template artifact lacks the path, naming both', async () => {
    await cloud.putObject(ARTIFACT_BUCKET, 'build.zip', zipOf({ 'other.json': TEMPLATE }));
    const run = await runDeploy(
      deployInput({ template: { artifact: { bucket: ARTIFACT_BUCKET, key: 'build.zip' }, path: 'cfn/app.json' } }),
    );
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain(`"cfn/app.json" is not in artifact s3://${ARTIFACT_BUCKET}/build.zip`);
  });
});

describe('protected environments', () => {
  it('refuses a delete of a protected stack before any AWS call, naming the rule', async () => {
    await cloud.givenStack(PROD_STACK, appTemplate(), { ...PROD, status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(prodInput({ action: 'delete', template: undefined }));
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain('[no-delete-in-protected-environment]');
    expect(cloud.calls).toEqual([]);
    expect(await cloud.statusOf(PROD_STACK)).toBe('UPDATE_COMPLETE');
  });

  it.each([
    ['test', PROD_STACK, 'stack-belongs-to-environment'],
    ['prod', 'glue-cd-deploy-orchestrator-prod', 'delivery-system-stack'],
    ['prod', 'glue-cd-pipeline-trigger-prod', 'delivery-system-stack'],
  ])('refuses environment %s naming stack %s (%s)', async (environmentName, stackName, rule) => {
    const run = await runDeploy(deployInput({ environmentName, stackName, action: 'delete', template: undefined }));
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain(`[${rule}]`);
    expect(cloud.calls).toEqual([]);
  });

  it('still lets the live-test cleanup delete the test stack', async () => {
    const stack = await cloud.givenStack('glue-cd-glue-etl-test', appTemplate(), { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy({ environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'delete' });
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.StackId });
  });

  it('creates a protected stack with termination protection and the protected stack policy', async () => {
    const run = await runDeploy(prodInput());
    expect(run.output).toMatchObject({ outcome: 'created' });
    expect((await cloud.stack(PROD_STACK))?.EnableTerminationProtection).toBe(true);
    expect(await cloud.stackPolicyOf(PROD_STACK)).toBe(protectedStackPolicyBody());
  });

  it('creates a test stack without either', async () => {
    await runDeploy(deployInput());
    expect((await cloud.stack(STACK))?.EnableTerminationProtection).toBe(false);
    expect(await cloud.stackPolicyOf(STACK)).toBeUndefined();
  });

  it('protects an existing protected stack that lacks it before executing the update', async () => {
    await cloud.givenStack(PROD_STACK, appTemplate(), { ...PROD, status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(prodInput(body(appTemplate({ Description: 'v2' }))));
    expect(run.output).toMatchObject({ outcome: 'updated' });
    expect((await cloud.stack(PROD_STACK))?.EnableTerminationProtection).toBe(true);
    expect(protectedPolicyUpdate(await cloud.stackPolicyOf(PROD_STACK))).toBeUndefined();
    const order = cloud.calls.filter((c) => /^(SetStackPolicy|UpdateTerminationProtection|ExecuteChangeSet)/.test(c));
    expect(order.map((c) => c.split(' ')[0])).toEqual([
      'SetStackPolicy',
      'UpdateTerminationProtection',
      'ExecuteChangeSet',
    ]);
  });

  it('deletes and recreates a protected stack whose first create rolled back, turning its protection off first', async () => {
    const failed = await cloud.givenRolledBackStack(PROD_STACK, { terminationProtection: true });
    expect(failed.EnableTerminationProtection).toBe(true);
    const run = await runDeploy(prodInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(await cloud.statusOf(failed.StackId!)).toBe('DELETE_COMPLETE');
    expect(run.output).toMatchObject({ outcome: 'recreated' });
    expect((await cloud.stack(PROD_STACK))?.EnableTerminationProtection).toBe(true);
  });
});

describe('idempotent side effects', () => {
  it.each(['CreateChangeSet', 'ExecuteChangeSet'])(
    'carries on when %s is retried after it took effect (lost response)',
    async (state) => {
      const existing = await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
      const run = await runDeploy(deployInput(body(appTemplate({ Description: 'v2' }))), {
        lostResponses: { [state]: 1 },
      });
      expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
      expect(run.retries[state]).toBe(1);
      expect(run.output).toMatchObject({ outcome: 'updated', stackId: existing.StackId });
      expect(cloud.calls.filter((c) => c.startsWith(state))).toHaveLength(2);
      expect(await cloud.statusOf(STACK)).toBe('UPDATE_COMPLETE');
    },
  );

  it('carries on when CreateStack is retried after it took effect', async () => {
    const run = await runDeploy(deployInput(), { lostResponses: { CreateStack: 1 } });
    expect(run.output).toMatchObject({ outcome: 'created' });
    expect(await cloud.stacksNamed(STACK)).toHaveLength(1);
  });

  it('deploys over a REVIEW_IN_PROGRESS stack by removing it (it holds no resources) and creating the stack', async () => {
    // What a plan that stopped half-way leaves: a CREATE change set's stack.
    await cloud.quietly(() =>
      cloud.cfn.send(
        new CreateChangeSetCommand({
          StackName: STACK,
          ChangeSetName: 'left-behind',
          ChangeSetType: 'CREATE',
          TemplateBody: TEMPLATE,
          Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'test' }],
        }),
      ),
    );
    const review = await cloud.settled(STACK, 'REVIEW_IN_PROGRESS');
    const run = await runDeploy(deployInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(await cloud.statusOf(review.StackId!)).toBe('DELETE_COMPLETE');
    expect(run.output).toMatchObject({ outcome: 'created', stackId: (await cloud.stack(STACK))?.StackId });
  });

  it('waits while a never-updated stack still reads CREATE_COMPLETE after the change set was executed', async () => {
    const stack = await cloud.givenStack(STACK, appTemplate());
    expect(stack.LastUpdatedTime).toBeUndefined();
    const run = await runDeploy(deployInput(body(appTemplate({ Description: 'v2' }))));
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'updated' });
    expect(await cloud.statusOf(STACK)).toBe('UPDATE_COMPLETE');
  });
});
