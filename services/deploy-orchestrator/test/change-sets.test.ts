import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { parseDeployInput, StackOperationFailedError, UnsafeChangeSetError } from '@glue-cd/core';
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
const cfn = new CloudFormationClient({ region: 'us-east-1' });
beforeEach(() => cfnMock.reset());

const ROOT = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/glue-cd-x/1';
const NESTED = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/nested/2';
const DEEPER = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/deeper/3';

const changeSet = (overrides: Partial<ChangeSetState> = {}): ChangeSetState => ({
  stackName: STACK,
  stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1`,
  changeSetName: 'glue-cd-x',
  changeSetId: ROOT,
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
      { region: 'us-east-1', cloudFormationRoleArn: 'arn:aws:iam::123456789012:role/cfn' },
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
    });
    expect(state).toMatchObject({ changeSetId: ROOT, stackId: 'stack-id', done: false, polls: 0 });
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

  it('keeps waiting while the change set is being created, with backoff', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_IN_PROGRESS' });
    const state = await pollChangeSet(cfn, { input, changeSet: changeSet({ polls: 2 }) });
    expect(state).toMatchObject({ done: false, polls: 3, status: 'CREATE_IN_PROGRESS', waitSeconds: 10 });
  });

  it('gives up after the bounded number of checks', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_PENDING' });
    await expect(
      pollChangeSet(cfn, { input, changeSet: changeSet({ polls: CHANGE_SET_POLLING.maxPolls - 1 }) }),
    ).rejects.toThrow(
      new StackOperationFailedError(
        `change set glue-cd-x on ${STACK}: gave up after ${CHANGE_SET_POLLING.maxPolls} checks (still CREATE_PENDING)`,
      ),
    );
  });

  it('recognises an empty change set', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'No updates are to be performed.' });
    const state = await pollChangeSet(cfn, { input, changeSet: changeSet() });
    expect(state).toMatchObject({ done: true, empty: true, safe: false });
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(0);
  });

  it('fails a change set that failed for another reason, and deletes it', async () => {
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'Template error: unresolved resource dependencies [Foo]' })
      .on(DeleteChangeSetCommand)
      .resolves({});
    await expect(pollChangeSet(cfn, { input, changeSet: changeSet() })).rejects.toThrow(
      'change set glue-cd-x on glue-cd-etl-test failed: Template error: unresolved resource dependencies [Foo]',
    );
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)[0]?.args[0].input).toEqual({ ChangeSetName: ROOT });
  });

  it('inspects a complete change set with the input safety policy', async () => {
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: [
        resourceChange('ScratchQueue', 'AWS::SQS::Queue', 'Remove'),
        resourceChange('GlueJob', 'AWS::Glue::Job', 'Modify'),
      ],
    });
    const strict = await pollChangeSet(cfn, { input, changeSet: changeSet() });
    expect(strict).toMatchObject({
      done: true,
      empty: false,
      safe: false,
      verdict: { violations: [{ logicalId: 'ScratchQueue' }] },
    });

    const lenient = parseDeployInput(deployInput({ safetyPolicy: { allowedResourceTypes: ['AWS::SQS::Queue'] } }));
    const allowed = await pollChangeSet(cfn, { input: lenient, changeSet: changeSet() });
    expect(allowed).toMatchObject({
      done: true,
      safe: true,
      verdict: { inspectedChanges: 2, accepted: [{ logicalId: 'ScratchQueue' }] },
    });
  });
});

describe('executeChangeSet', () => {
  it('records the LastUpdatedTime before executing', async () => {
    const before = new Date('2026-03-01T10:00:00Z');
    cfnMock
      .on(DescribeStacksCommand)
      .resolves({
        Stacks: [
          {
            StackName: STACK,
            StackId: 'sid',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: before,
            LastUpdatedTime: before,
          },
        ],
      })
      .on(ExecuteChangeSetCommand)
      .resolves({});
    const operation = await executeChangeSet(
      cfn,
      { changeSet: changeSet({ status: 'CREATE_COMPLETE', done: true, safe: true }) },
      new Date('2026-03-02T00:00:00Z'),
    );
    expect(operation).toEqual({
      operation: 'update',
      outcome: 'updated',
      stackName: STACK,
      stackId: 'sid',
      startedAt: '2026-03-02T00:00:00.000Z',
      previousLastUpdatedTime: before.toISOString(),
      polls: 0,
      waitSeconds: 5,
      done: false,
    });
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)[0]?.args[0].input).toEqual({ ChangeSetName: ROOT });
  });
});

describe('refuseChangeSet', () => {
  it('deletes the change set and fails with every violation', async () => {
    cfnMock.on(DeleteChangeSetCommand).resolves({});
    const verdict = {
      verdict: 'RESOURCES-BEING-DELETED-OR-REPLACED' as const,
      safe: false,
      inspectedChanges: 3,
      accepted: [],
      violations: [
        {
          logicalId: 'DataBucket',
          stackPath: [],
          resourceType: 'AWS::S3::Bucket',
          action: 'Remove',
          reason: 'resource would be deleted',
        },
        {
          logicalId: 'TripsTable',
          stackPath: ['Tables'],
          resourceType: 'AWS::Glue::Table',
          action: 'Modify',
          replacement: 'True',
          reason: 'resource would be replaced',
        },
      ],
    };
    const refusal = refuseChangeSet(cfn, { changeSet: changeSet({ done: true, verdict }) });
    await expect(refusal).rejects.toBeInstanceOf(UnsafeChangeSetError);
    await expect(refusal).rejects.toThrow(
      /DataBucket \(AWS::S3::Bucket\): Remove[\s\S]*TripsTable \(AWS::Glue::Table\) in nested stack Tables: Modify, Replacement True/,
    );
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });
});
