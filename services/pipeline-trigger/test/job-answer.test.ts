import {
  OUTPUT_VARIABLES_LIMIT_BYTES,
  answerForExecution,
  failureMessageFor,
  outputVariableKey,
  outputVariablesFor,
  summaryFor,
} from '../src';

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:glue-cd-deploy-test:codepipeline-1';

describe('output variables', () => {
  test('stack output names become CodePipeline keys ([A-Za-z0-9@\\-_]+)', () => {
    expect(outputVariableKey('Raw.Bucket Name/1')).toBe('Raw_Bucket_Name_1');
    expect(outputVariableKey('ok-Name_@1')).toBe('ok-Name_@1');
  });

  test('an output cannot overwrite stackName, outcome or executionArn', () => {
    const { variables, dropped } = outputVariablesFor(
      { outcome: 'created', stackName: 's', outputs: { stackName: 'evil' } },
      ARN,
    );
    expect(variables.stackName).toBe('s');
    expect(dropped).toEqual(['stackName']);
  });

  test('outputs that would exceed the size limit are dropped and listed, the rest kept', () => {
    const outputs = { A: 'x'.repeat(62_000), B: 'y'.repeat(62_000), C: 'z'.repeat(10) };
    const { variables, dropped } = outputVariablesFor({ outcome: 'updated', stackName: 's', outputs }, ARN);
    expect(Object.keys(variables)).toEqual(['stackName', 'outcome', 'executionArn', 'A', 'C']);
    expect(dropped).toEqual(['B']);
    const bytes = Object.entries(variables).reduce(
      (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    expect(bytes).toBeLessThanOrEqual(OUTPUT_VARIABLES_LIMIT_BYTES);
  });
});

describe('failure messages', () => {
  test('a Lambda task cause contributes its errorMessage only', () => {
    expect(
      failureMessageFor(
        'FAILED',
        'StackBusyError',
        JSON.stringify({ errorType: 'StackBusyError', errorMessage: 'busy', trace: ['at x'] }),
      ),
    ).toBe('Deploy FAILED: StackBusyError: busy');
  });

  test('missing error and cause are left out rather than printed as undefined', () => {
    expect(failureMessageFor('ABORTED', undefined, undefined)).toBe('Deploy ABORTED');
    expect(failureMessageFor('FAILED', 'States.TaskFailed', undefined)).toBe('Deploy FAILED: States.TaskFailed');
  });
});

describe('execution statuses', () => {
  const state = {
    executionArn: ARN,
    executionName: 'codepipeline-1',
    jobId: 'job-1',
    startedAt: '2026-01-02T03:04:05.000Z',
    polls: 0,
    binding: { pipelineName: 'p', stage: 's', action: 'a', pipelineExecutionId: 'e' },
  };

  test('PENDING_REDRIVE keeps polling', () => {
    expect(answerForExecution(state, { status: 'PENDING_REDRIVE' })).toMatchObject({
      kind: 'in-progress',
      state: { polls: 1 },
    });
  });

  test('an unknown status fails the job rather than polling forever', () => {
    expect(answerForExecution(state, { status: 'EXPLODED' as never })).toMatchObject({
      kind: 'failed',
      failureType: 'JobFailed',
      message: `Deploy execution ${ARN} has an unknown status: EXPLODED`,
    });
  });
});

describe('a plan', () => {
  const counts = { added: 2, modified: 1, replaced: 0, removed: 0, broadening: 1 };
  const planned = {
    outcome: 'planned' as const,
    stackName: 'glue-cd-glue-etl-prod',
    outputs: {
      PlanUrl: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.json',
      PlanTextUrl: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.txt',
    },
    plan: {
      url: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.json',
      textUrl: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.txt',
      counts,
      summary: 'Plan for stack glue-cd-glue-etl-prod: 2 added, …',
    },
    verdict: {
      verdict: 'SECURITY-BROADENING-NOT-APPROVED' as const,
      safe: false,
      refusal: 'broadening' as const,
      counts: { inspectedChanges: 3, violations: 0, broadening: 1, refusedBroadening: 1 },
      violations: [],
      broadening: [],
      onBroadening: 'fail' as const,
    },
  };

  test('publishes its counts, verdict and where it is as output variables, none dropped', () => {
    const { variables, dropped } = outputVariablesFor(planned as never, ARN);
    expect(dropped).toEqual([]);
    expect(variables).toEqual({
      stackName: 'glue-cd-glue-etl-prod',
      outcome: 'planned',
      executionArn: ARN,
      action: 'deploy',
      added: '2',
      modified: '1',
      replaced: '0',
      removed: '0',
      broadening: '1',
      verdict: 'refused-broadening',
      PlanConsoleUrl:
        'https://s3.console.aws.amazon.com/s3/object/staging?prefix=plans%2Fglue-cd-glue-etl-prod%2Fcodepipeline-1.txt',
      PlanUrl: planned.outputs.PlanUrl,
      PlanTextUrl: planned.outputs.PlanTextUrl,
    });
  });

  test('a deploy publishes no plan variables, and its summary is the plan summary', () => {
    expect(Object.keys(outputVariablesFor({ outcome: 'updated', stackName: 's', outputs: {} }, ARN).variables)).toEqual(
      ['stackName', 'outcome', 'executionArn'],
    );
    expect(summaryFor(planned as never)).toBe(planned.plan.summary);
  });
});
