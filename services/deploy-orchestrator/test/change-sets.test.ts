import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetStackPolicyCommand,
  GetTemplateCommand,
  SetStackPolicyCommand,
  UpdateTerminationProtectionCommand,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  parseDeployInput,
  protectedStackPolicyBody,
  StackOperationFailedError,
  summarizeVerdict,
  UnsafeChangeSetError,
  type DeployVerdict,
} from '@glue-cd/core';
import { mockClient } from 'aws-sdk-client-mock';
import { CHANGE_SET_POLLING } from '../src/polling';
import type { ChangeSetState } from '../src/state';
import {
  changeSetNameFor,
  createChangeSet,
  describeChangeSetTree,
  executeChangeSet,
  pollChangeSet,
  refuseChangeSet,
} from '../src/tasks/change-sets';
import { deployInput, resourceChange, STACK } from './support/fixtures';

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
const cfn = new CloudFormationClient({ region: 'us-east-1' });
const s3 = new S3Client({ region: 'us-east-1' });
const STAGING = 'staging-bucket';
const settings = { templateStagingBucket: STAGING };
/** Objects written to the mocked staging bucket, by key. */
let stored: Map<string, string>;
beforeEach(() => {
  cfnMock.reset();
  s3Mock.reset();
  stored = new Map();
  s3Mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    stored.set(input.Key, input.Body);
    return {};
  });
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = stored.get(input.Key);
    if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => body } };
  });
  cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{}}' });
});

const ROOT = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/glue-cd-x/1';
const NESTED = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/nested/2';
const DEEPER = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/deeper/3';

