import {
  changeSetVerdict,
  describeViolation,
  protectedPolicyUpdate,
  protectedStackPolicyBody,
  type PlanDocument,
} from '@glue-cd/core';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { logger } from '../src/logger';
import { BUSY_STACK_POLLING, CHANGE_SET_POLLING, maxTotalWaitSeconds, STACK_OPERATION_POLLING } from '../src/polling';
import { blueGreenStackName } from '../src/tasks/stack-operations';
import { loadDeployDefinition } from './support/asl';
import { FakeCloud } from './support/fake-cloud';
import {
  deployInput,
  glueEtlTemplate,
  resourceChange,
  STACK,
  TEMPLATE,
  withIamStarOnJobRole,
  zipOf,
} from './support/fixtures';
import { runDeploy, STAGING_BUCKET, STATE_LIMIT_BYTES } from './support/run-deploy';

logger.setLogLevel('SILENT');

let cloud: FakeCloud;
beforeEach(() => {
  cloud = new FakeCloud();
});
afterEach(() => cloud.restore());

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
    const stack = cloud.live(STACK);
    expect(stack?.status).toBe('CREATE_COMPLETE');
    expect(run.output).toEqual({
      outcome: 'created',
      stackName: STACK,
      stackId: stack?.stackId,
      outputs: { DataBucketName: `${STACK}-data` },
    });
    expect(run.visited.filter((s) => s === 'PollStackOperation').length).toBeGreaterThanOrEqual(2);
  });

  it('updates through a safe change set, reading every page and the nested change set', async () => {
    const existing = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    const nestedId = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/nested/1';
    cloud.script.changeSetPageSize = 1;
    cloud.script.changeSetChanges = [
      resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' }),
      resourceChange('Tables', 'AWS::CloudFormation::Stack', 'Modify', { Replacement: 'False', ChangeSetId: nestedId }),
    ];
    cloud.script.nestedChangeSets[nestedId] = [
      resourceChange('Crawler', 'AWS::Glue::Crawler', 'Modify', { Replacement: 'False' }),
    ];

    const run = await runDeploy(deployInput());

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      outcome: 'updated',
      stackName: STACK,
      stackId: existing.stackId,
      changeSetName: 'glue-cd-codepipeline-job-1',
      verdict: {
        verdict: 'CAN-SAFELY-UPDATE-EXISTING-STACK',
        safe: true,
        counts: { inspectedChanges: 3, violations: 0 },
        violations: [],
        location: `s3://${STAGING_BUCKET}/verdicts/${STACK}/codepipeline-job-1/verdict.json`,
      },
    });
    expect(existing.status).toBe('UPDATE_COMPLETE');
    expect(existing.lastUpdatedTime?.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(cloud.calls).toContain(`DescribeChangeSet ${nestedId}`);
    expect(cloud.calls.filter((c) => c.startsWith('ExecuteChangeSet'))).toHaveLength(1);
  });

  it('does not mistake the previous UPDATE_COMPLETE for the end of the update', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.update = 'rollback';
    cloud.script.changeSetChanges = [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' })];
    const run = await runDeploy(deployInput());
    // Had the stale status counted as success, this would have been "updated".
    expect(run.error).toBe('StackOperationFailedError');
  });

  it('succeeds as no-changes and deletes the empty change set', async () => {
    cloud.addStack(STACK, 'CREATE_COMPLETE');
    const run = await runDeploy(deployInput());
    expect(run.output).toMatchObject({
      outcome: 'no-changes',
      stackName: STACK,
      changeSetName: 'glue-cd-codepipeline-job-1',
    });
    expect(cloud.changeSets).toHaveLength(0);
    expect(cloud.calls.some((c) => c.startsWith('ExecuteChangeSet'))).toBe(false);
    expect(run.visited).toContain('DeleteEmptyChangeSet');
  });

  it('refuses an unsafe change set, lists every violation and deletes it', async () => {
    const existing = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    const nestedId = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/nested/2';
    const changes = [
      resourceChange('DataBucket', 'AWS::S3::Bucket', 'Remove'),
      resourceChange('Tables', 'AWS::CloudFormation::Stack', 'Modify', { Replacement: 'False', ChangeSetId: nestedId }),
    ];
    const nested = [resourceChange('TripsTable', 'AWS::Glue::Table', 'Modify', { Replacement: 'True' })];
    cloud.script.changeSetChanges = changes;
    cloud.script.nestedChangeSets[nestedId] = nested;

    const run = await runDeploy(deployInput());

    expect(run.error).toBe('UnsafeChangeSetError');
    const expected = changeSetVerdict({ changes, nested: { Tables: { changes: nested } } });
    for (const violation of expected.violations) expect(run.cause).toContain(describeViolation(violation));
    expect(run.cause).toContain('RESOURCES-BEING-DELETED-OR-REPLACED: 2 of 3 resource changes');
    expect(run.cause).toContain('DataBucket (AWS::S3::Bucket): Remove');
    expect(run.cause).toContain('TripsTable (AWS::Glue::Table) in nested stack Tables');
    expect(cloud.changeSets).toHaveLength(0);
    expect(existing.status).toBe('UPDATE_COMPLETE');
  });

  it('accepts a replacement the input safety policy allow-lists', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.changeSetChanges = [resourceChange('JobRole', 'AWS::IAM::Role', 'Modify', { Replacement: 'True' })];
    const run = await runDeploy(deployInput({ safetyPolicy: { allowedLogicalIds: ['JobRole'] } }));
    expect(run.output).toMatchObject({ outcome: 'updated', verdict: { safe: true, counts: { accepted: 1 } } });
    // The accepted change is listed in the full verdict, in S3.
    const full = cloud.json<{ verdict: { accepted: { logicalId: string }[] } }>(
      (run.output?.verdict as { location: string }).location,
    );
    expect(full.verdict.accepted).toEqual([expect.objectContaining({ logicalId: 'JobRole' })]);
  });

  it('deploys blue/green beside an unsafe change: a new stack, the old one untouched', async () => {
    const existing = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.changeSetChanges = [
      resourceChange('DataBucket', 'AWS::S3::Bucket', 'Modify', { Replacement: 'True' }),
    ];

    const run = await runDeploy(deployInput({ onUnsafeChange: 'blue-green', blueGreenSuffix: 'green' }));

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    const greenName = blueGreenStackName(STACK, 'codepipeline-job-1', 'green');
    expect(greenName).toBe(`${STACK}-green`);
    const green = cloud.live(greenName);
    expect(green?.status).toBe('CREATE_COMPLETE');
    expect(run.output).toMatchObject({
      outcome: 'blue-green-created',
      stackName: greenName,
      stackId: green?.stackId,
      verdict: { safe: false },
    });
    expect(existing.status).toBe('UPDATE_COMPLETE');
    expect(cloud.changeSets).toHaveLength(0);
  });

  it('derives the blue/green stack name from the execution name when no suffix is given', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.changeSetChanges = [resourceChange('DataBucket', 'AWS::S3::Bucket', 'Remove')];
    const run = await runDeploy(deployInput({ onUnsafeChange: 'blue-green' }), { executionName: 'codepipeline-abc' });
    const expected = blueGreenStackName(STACK, 'codepipeline-abc');
    expect(expected).toMatch(new RegExp(`^${STACK}-bg-[0-9a-f]{10}$`));
    expect(run.output).toMatchObject({ outcome: 'blue-green-created', stackName: expected });
  });

  it('deletes a ROLLBACK_COMPLETE stack and creates it again', async () => {
    const failed = cloud.addStack(STACK, 'ROLLBACK_COMPLETE');
    const run = await runDeploy(deployInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(failed.status).toBe('DELETE_COMPLETE');
    const recreated = cloud.live(STACK);
    expect(recreated?.stackId).not.toBe(failed.stackId);
    expect(run.output).toMatchObject({ outcome: 'recreated', stackName: STACK, stackId: recreated?.stackId });
    expect(run.visited).toEqual(expect.arrayContaining(['DeleteRolledBackStack', 'RecreateStack']));
  });

  it('leaves a ROLLBACK_COMPLETE stack alone and fails when onRollbackComplete is fail', async () => {
    const failed = cloud.addStack(STACK, 'ROLLBACK_COMPLETE', {
      statusReason: 'The following resource(s) failed to create: [GlueJob].',
    });
    const run = await runDeploy(deployInput({ onRollbackComplete: 'fail' }));
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(
      `stack ${STACK} is ROLLBACK_COMPLETE (The following resource(s) failed to create: [GlueJob].)`,
    );
    expect(failed.status).toBe('ROLLBACK_COMPLETE');
    expect(cloud.calls.some((c) => c.startsWith('DeleteStack'))).toBe(false);
  });

  it('waits while another operation runs on the stack, then deploys', async () => {
    cloud.addStack(STACK, 'UPDATE_IN_PROGRESS', {
      upcoming: ['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
    });
    const run = await runDeploy(deployInput());
    expect(run.output).toMatchObject({ outcome: 'no-changes' });
    expect(run.visited.filter((s) => s === 'WaitWhileStackBusy')).toHaveLength(2);
    expect(run.visited).toContain('RecheckStack');
  });

  it('checks the stack again when another deploy created it since CheckStack found none, then finds no changes', async () => {
    // Arrange: CheckStack finds no stack; by CreateStack another execution's create is running (the only
    // CreateStack of this run: the stack is someone else's, created with another token).
    cloud.cfn.on(CreateStackCommand).callsFakeOnce(() => {
      cloud.addStack(STACK, 'CREATE_IN_PROGRESS', {
        // CreateStack's own look at it takes the first status; RecheckStack finds it still creating.
        upcoming: ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
        createToken: 'another-execution',
      });
      throw Object.assign(new Error(`Stack [${STACK}] already exists`), { name: 'AlreadyExistsException' });
    });

    // Act
    const run = await runDeploy(deployInput());

    // Assert
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'no-changes' });
    expect(run.visited).toEqual(
      expect.arrayContaining(['CreateStack', 'RecheckStack', 'WaitWhileStackBusy', 'CreateChangeSet']),
    );
    expect(cloud.stacks.filter((stack) => stack.stackName === STACK)).toHaveLength(1);
  });

  it('gives up on a stack that stays busy, after a bounded number of checks', async () => {
    cloud.addStack(STACK, 'UPDATE_IN_PROGRESS');
    const run = await runDeploy(deployInput());
    expect(run.error).toBe('StackBusyError');
    expect(run.cause).toContain(`still UPDATE_IN_PROGRESS after ${BUSY_STACK_POLLING.maxPolls} checks`);
    expect(run.visited.filter((s) => s === 'WaitWhileStackBusy')).toHaveLength(BUSY_STACK_POLLING.maxPolls - 1);
  });

  it('fails a create that rolls back with the failed resource and its reason', async () => {
    cloud.script.create = 'rollback';
    const run = await runDeploy(deployInput());
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain(`stack ${STACK}: create failed (ROLLBACK_COMPLETE)`);
    expect(run.cause).toContain(
      'GlueJob (AWS::Glue::Job) CREATE_FAILED: Resource handler returned message: "Invalid input"',
    );
    expect(run.cause).not.toContain('Resource creation cancelled');
  });

  it('fails an update that rolls back with the reason', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.update = 'rollback';
    cloud.script.changeSetChanges = [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' })];
    const run = await runDeploy(deployInput());
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toContain('update failed (UPDATE_ROLLBACK_COMPLETE)');
    expect(run.cause).toContain('GlueJob (AWS::Glue::Job) UPDATE_FAILED');
  });

  it.each(['UPDATE_ROLLBACK_FAILED', 'DELETE_FAILED'])('fails explicitly on a stack in %s', async (status) => {
    cloud.addStack(STACK, status, { statusReason: 'Resource GlueJob failed to stabilize' });
    const run = await runDeploy(deployInput());
    expect(run.error).toBe('StackBusyError');
    expect(run.cause).toContain(`stack ${STACK} is ${status} (Resource GlueJob failed to stabilize)`);
    expect(cloud.calls.filter((c) => !c.startsWith('DescribeStacks'))).toEqual([]);
  });

  it('deletes a stack after emptying its buckets, keeping retained buckets and their data', async () => {
    const template = JSON.stringify({
      Resources: {
        DataBucket: { Type: 'AWS::S3::Bucket' },
        RawBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
        GoneBucket: { Type: 'AWS::S3::Bucket' },
      },
    });
    const bucket = (logicalId: string, physical: string) => ({
      LogicalResourceId: logicalId,
      PhysicalResourceId: physical,
      ResourceType: 'AWS::S3::Bucket',
      ResourceStatus: 'CREATE_COMPLETE' as const,
      LastUpdatedTimestamp: new Date(),
    });
    const stack = cloud.addStack(STACK, 'UPDATE_COMPLETE', {
      template,
      resources: [
        bucket('DataBucket', 'data-bucket'),
        bucket('RawBucket', 'raw-bucket'),
        bucket('GoneBucket', 'gone-bucket'),
      ],
    });
    cloud.addBucketObjects('data-bucket', ['a.parquet', 'b.parquet'], 3);
    cloud.addBucketObjects('raw-bucket', ['trips.csv']);

    const run = await runDeploy(deployInput({ action: 'delete', template: undefined }));

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'deleted', stackName: STACK, stackId: stack.stackId, outputs: {} });
    expect(stack.status).toBe('DELETE_COMPLETE');
    expect(cloud.buckets.get('data-bucket')?.size).toBe(0);
    expect(cloud.buckets.get('raw-bucket')?.get('trips.csv')).toEqual(['v1']);
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
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.throttleCreateChangeSet = 2;
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
    cloud.script.inProgressChecks = STACK_OPERATION_POLLING.maxPolls + 5;
    const run = await runDeploy(deployInput());
    expect(run.error).toBe('StackOperationFailedError');
    expect(run.cause).toBe(
      `stack ${STACK}: gave up waiting for the create after ${STACK_OPERATION_POLLING.maxPolls} checks (last status CREATE_IN_PROGRESS)`,
    );
  });

  it('fails bad input with a ConfigurationError naming the field, before touching CloudFormation', async () => {
    const run = await runDeploy(deployInput({ stackName: '1-not-a-stack', onUnsafeChange: 'ignore' }));
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain('DeployInput.stackName');
    expect(run.cause).toContain('DeployInput.onUnsafeChange');
    expect(cloud.calls).toEqual([]);
  });

  it('fails when the template artifact lacks the path, naming both', async () => {
    cloud.putObject('artifacts', 'build.zip', zipOf({ 'other.json': TEMPLATE }));
    const run = await runDeploy(
      deployInput({ template: { artifact: { bucket: 'artifacts', key: 'build.zip' }, path: 'cfn/app.json' } }),
    );
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain('cfn/app.json is not in artifact s3://artifacts/build.zip');
  });
});

