import type { PipelineAction, PipelineDefinition } from '../src/pipeline-definition';
import { declaredFunctions, prewarmDifference, prewarmFunctions, prewarmTargets, taskFunctions } from '../src/prewarm';

const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const definition = JSON.stringify({
  StartAt: 'Validate',
  States: {
    Validate: { Type: 'Task', Resource: arn('validate'), Next: 'Route', Catch: [{ Next: 'Failed' }] },
    Route: { Type: 'Choice', Choices: [{ Next: 'Create' }], Default: 'Update' },
    Create: { Type: 'Task', Resource: arn('create'), Next: 'Wait' },
    Update: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: arn('update') },
      Next: 'Fan',
    },
    Wait: { Type: 'Wait', Seconds: 5, Next: 'Create' },
    Fan: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: arn('inner'), End: true } } }],
      End: true,
    },
    Failed: { Type: 'Task', Resource: arn('report-failure'), End: true },
    Unreachable: { Type: 'Task', Resource: arn('never'), End: true },
  },
});

const invoke = (stage: string, name: string, runOrder: number, functionName: PipelineAction['functionName']) =>
  ({
    stage,
    name,
    runOrder,
    kind: 'lambda-invoke',
    category: 'Invoke',
    provider: 'Lambda',
    configuration: {},
    functionName,
    inputArtifacts: [],
    outputArtifacts: [],
  }) as PipelineAction;

const pipeline = {
  stages: [
    {
      name: 'LiveTest',
      actions: [
        invoke('LiveTest', 'DeployTestStack', 1, { importValue: 'trigger-export' }),
        invoke('LiveTest', 'PlanProduction', 1, { importValue: 'trigger-export' }),
        invoke('LiveTest', 'Cleanup', 3, { importValue: 'trigger-export' }),
        invoke('LiveTest', 'Unresolvable', 4, { importValue: 'nobody-exports-this' }),
      ],
    },
    { name: 'Prod', actions: [invoke('Prod', 'Deploy', 1, { literal: 'other-function' })] },
  ],
} as unknown as PipelineDefinition;

describe('prewarming the functions a release will invoke', () => {
  test('taskFunctions: each task function once, in the order an execution reaches it (error paths last), unreachable ones left out', () => {
    expect(taskFunctions(definition)).toEqual(['validate', 'create', 'update', 'inner', 'report-failure']);
  });

  test('prewarmTargets: invoke actions by their most concurrent RunOrder group, then the state machine tasks', () => {
    // Act
    const targets = prewarmTargets(pipeline, { exports: { 'trigger-export': 'trigger' } }, definition);

    // Assert
    expect(targets).toEqual([
      { functionName: 'trigger', count: 2 },
      { functionName: 'other-function', count: 1 },
      ...['validate', 'create', 'update', 'inner', 'report-failure'].map((functionName) => ({
        functionName,
        count: 1,
      })),
    ]);
  });

  test('prewarmFunctions: at most two at a time, in order; a failure is left to the first invocation', async () => {
    // Arrange
    const calls: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const prewarm = async (functionName: string, count: number) => {
      calls.push(functionName);
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      if (functionName === 'broken') throw new Error('no such function');
      return functionName === 'cold-runtime' ? 0 : count;
    };
    const targets = ['a', 'broken', 'b', 'cold-runtime', 'c'].map((functionName) => ({ functionName, count: 1 }));

    // Act
    const initialized = await prewarmFunctions({ prewarm }, targets);
    const withoutCloud = await prewarmFunctions({}, targets);

    // Assert
    expect(calls).toEqual(['a', 'broken', 'b', 'cold-runtime', 'c']);
    expect(mostAtOnce).toBe(2);
    expect(initialized.map((t) => t.functionName)).toEqual(['a', 'b', 'c']);
    expect(withoutCloud).toEqual([]);
    expect(
      prewarmDifference([
        { functionName: 'trigger', count: 2 },
        { functionName: 'validate', count: 1 },
      ]),
    ).toMatch(
      /^Lambda: 3 execution environments \(trigger ×2, validate\) were initialized right after the bootstrap of their stack/,
    );
  });
});

test('declaredFunctions: the names a packaged template gives its functions, nothing else', () => {
  const template = {
    Resources: {
      TriggerLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'glue-cd-trigger' } },
      // A function whose name CloudFormation makes up: not known before the stack is there.
      Unnamed: { Type: 'AWS::Lambda::Function', Properties: {} },
      Named: { Type: 'AWS::SNS::Topic', Properties: { FunctionName: 'not-a-function' } },
      Computed: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': '${AWS::StackName}-x' } } },
    },
  };
  expect([...declaredFunctions(template)]).toEqual(['glue-cd-trigger']);
});