const changeSet = (overrides: Partial<ChangeSetState> = {}): ChangeSetState => ({
  stackName: STACK,
  stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1`,
  changeSetName: 'glue-cd-x',
  changeSetId: ROOT,
  changeSetType: 'UPDATE',
  removeReviewStack: false,
  status: 'CREATE_PENDING',
  polls: 0,
  waitSeconds: 2,
  done: false,
  empty: false,
  safe: false,
  ...overrides,
});

describe('createChangeSet', () => {
  it('creates an UPDATE change set with nested stacks, parameters, capabilities, tags and the service role', async () => {
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: ROOT, StackId: 'stack-id' });
    const input = parseDeployInput(deployInput({ capabilities: ['CAPABILITY_IAM'] }));
    const state = await createChangeSet(
      cfn,
      { cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/cfn' },
      {
        input,
        executionName: 'codepipeline-job_1',
        template: { kind: 'url', templateURL: 'https://b.s3.us-east-1.amazonaws.com/t.json', staged: true },
      },
    );
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input).toMatchObject({
      StackName: STACK,
      ChangeSetName: 'glue-cd-codepipeline-job-1',
      ChangeSetType: 'UPDATE',
      TemplateURL: 'https://b.s3.us-east-1.amazonaws.com/t.json',
      IncludeNestedStacks: true,
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'test' }],
      Tags: [{ Key: 'application', Value: 'glue-cd' }],
      RoleARN: 'arn:aws:iam::123456789012:role/cfn',
      ClientToken: 'change-set-codepipeline-job-1',
    });
    expect(state).toMatchObject({ changeSetId: ROOT, stackId: 'stack-id', done: false, polls: 0 });
  });

  it('carries on with its own change set when a retry meets AlreadyExists', async () => {
    cfnMock
      .on(CreateChangeSetCommand)
      .rejects(Object.assign(new Error('ChangeSet [glue-cd-e1] already exists'), { name: 'AlreadyExistsException' }))
      .on(DescribeChangeSetCommand, { StackName: STACK, ChangeSetName: 'glue-cd-e1' })
      .resolves({ ChangeSetId: ROOT, StackId: 'stack-id', Status: 'CREATE_COMPLETE' });
    const state = await createChangeSet(
      cfn,
      {},
      {
        input: parseDeployInput(deployInput()),
        executionName: 'e1',
        template: { kind: 'body', templateBody: '{}', bytes: 2 },
      },
    );
    expect(state).toMatchObject({ changeSetId: ROOT, stackId: 'stack-id', status: 'CREATE_COMPLETE', done: false });
  });

  it('makes a CREATE change set for a plan of a new stack, and marks its REVIEW_IN_PROGRESS stack for removal', async () => {
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: ROOT, StackId: 'review-stack-id' });
    const state = await createChangeSet(
      cfn,
      {},
      {
        input: parseDeployInput(deployInput({ action: 'plan' })),
        executionName: 'e1',
        template: { kind: 'body', templateBody: '{}', bytes: 2 },
        stack: { changeSetType: 'CREATE' },
      },
    );
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('CREATE');
    expect(state).toMatchObject({ changeSetType: 'CREATE', removeReviewStack: true, stackId: 'review-stack-id' });
  });

  it('uses the service role of the input environment, and refuses an environment without one', async () => {
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: ROOT });
    const roles = {
      cloudFormationRoleArns: {
        test: 'arn:aws:iam::123456789012:role/cfn-test',
        prod: 'arn:aws:iam::123456789012:role/cfn-prod',
      },
    };
    const event = (environmentName: string, stackName: string) => ({
      input: parseDeployInput(deployInput({ environmentName, stackName })),
      executionName: 'e1',
      template: { kind: 'body' as const, templateBody: '{}', bytes: 2 },
    });
    await createChangeSet(cfn, roles, event('prod', 'glue-cd-glue-etl-prod'));
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.RoleARN).toBe(
      'arn:aws:iam::123456789012:role/cfn-prod',
    );
    await expect(createChangeSet(cfn, roles, event('staging', 'glue-cd-glue-etl-staging'))).rejects.toThrow(
      'no CloudFormation service role for environment staging: CLOUDFORMATION_ROLE_ARNS names test, prod',
    );
    expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(1);
  });

  it('makes change set names CloudFormation accepts', () => {
    expect(changeSetNameFor('codepipeline-1234_abc.def')).toBe('glue-cd-codepipeline-1234-abc-def');
    expect(changeSetNameFor('x'.repeat(200))).toHaveLength(128);
  });
});

describe('describeChangeSetTree', () => {
  it('reads every page and the nested change sets, recursively, into a ChangeSetTree', async () => {
    cfnMock
      .on(DescribeChangeSetCommand, { ChangeSetName: ROOT, NextToken: undefined })
      .resolves({
        StackName: STACK,
        ChangeSetName: 'glue-cd-x',
        Changes: [resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify')],
        NextToken: 'page-2',
      })
      .on(DescribeChangeSetCommand, { ChangeSetName: ROOT, NextToken: 'page-2' })
      .resolves({
        Changes: [resourceChange('Tables', 'AWS::CloudFormation::Stack', 'Modify', { ChangeSetId: NESTED })],
      })
      .on(DescribeChangeSetCommand, { ChangeSetName: NESTED })
      .resolves({
        StackName: `${STACK}-Tables-1`,
        Changes: [
          resourceChange('TripsTable', 'AWS::Glue::Table', 'Modify', { Replacement: 'True' }),
          resourceChange('Deeper', 'AWS::CloudFormation::Stack', 'Modify', { ChangeSetId: DEEPER }),
        ],
      })
      .on(DescribeChangeSetCommand, { ChangeSetName: DEEPER })
      .resolves({ Changes: [resourceChange('Queue', 'AWS::SQS::Queue', 'Remove')] });

    const tree = await describeChangeSetTree(cfn, ROOT);

    expect(tree.changes.map((c) => c.ResourceChange?.LogicalResourceId)).toEqual(['GlueJob', 'Tables']);
    expect(tree.nested?.Tables?.changes.map((c) => c.ResourceChange?.LogicalResourceId)).toEqual([
      'TripsTable',
      'Deeper',
    ]);
    expect(tree.nested?.Tables?.nested?.Deeper?.changes).toHaveLength(1);
    expect(cfnMock.commandCalls(DescribeChangeSetCommand)).toHaveLength(4);
  });
});

describe('pollChangeSet', () => {
  const input = parseDeployInput(deployInput());
  const poll = (state: ChangeSetState, budget?: { remainingTimeMs: number; now?: () => number }, pollInput = input) =>
    pollChangeSet(cfn, s3, settings, { input: pollInput, executionName: 'e1', changeSet: state }, budget);

  it('keeps waiting while the change set is being created, with backoff', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS' });
    const state = await poll(changeSet({ polls: 2 }));
    expect(state).toMatchObject({ done: false, polls: 3, status: 'CREATE_IN_PROGRESS', waitSeconds: 10 });
  });

  it('gives up after the bounded number of checks', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_PENDING' });
    await expect(poll(changeSet({ polls: CHANGE_SET_POLLING.maxPolls - 1 }))).rejects.toThrow(
      new StackOperationFailedError(
        `change set glue-cd-x on ${STACK}: gave up after ${CHANGE_SET_POLLING.maxPolls} checks (still CREATE_PENDING)`,
      ),
    );
  });

  it('recognises an empty change set', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'No updates are to be performed.' });
    const state = await poll(changeSet());
    expect(state).toMatchObject({ done: true, empty: true, safe: false });
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(0);
  });

  it('fails a change set that failed for another reason, and deletes it', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Template error: unresolved resource dependencies [Foo]' })
      .on(DeleteChangeSetCommand)
      .resolves({});
    await expect(poll(changeSet())).rejects.toThrow(
      'change set glue-cd-x on glue-cd-etl-test failed: Template error: unresolved resource dependencies [Foo]',
    );
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input).toEqual({ ChangeSetName: ROOT });
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it("removes a failed plan's REVIEW_IN_PROGRESS stack with its CREATE change set", async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Template format error' })
      .on(DeleteChangeSetCommand)
      .resolves({})
      .on(DeleteStackCommand)
      .resolves({});
    const plan = parseDeployInput(deployInput({ action: 'plan' }));
    await expect(
      poll(changeSet({ changeSetType: 'CREATE', removeReviewStack: true, stackId: 'review-id' }), undefined, plan),
    ).rejects.toThrow('Template format error');
    expect(cfnMock.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({
      StackName: 'review-id',
      ClientRequestToken: 'delete-plan-stack-e1',
    });
  });

  it('judges a complete change set with the input safety policy and stores the full verdict in S3', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: [
        resourceChange('ScratchQueue', 'AWS::SQS::Queue', 'Remove'),
        resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify'),
      ],
    });
    const strict = await poll(changeSet());
    expect(strict).toMatchObject({
      done: true,
      empty: false,
      safe: false,
      verdict: {
        refusal: 'destructive',
        violations: [{ logicalId: 'ScratchQueue' }],
        location: `s3://${STAGING}/verdicts/${STACK}/e1/verdict.json`,
      },
    });
    expect(JSON.parse(stored.get(`verdicts/${STACK}/e1/verdict.json`) ?? '{}')).toMatchObject({
      kind: 'glue-cd-verdict',
      verdict: { violations: [{ logicalId: 'ScratchQueue' }], inspectedChanges: 2 },
    });

    const lenient = parseDeployInput(deployInput({ safetyPolicy: { allowedResourceTypes: ['AWS::SQS::Queue'] } }));
    const allowed = await poll(changeSet(), undefined, lenient);
    expect(allowed).toMatchObject({
      done: true,
      safe: true,
      verdict: { counts: { inspectedChanges: 2, accepted: 1 } },
    });
  });

  it('reads pages under a time budget, keeps the cursor in the state and the pages in S3, and resumes', async () => {
    const page = (from: number, next?: string): DescribeChangeSetCommandOutput => ({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      $metadata: {},
      Changes: [0, 1].map((i) => resourceChange(`Queue${from + i}`, 'AWS::SQS::Queue', 'Remove')),
      ...(next !== undefined ? { NextToken: next } : {}),
    });
    cfnMock
      .on(DescribeChangeSetCommand, { ChangeSetName: ROOT, NextToken: undefined })
      .resolves(page(0, 'p2'))
      .on(DescribeChangeSetCommand, { ChangeSetName: ROOT, NextToken: 'p2' })
      .resolves(page(2, 'p3'))
      .on(DescribeChangeSetCommand, { ChangeSetName: ROOT, NextToken: 'p3' })
      .resolves(page(4));
    // A clock that moves 10 s per reading: 35 s left minus the 20 s reserve leaves time for two pages.
    let clock = 0;
    const now = () => (clock += 10_000);

    const first = await poll(changeSet(), { remainingTimeMs: 35_000, now });

    expect(first).toMatchObject({
      done: false,
      waitSeconds: 0,
      reading: {
        phase: 'reading',
        entry: 0,
        nextToken: 'p3',
        pagesRead: 2,
        progressKey: `verdicts/${STACK}/e1/progress-2.json`,
      },
    });
    expect(JSON.parse(stored.get(`verdicts/${STACK}/e1/progress-2.json`) ?? '{}').entries[0].changes).toHaveLength(4);

    const second = await poll(first, { remainingTimeMs: 60_000 });

    expect(second).toMatchObject({
      done: true,
      safe: false,
      verdict: { counts: { inspectedChanges: 6, violations: 6 } },
    });
    expect(second.reading).toBeUndefined();
    expect(cfnMock.commandCalls(DescribeChangeSetCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      'p2',
      'p3',
    ]);
  });

  it('fails clearly when the saved pages are gone', async () => {
    const reading = {
      phase: 'reading' as const,
      entry: 0,
      pagesRead: 2,
      progressKey: `verdicts/${STACK}/e1/progress-2.json`,
      invocations: 1,
    };
    await expect(poll(changeSet({ reading }))).rejects.toThrow(
      `the pages read so far (s3://${STAGING}/verdicts/${STACK}/e1/progress-2.json) are gone`,
    );
  });

  it('needs the staging bucket to store the verdict', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Changes: [] });
    await expect(pollChangeSet(cfn, s3, {}, { input, executionName: 'e1', changeSet: changeSet() })).rejects.toThrow(
      'TEMPLATE_STAGING_BUCKET is not set, but PollChangeSet stores the verdict of every change set there',
    );
  });
});