const PROD_STACK = 'glue-cd-glue-etl-prod';
const prodInput = (overrides: Record<string, unknown> = {}) =>
  deployInput({ environmentName: 'prod', stackName: PROD_STACK, parameters: { Stage: 'prod' }, ...overrides });
const verdictUrl = (stackName: string = STACK, execution = 'codepipeline-job-1') =>
  `s3://${STAGING_BUCKET}/verdicts/${stackName}/${execution}/verdict.json`;

describe('protected environments', () => {
  it('refuses a delete of a protected stack before any AWS call, naming the rule', async () => {
    cloud.addStack(PROD_STACK, 'UPDATE_COMPLETE');
    const run = await runDeploy(prodInput({ action: 'delete', template: undefined }));
    expect(run.error).toBe('ConfigurationError');
    expect(run.cause).toContain('[no-delete-in-protected-environment]');
    expect(cloud.calls).toEqual([]);
    expect(cloud.live(PROD_STACK)?.status).toBe('UPDATE_COMPLETE');
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
    const stack = cloud.addStack('glue-cd-glue-etl-test', 'UPDATE_COMPLETE');
    const run = await runDeploy({ environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'delete' });
    expect(run.output).toMatchObject({ outcome: 'deleted', stackId: stack.stackId });
  });

  it('creates a protected stack with termination protection and the protected stack policy', async () => {
    const run = await runDeploy(prodInput());
    expect(run.output).toMatchObject({ outcome: 'created' });
    const stack = cloud.live(PROD_STACK);
    expect(stack?.terminationProtection).toBe(true);
    expect(stack?.stackPolicy).toBe(protectedStackPolicyBody());
  });

  it('creates a test stack without either', async () => {
    await runDeploy(deployInput());
    expect(cloud.live(STACK)?.terminationProtection).toBeUndefined();
    expect(cloud.live(STACK)?.stackPolicy).toBeUndefined();
  });

  it('protects an existing protected stack that lacks it before executing the update', async () => {
    const stack = cloud.addStack(PROD_STACK, 'UPDATE_COMPLETE');
    cloud.script.changeSetChanges = [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' })];
    const run = await runDeploy(prodInput());
    expect(run.output).toMatchObject({ outcome: 'updated' });
    expect(stack.terminationProtection).toBe(true);
    expect(protectedPolicyUpdate(stack.stackPolicy)).toBeUndefined();
    const order = cloud.calls.filter((c) => /^(SetStackPolicy|UpdateTerminationProtection|ExecuteChangeSet)/.test(c));
    expect(order.map((c) => c.split(' ')[0])).toEqual([
      'SetStackPolicy',
      'UpdateTerminationProtection',
      'ExecuteChangeSet',
    ]);
  });

  it('deletes and recreates a protected stack whose first create rolled back, turning its protection off first', async () => {
    const failed = cloud.addStack(PROD_STACK, 'ROLLBACK_COMPLETE', { terminationProtection: true });
    const run = await runDeploy(prodInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(failed.status).toBe('DELETE_COMPLETE');
    expect(run.output).toMatchObject({ outcome: 'recreated' });
    expect(cloud.live(PROD_STACK)?.terminationProtection).toBe(true);
  });
});

describe('security broadening', () => {
  const current = glueEtlTemplate();
  const broadened = withIamStarOnJobRole(current);
  // As CloudFormation describes it: a static change of the role's inline policies, no replacement.
  const jobRoleChange = [
    resourceChange('JobRole', 'AWS::IAM::Role', 'Modify', {
      Replacement: 'False',
      Details: [
        {
          Target: { Attribute: 'Properties', Name: 'Policies', RequiresRecreation: 'Never' },
          Evaluation: 'Static',
          ChangeSource: 'DirectModification',
        },
      ],
    }),
  ];

  it('refuses iam:* on the Glue job role in a protected environment (onBroadening fail), naming the statement', async () => {
    const stack = cloud.addStack(PROD_STACK, 'UPDATE_COMPLETE', { template: JSON.stringify(current) });
    cloud.script.changeSetChanges = jobRoleChange;

    const run = await runDeploy(prodInput({ template: { body: JSON.stringify(broadened) } }));

    expect(run.error).toBe('UnsafeChangeSetError');
    expect(run.cause).toContain('SECURITY-BROADENING-NOT-APPROVED');
    expect(run.cause).toContain('Allow iam:* on * for AWS:${JobRole}');
    expect(run.cause).toContain('to approve: run the pipeline with "action": "plan"');
    expect(run.cause).toContain(verdictUrl(PROD_STACK));
    expect(cloud.changeSets).toHaveLength(0);
    expect(cloud.calls.some((c) => c.startsWith('ExecuteChangeSet'))).toBe(false);
    expect(stack.template).toBe(JSON.stringify(current));
  });

  it('accepts and reports the same change in an unprotected environment (onBroadening defaults to allow)', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE', { template: JSON.stringify(current) });
    cloud.script.changeSetChanges = jobRoleChange;
    const run = await runDeploy(deployInput({ template: { body: JSON.stringify(broadened) } }));
    expect(run.output).toMatchObject({
      outcome: 'updated',
      verdict: { safe: true, onBroadening: 'allow', counts: { broadening: 1, refusedBroadening: 0 } },
    });
  });

  it('does not go blue/green around a broadening: a new stack would broaden too', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE', { template: JSON.stringify(current) });
    cloud.script.changeSetChanges = jobRoleChange;
    const run = await runDeploy(
      deployInput({
        onUnsafeChange: 'blue-green',
        onBroadening: 'fail',
        template: { body: JSON.stringify(broadened) },
      }),
    );
    expect(run.error).toBe('UnsafeChangeSetError');
    expect(run.visited).not.toContain('CreateBlueGreenStack');
  });

  it('plans, then deploys the planned broadening with the plan as approvedPlan', async () => {
    const stack = cloud.addStack(PROD_STACK, 'UPDATE_COMPLETE', { template: JSON.stringify(current) });
    cloud.script.changeSetChanges = jobRoleChange;

    const planned = await runDeploy(prodInput({ action: 'plan', template: { body: JSON.stringify(broadened) } }), {
      executionName: 'plan-1',
    });

    const planUrl = `s3://${STAGING_BUCKET}/plans/${PROD_STACK}/plan-1.json`;
    expect({ error: planned.error, cause: planned.cause }).toEqual({ error: undefined, cause: undefined });
    expect(planned.output).toMatchObject({
      outcome: 'planned',
      stackName: PROD_STACK,
      stackId: stack.stackId,
      outputs: { PlanUrl: planUrl, PlanTextUrl: `s3://${STAGING_BUCKET}/plans/${PROD_STACK}/plan-1.txt` },
      plan: { url: planUrl, counts: { added: 0, modified: 1, replaced: 0, removed: 0, broadening: 1 } },
      verdict: { safe: false, refusal: 'broadening' },
    });
    expect((planned.output?.plan as { summary: string }).summary).toMatch(
      /^Plan for stack glue-cd-glue-etl-prod: 0 added, 1 modified, 0 replaced, 0 removed; 1 security broadening \(Allow iam:\* on \* for AWS:\$\{JobRole\}\)/,
    );
    const plan = cloud.json<PlanDocument>(planUrl);
    expect(plan).toMatchObject({ kind: 'glue-cd-plan', stackName: PROD_STACK, changeSetType: 'UPDATE' });
    expect(cloud.text(plan.textUrl)).toContain('IAM Statement Changes');
    expect(cloud.text(plan.textUrl)).toContain('[~] AWS::IAM::Role JobRole');
    expect(cloud.changeSets).toHaveLength(0);
    expect(stack.template).toBe(JSON.stringify(current));

    const approved = await runDeploy(
      prodInput({ template: { body: JSON.stringify(broadened) }, onBroadening: 'approve', approvedPlan: planUrl }),
      { executionName: 'deploy-2' },
    );
    expect({ error: approved.error, cause: approved.cause }).toEqual({ error: undefined, cause: undefined });
    expect(approved.output).toMatchObject({
      outcome: 'updated',
      verdict: { safe: true, onBroadening: 'approve', counts: { broadening: 1, refusedBroadening: 0 } },
    });
  });

  it('refuses a broadening the approved plan does not list, naming it', async () => {
    cloud.addStack(PROD_STACK, 'UPDATE_COMPLETE', { template: JSON.stringify(current) });
    cloud.script.changeSetChanges = jobRoleChange;
    // The plan was made for a change without the iam:* statement.
    await runDeploy(prodInput({ action: 'plan', template: { body: JSON.stringify(current) } }), {
      executionName: 'plan-1',
    });
    const run = await runDeploy(
      prodInput({
        template: { body: JSON.stringify(broadened) },
        onBroadening: 'approve',
        approvedPlan: `s3://${STAGING_BUCKET}/plans/${PROD_STACK}/plan-1.json`,
      }),
      { executionName: 'deploy-2' },
    );
    expect(run.error).toBe('UnsafeChangeSetError');
    expect(run.cause).toContain('1 of 1 security broadenings are not in approvedPlan');
    expect(run.cause).toContain('Allow iam:* on * for AWS:${JobRole}');
  });

  it('plans a stack that does not exist: a CREATE change set, then its REVIEW_IN_PROGRESS stack is removed', async () => {
    cloud.script.changeSetChanges = [resourceChange('DataBucket', 'AWS::S3::Bucket', 'Add')];
    const run = await runDeploy(deployInput({ action: 'plan' }));
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      outcome: 'planned',
      plan: { counts: { added: 1, modified: 0, replaced: 0, removed: 0 } },
    });
    expect(cloud.live(STACK)).toBeUndefined();
    expect(cloud.stacks.map((s) => s.status)).toEqual(['DELETE_COMPLETE']);
    expect(run.visited).toEqual(expect.arrayContaining(['DiscardPlanChangeSet', 'DeletePlanStack', 'Finish']));
  });

  it('plans a new protected stack as its create would go: every statement listed, none refused', async () => {
    cloud.script.changeSetChanges = [resourceChange('JobRole', 'AWS::IAM::Role', 'Add')];
    const run = await runDeploy(prodInput({ action: 'plan', template: { body: JSON.stringify(broadened) } }));
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      outcome: 'planned',
      verdict: { safe: true, counts: { refusedBroadening: 0 } },
      plan: { counts: { added: 1, replaced: 0, removed: 0 } },
    });
    const plan = run.output?.plan as { counts: { broadening: number }; summary: string };
    expect(plan.counts.broadening).toBeGreaterThan(0);
    expect(plan.summary).toMatch(
      /Plan for new stack glue-cd-glue-etl-prod: .*a deploy with the same input would be accepted/,
    );
  });

  it('plans no changes as a plan with zero counts', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    const run = await runDeploy(deployInput({ action: 'plan' }));
    expect(run.output).toMatchObject({
      outcome: 'planned',
      plan: { counts: { added: 0, modified: 0, replaced: 0, removed: 0, broadening: 0 } },
    });
    expect(cloud.changeSets).toHaveLength(0);
  });
});

