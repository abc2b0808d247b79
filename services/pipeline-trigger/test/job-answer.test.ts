import {
  OUTPUT_VARIABLES_LIMIT_BYTES,
  answerForExecution,
  failureMessageFor,
  outputVariableKey,
  outputVariablesFor,
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