describe('describeChangeSetTree', () => {
  it('keeps nested stacks deeper than the limit out, with a clear error', async () => {
    cfnMock.on(DescribeChangeSetCommand).callsFake((request: { ChangeSetName: string }) => ({
      Changes: [
        resourceChange('Deeper', 'AWS::CloudFormation::Stack', 'Modify', { ChangeSetId: `${request.ChangeSetName}/n` }),
      ],
    }));
    await expect(describeChangeSetTree(cfn, ROOT)).rejects.toThrow('nested stacks deeper than 10 levels');
  });
});

describe('executeChangeSet', () => {
  const stackBefore = (extra: Record<string, unknown> = {}) => ({
    Stacks: [
      {
        StackName: STACK,
        StackId: 'sid',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-03-01T10:00:00Z'),
        LastUpdatedTime: new Date('2026-03-01T10:00:00Z'),
        ...extra,
      },
    ],
  });

  it('records the status and LastUpdatedTime before executing, with a token from the execution', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackBefore() as never)
      .on(ExecuteChangeSetCommand)
      .resolves({});
    const operation = await executeChangeSet(
      cfn,
      { changeSet: changeSet({ status: 'CREATE_COMPLETE', done: true, safe: true }), executionName: 'e1' },
      new Date('2026-03-02T00:00:00Z'),
    );
    expect(operation).toEqual({
      operation: 'update',
      outcome: 'updated',
      stackName: STACK,
      stackId: 'sid',
      changeSetId: ROOT,
      startedAt: '2026-03-02T00:00:00.000Z',
      previousStatus: 'UPDATE_COMPLETE',
      previousLastUpdatedTime: '2026-03-01T10:00:00.000Z',
      polls: 0,
      waitSeconds: 5,
      done: false,
    });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toEqual({
      ChangeSetName: ROOT,
      ClientRequestToken: 'execute-e1',
    });
    expect(cfnMock.commandCalls(SetStackPolicyCommand)).toHaveLength(0);
  });

  it('continues polling when a retry finds its change set already executing', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackBefore({ StackStatus: 'UPDATE_IN_PROGRESS' }) as never)
      .on(ExecuteChangeSetCommand)
      .rejects(
        Object.assign(new Error('cannot be executed in its current status'), {
          name: 'InvalidChangeSetStatusException',
        }),
      )
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'EXECUTE_IN_PROGRESS' });
    const operation = await executeChangeSet(cfn, {
      changeSet: changeSet({ done: true, safe: true }),
      executionName: 'e1',
    });
    expect(operation).toMatchObject({ operation: 'update', resumed: true, changeSetId: ROOT });
    expect(operation.previousLastUpdatedTime).toBeUndefined();
  });

  it('rethrows InvalidChangeSetStatus when the change set was not executed by anyone', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackBefore() as never)
      .on(ExecuteChangeSetCommand)
      .rejects(Object.assign(new Error('status OBSOLETE'), { name: 'InvalidChangeSetStatusException' }))
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'OBSOLETE' });
    await expect(
      executeChangeSet(cfn, { changeSet: changeSet({ done: true, safe: true }), executionName: 'e1' }),
    ).rejects.toThrow('status OBSOLETE');
  });

  it('a change set another deploy made obsolete (deleted when it executed its own) fails naming that and what to do', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackBefore() as never)
      .on(ExecuteChangeSetCommand)
      .rejects(Object.assign(new Error('ChangeSet [cs] does not exist'), { name: 'ChangeSetNotFoundException' }));

    const failure = executeChangeSet(cfn, { changeSet: changeSet({ done: true, safe: true }), executionName: 'e1' });

    await expect(failure).rejects.toThrow(
      /no longer exists \(ChangeSet \[cs\] does not exist\): another deploy of the stack executed its own change set meanwhile.*run it again/,
    );
  });

  it('in a protected environment adds the stack policy and termination protection first', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackBefore({ EnableTerminationProtection: false }) as never)
      .on(GetStackPolicyCommand)
      .resolves({})
      .on(SetStackPolicyCommand)
      .resolves({})
      .on(UpdateTerminationProtectionCommand)
      .resolves({})
      .on(ExecuteChangeSetCommand)
      .resolves({});
    await executeChangeSet(cfn, {
      changeSet: changeSet({ done: true, safe: true }),
      executionName: 'e1',
      protected: true,
    });
    expect(cfnMock.commandCalls(SetStackPolicyCommand)[0]?.args[0].input).toEqual({
      StackName: 'sid',
      StackPolicyBody: protectedStackPolicyBody(),
    });
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)[0]?.args[0].input).toEqual({
      StackName: 'sid',
      EnableTerminationProtection: true,
    });
  });

  it('keeps an operator policy that already holds the deny, and protection that is on', async () => {
    const operatorPolicy = JSON.parse(protectedStackPolicyBody()) as { Statement: unknown[] };
    operatorPolicy.Statement.push({
      Effect: 'Deny',
      Action: 'Update:*',
      Principal: '*',
      Resource: 'LogicalResourceId/Trips',
    });
    cfnMock
      .on(DescribeStacksCommand)
      .resolves(stackBefore({ EnableTerminationProtection: true }) as never)
      .on(GetStackPolicyCommand)
      .resolves({ StackPolicyBody: JSON.stringify(operatorPolicy, null, 2) })
      .on(ExecuteChangeSetCommand)
      .resolves({});
    await executeChangeSet(cfn, {
      changeSet: changeSet({ done: true, safe: true }),
      executionName: 'e1',
      protected: true,
    });
    expect(cfnMock.commandCalls(SetStackPolicyCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(0);
  });
});