describe('bounded state', () => {
  it('refuses a 10,000-Remove change set cleanly: change set deleted, ≤ 5000-character message naming the S3 verdict, every state under 256 KiB', async () => {
    const existing = cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.changeSetChanges = Array.from({ length: 10_000 }, (_, i) =>
      resourceChange(`Queue${i}`, 'AWS::SQS::Queue', 'Remove'),
    );

    const run = await runDeploy(deployInput());

    expect(run.error).toBe('UnsafeChangeSetError');
    expect(run.cause?.length).toBeLessThanOrEqual(5000);
    expect(run.cause).toContain('10000 of 10000 resource changes would delete or replace resources');
    expect(run.cause).toContain(`full verdict: ${verdictUrl()}`);
    expect(run.cause).toContain('… and 9990 more violations');
    expect(cloud.changeSets).toHaveLength(0);
    expect(existing.status).toBe('UPDATE_COMPLETE');
    expect(run.largestState.bytes).toBeLessThan(STATE_LIMIT_BYTES);
    // Not just under the limit: the state does not grow with the change set.
    expect(run.largestState.bytes).toBeLessThan(16 * 1024);
    const full = cloud.json<{ verdict: { violations: unknown[] } }>(verdictUrl());
    expect(full.verdict.violations).toHaveLength(10_000);
    expect(cloud.calls.filter((c) => c.startsWith('DescribeChangeSet'))).toHaveLength(1 + 100);
  });

  it('reads a change set across invocations when time runs short, resuming from the cursor in the state', async () => {
    cloud.addStack(STACK, 'UPDATE_COMPLETE');
    cloud.script.changeSetPageSize = 10;
    cloud.script.changeSetChanges = Array.from({ length: 35 }, (_, i) =>
      resourceChange(`Job${i}`, 'AWS::Glue::Job', 'Modify', { Replacement: 'False' }),
    );

    // Less than the reading reserve left: one page per invocation, then one invocation to judge.
    const run = await runDeploy(deployInput(), { remainingTimeMs: 19_000 });

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'updated', verdict: { counts: { inspectedChanges: 35 } } });
    // One check while CREATE_IN_PROGRESS, four pages, one judgement.
    expect(run.visited.filter((s) => s === 'PollChangeSet')).toHaveLength(1 + 4 + 1);
    const beforeExecute = cloud.calls.slice(
      0,
      cloud.calls.findIndex((c) => c.startsWith('ExecuteChangeSet')),
    );
    expect(beforeExecute.filter((c) => c.startsWith('DescribeChangeSet'))).toHaveLength(1 + 4);
    expect([...cloud.objects.keys()].filter((k) => k.includes('/progress-'))).toHaveLength(4);
  });
});

