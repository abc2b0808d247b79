// The deploy state machine's judgement paths against the local cloud's CloudFormation: security broadening and
// plans on the Glue ETL stack's own template, and the bounds on what a large change set puts in the state.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import type { PlanDocument } from '@glue-cd/core';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../src/logger';
import {
  appTemplate,
  body,
  deployInput,
  glueEtlTemplate,
  PROD,
  PROD_STACK,
  prodInput,
  resourceChange,
  STACK,
  stubStack,
  verdictUrl,
  withIamStarOnJobRole,
  withQueues,
} from './support/fixtures';
import { OrchestratorCloud, STACK_STEP_MS, type Template } from './support/local-cloud';
import { runDeploy, STAGING_BUCKET, STATE_LIMIT_BYTES } from './support/run-deploy';

logger.setLogLevel('SILENT');

let cloud: OrchestratorCloud;
beforeAll(async () => {
  // Pages of 10 changes, so that a change set of a few dozen is read in pages as a large one is on AWS (100).
  cloud = await OrchestratorCloud.start({ changeSetPageSize: 10 });
});
afterAll(() => cloud.close());
beforeEach(() => cloud.reset());

describe('security broadening', () => {
  // The Glue ETL stack's resources as declared, with the Stage parameter the deploy inputs pass.
  const current: Template = { ...glueEtlTemplate(), Parameters: { Stage: { Type: 'String' } } };
  const broadened: Template = { ...withIamStarOnJobRole(glueEtlTemplate()), Parameters: current.Parameters };

  it('refuses iam:* on the Glue job role in a protected environment (onBroadening fail), naming the statement', async () => {
    await cloud.givenStack(PROD_STACK, current, { ...PROD, status: 'UPDATE_COMPLETE' });

    const run = await runDeploy(prodInput(body(broadened)));

    expect(run.error).toBe('UnsafeChangeSetError');
    expect(run.cause).toContain('SECURITY-BROADENING-NOT-APPROVED');
    expect(run.cause).toContain('Allow iam:* on * for AWS:${JobRole}');
    expect(run.cause).toContain('to approve: run the pipeline with "action": "plan"');
    expect(run.cause).toContain(verdictUrl(PROD_STACK));
    expect(await cloud.changeSetsOf(PROD_STACK)).toEqual([]);
    expect(cloud.calls.some((c) => c.startsWith('ExecuteChangeSet'))).toBe(false);
    expect(await cloud.templateOf(PROD_STACK)).toEqual(current);
  });

  it('accepts and reports the same change in an unprotected environment (onBroadening defaults to allow)', async () => {
    await cloud.givenStack(STACK, current, { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(deployInput(body(broadened)));
    expect(run.output).toMatchObject({
      outcome: 'updated',
      verdict: { safe: true, onBroadening: 'allow', counts: { broadening: 1, refusedBroadening: 0 } },
    });
  });

  it('does not go blue/green around a broadening: a new stack would broaden too', async () => {
    await cloud.givenStack(STACK, current, { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(
      deployInput({ onUnsafeChange: 'blue-green', onBroadening: 'fail', ...body(broadened) }),
    );
    expect(run.error).toBe('UnsafeChangeSetError');
    expect(run.visited).not.toContain('CreateBlueGreenStack');
  });

  it('plans, then deploys the planned broadening with the plan as approvedPlan', async () => {
    const stack = await cloud.givenStack(PROD_STACK, current, { ...PROD, status: 'UPDATE_COMPLETE' });

    const planned = await runDeploy(prodInput({ action: 'plan', ...body(broadened) }), { executionName: 'plan-1' });

    const planUrl = `s3://${STAGING_BUCKET}/plans/${PROD_STACK}/plan-1.json`;
    expect({ error: planned.error, cause: planned.cause }).toEqual({ error: undefined, cause: undefined });
    expect(planned.output).toMatchObject({
      outcome: 'planned',
      stackName: PROD_STACK,
      stackId: stack.StackId,
      outputs: { PlanUrl: planUrl, PlanTextUrl: `s3://${STAGING_BUCKET}/plans/${PROD_STACK}/plan-1.txt` },
      plan: { url: planUrl, counts: { added: 0, modified: 1, replaced: 0, removed: 0, broadening: 1 } },
      verdict: { safe: false, refusal: 'broadening' },
    });
    expect((planned.output?.plan as { summary: string }).summary).toMatch(
      /^Plan for stack glue-cd-glue-etl-prod: 0 added, 1 modified, 0 replaced, 0 removed; 1 security broadening \(Allow iam:\* on \* for AWS:\$\{JobRole\}\)/,
    );
    const plan = await cloud.json<PlanDocument>(planUrl);
    expect(plan).toMatchObject({ kind: 'glue-cd-plan', stackName: PROD_STACK, changeSetType: 'UPDATE' });
    expect(await cloud.text(plan.textUrl)).toContain('IAM Statement Changes');
    expect(await cloud.text(plan.textUrl)).toContain('[~] AWS::IAM::Role JobRole');
    expect(await cloud.changeSetsOf(PROD_STACK)).toEqual([]);
    expect(await cloud.templateOf(PROD_STACK)).toEqual(current);

    const approved = await runDeploy(
      prodInput({ ...body(broadened), onBroadening: 'approve', approvedPlan: planUrl }),
      { executionName: 'deploy-2' },
    );
    expect({ error: approved.error, cause: approved.cause }).toEqual({ error: undefined, cause: undefined });
    expect(approved.output).toMatchObject({
      outcome: 'updated',
      verdict: { safe: true, onBroadening: 'approve', counts: { broadening: 1, refusedBroadening: 0 } },
    });
  });

  it('refuses a broadening the approved plan does not list, naming it', async () => {
    await cloud.givenStack(PROD_STACK, current, { ...PROD, status: 'UPDATE_COMPLETE' });
    // The plan was made for a change without the iam:* statement.
    const harmless = structuredClone(current) as { Resources: { JobRole: { Properties: Record<string, unknown> } } };
    harmless.Resources.JobRole.Properties.Description = 'the Glue job role';
    await runDeploy(prodInput({ action: 'plan', ...body(harmless) }), { executionName: 'plan-1' });
    const run = await runDeploy(
      prodInput({
        ...body(broadened),
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
    const run = await runDeploy(
      deployInput({
        action: 'plan',
        ...body({ Parameters: current.Parameters, Resources: { DataBucket: { Type: 'AWS::S3::Bucket' } } }),
      }),
    );
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      outcome: 'planned',
      plan: { counts: { added: 1, modified: 0, replaced: 0, removed: 0 } },
    });
    expect(await cloud.stack(STACK)).toBeUndefined();
    expect((await cloud.stacksNamed(STACK)).map((s) => s.status)).toEqual(['DELETE_COMPLETE']);
    expect(run.visited).toEqual(expect.arrayContaining(['DiscardPlanChangeSet', 'DeletePlanStack', 'Finish']));
  });

  it('plans a new protected stack as its create would go: every statement listed, none refused', async () => {
    const run = await runDeploy(prodInput({ action: 'plan', ...body(broadened) }));
    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      outcome: 'planned',
      verdict: { safe: true, counts: { refusedBroadening: 0 } },
      plan: { counts: { replaced: 0, removed: 0 } },
    });
    const plan = run.output?.plan as { counts: { added: number; broadening: number }; summary: string };
    expect(plan.counts.added).toBe(Object.keys(broadened.Resources as object).length);
    expect(plan.counts.broadening).toBeGreaterThan(0);
    expect(plan.summary).toMatch(
      /Plan for new stack glue-cd-glue-etl-prod: .*a deploy with the same input would be accepted/,
    );
  });

  it('plans no changes as a plan with zero counts', async () => {
    await cloud.givenStack(STACK, appTemplate(), { status: 'UPDATE_COMPLETE' });
    const run = await runDeploy(deployInput({ action: 'plan' }));
    expect(run.output).toMatchObject({
      outcome: 'planned',
      plan: { counts: { added: 0, modified: 0, replaced: 0, removed: 0, broadening: 0 } },
    });
    expect(await cloud.changeSetsOf(STACK)).toEqual([]);
  });
});

describe('bounded state', () => {
  it('refuses a 10,000-Remove change set cleanly: change set deleted, ≤ 5000-character message naming the S3 verdict, every state under 256 KiB', async () => {
    // A stub: AWS caps a template at 500 resources, so 10,000 changes take 20 nested stacks of 500 (the fault
    // suite's `changeset-10000-changes`, minutes on the local cloud); here CloudFormation's pages are answered.
    const changes = Array.from({ length: 10_000 }, (_, i) => resourceChange(`Queue${i}`, 'AWS::SQS::Queue', 'Remove'));
    const stub = mockClient(CloudFormationClient);
    let deleted = false;
    try {
      stub.on(DescribeStacksCommand).resolves(stubStack('UPDATE_COMPLETE'));
      stub
        .on(CreateChangeSetCommand)
        .resolves({ Id: 'arn:change-set', StackId: stubStack('UPDATE_COMPLETE').Stacks[0]!.StackId });
      let checks = 0;
      stub.on(DescribeChangeSetCommand).callsFake((input: { NextToken?: string }) => {
        // The first check finds it still being computed, then 100 pages of 100.
        checks += 1;
        if (checks === 1) return { Status: 'CREATE_IN_PROGRESS', ExecutionStatus: 'UNAVAILABLE' };
        const start = Number(input.NextToken ?? '0');
        const next = start + 100;
        return {
          ChangeSetName: 'glue-cd-codepipeline-job-1',
          ChangeSetId: 'arn:change-set',
          StackName: STACK,
          Status: 'CREATE_COMPLETE',
          ExecutionStatus: 'AVAILABLE',
          Changes: changes.slice(start, next),
          ...(next < changes.length ? { NextToken: String(next) } : {}),
        };
      });
      stub.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{}}' });
      stub.on(DeleteChangeSetCommand).callsFake(() => {
        deleted = true;
        return {};
      });

      const run = await runDeploy(deployInput());

      expect(run.error).toBe('UnsafeChangeSetError');
      expect(run.cause?.length).toBeLessThanOrEqual(5000);
      expect(run.cause).toContain('10000 of 10000 resource changes would delete or replace resources');
      expect(run.cause).toContain(`full verdict: ${verdictUrl()}`);
      expect(run.cause).toContain('… and 9990 more violations');
      expect(deleted).toBe(true);
      expect(run.largestState.bytes).toBeLessThan(STATE_LIMIT_BYTES);
      // Not just under the limit: the state does not grow with the change set.
      expect(run.largestState.bytes).toBeLessThan(16 * 1024);
      const full = await cloud.json<{ verdict: { violations: unknown[] } }>(verdictUrl());
      expect(full.verdict.violations).toHaveLength(10_000);
      expect(stub.commandCalls(DescribeChangeSetCommand)).toHaveLength(1 + 100);
    } finally {
      stub.restore();
    }
  });

  it('reads a change set across invocations when time runs short, resuming from the cursor in the state', async () => {
    await cloud.givenStack(STACK, withQueues(appTemplate(), 35, 30));
    // The change set computed in steps of 50 ms, so that the first checks find it running even when the first poll is
    // slow (a cold module load); the update in the usual 2 ms steps again, well within the checks of an instant-wait run.
    cloud.stepDelay(50);
    cloud.when('ExecuteChangeSet', async () => cloud.stepDelay(STACK_STEP_MS));

    // Less than the reading reserve left: one page (10 changes) per invocation, then one invocation to judge.
    const run = await runDeploy(deployInput(body(withQueues(appTemplate(), 35, 60))), { remainingTimeMs: 19_000 });

    expect({ error: run.error, cause: run.cause }).toEqual({ error: undefined, cause: undefined });
    expect(run.output).toMatchObject({ outcome: 'updated', verdict: { counts: { inspectedChanges: 35 } } });
    // Checks while CREATE_IN_PROGRESS, four pages, one judgement: every poll but the judgement reads once.
    const polls = run.visited.filter((s) => s === 'PollChangeSet').length;
    const beforeExecute = cloud.calls.slice(
      0,
      cloud.calls.findIndex((c) => c.startsWith('ExecuteChangeSet')),
    );
    const reads = beforeExecute.filter((c) => c.startsWith('DescribeChangeSet'));
    expect(polls).toBeGreaterThanOrEqual(1 + 4 + 1);
    expect(reads).toHaveLength(polls - 1);
    const progress = await cloud.bucketKeys(STAGING_BUCKET);
    expect(progress?.filter((k) => k.includes('/progress-'))).toHaveLength(4);
  });
});