describe('refuseChangeSet', () => {
  const violation = (i: number) => ({
    logicalId: `Queue${i}`,
    stackPath: [],
    resourceType: 'AWS::SQS::Queue',
    action: 'Remove',
    reason: 'resource would be deleted',
  });
  const verdictOf = (violations: number): DeployVerdict => ({
    verdict: 'RESOURCES-BEING-DELETED-OR-REPLACED',
    safe: false,
    inspectedChanges: violations,
    accepted: [],
    violations: Array.from({ length: violations }, (_, i) => violation(i)),
    broadening: { policy: 'fail', items: [], refused: [] },
  });

  it('deletes the change set and fails with the violations', async () => {
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const verdict = summarizeVerdict(verdictOf(2), `s3://${STAGING}/verdicts/${STACK}/e1/verdict.json`);
    const refusal = refuseChangeSet(cfn, { changeSet: changeSet({ done: true, verdict }) });
    await expect(refusal).rejects.toBeInstanceOf(UnsafeChangeSetError);
    await expect(refusal).rejects.toThrow(
      /Queue0 \(AWS::SQS::Queue\): Remove[\s\S]*Queue1 \(AWS::SQS::Queue\): Remove/,
    );
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });

  it('stays within 5000 characters and names the full verdict, however long the reasons', async () => {
    cfnMock.on(DeleteChangeSetCommand).rejects(new Error('x'.repeat(10_000)));
    const long = verdictOf(10);
    long.violations = long.violations.map((v) => ({ ...v, reason: 'r'.repeat(2_000) }));
    const verdict = summarizeVerdict(long, `s3://${STAGING}/verdicts/${STACK}/e1/verdict.json`);
    const error = await refuseChangeSet(cfn, { changeSet: changeSet({ done: true, verdict }) }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UnsafeChangeSetError);
    expect((error as Error).message.length).toBeLessThanOrEqual(5000);
    expect((error as Error).message).toContain(`s3://${STAGING}/verdicts/${STACK}/e1/verdict.json`);
    expect((error as Error).message).toContain('the change set could not be deleted');
  });
});