describe('idempotent side effects', () => {
  it.each(['CreateChangeSet', 'ExecuteChangeSet'])(
    'carries on when %s is retried after it took effect (lost response)',
    async (state) => {
      const existing = cloud.addStack(STACK, 'UPDATE_COMPLETE');
      cloud.script.changeSetChanges = [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' })];
      const run = await runDeploy(deployInput(), { lostResponses: { [state]: 1 } });
      expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
      expect(run.retries[state]).toBe(1);
      expect(run.output).toMatchObject({ outcome: 'updated', stackId: existing.stackId });
      expect(cloud.calls.filter((c) => c.startsWith(state))).toHaveLength(2);
      expect(existing.status).toBe('UPDATE_COMPLETE');
    },
  );

  it('carries on when CreateStack is retried after it took effect', async () => {
    const run = await runDeploy(deployInput(), { lostResponses: { CreateStack: 1 } });
    expect(run.output).toMatchObject({ outcome: 'created' });
    expect(cloud.stacks).toHaveLength(1);
  });

  it('deploys over a REVIEW_IN_PROGRESS stack by removing it (it holds no resources) and creating the stack', async () => {
    const review = cloud.addStack(STACK, 'REVIEW_IN_PROGRESS');
    const run = await runDeploy(deployInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(review.status).toBe('DELETE_COMPLETE');
    expect(run.output).toMatchObject({ outcome: 'created', stackId: cloud.live(STACK)?.stackId });
  });

  it('waits while a never-updated stack still reads CREATE_COMPLETE after the change set was executed', async () => {
    const stack = cloud.addStack(STACK, 'CREATE_COMPLETE');
    delete stack.lastUpdatedTime;
    cloud.script.changeSetChanges = [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify', { Replacement: 'False' })];
    const run = await runDeploy(deployInput());
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'updated' });
    expect(stack.status).toBe('UPDATE_COMPLETE');
  });
});
