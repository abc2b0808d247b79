import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { executionPath, PipelineDefinitionError, readPipelineDefinition, renderReport } from '../src';

const pipeline = (actions: Record<string, unknown>[]) => ({
  Resources: {
    Pipeline: {
      Type: 'AWS::CodePipeline::Pipeline',
      Properties: { PipelineType: 'V2', ExecutionMode: 'QUEUED', Stages: [{ Name: 'Deploy', Actions: actions }] },
    },
  },
});

const invoke = (name: string, runOrder: number, functionName: unknown) => ({
  Name: name,
  RunOrder: runOrder,
  ActionTypeId: { Category: 'Invoke', Owner: 'AWS', Provider: 'Lambda', Version: '1' },
  Configuration: { FunctionName: functionName, UserParameters: '{"inputFile":"deploy/prod.json"}' },
  InputArtifacts: [{ Name: 'BuildOutput' }],
});

describe('readPipelineDefinition', () => {
  test('reads actions in run order with their category, function import and UserParameters', () => {
    const definition = readPipelineDefinition(
      pipeline([invoke('Second', 2, 'literal-fn'), invoke('First', 1, { 'Fn::ImportValue': 'trigger-FunctionName' })]),
    );
    expect(definition).toMatchObject({ logicalId: 'Pipeline', pipelineType: 'V2', executionMode: 'QUEUED' });
    expect(definition.stages[0]?.actions.map((a) => [a.name, a.category, a.functionName])).toEqual([
      ['First', 'Invoke', { importValue: 'trigger-FunctionName' }],
      ['Second', 'Invoke', { literal: 'literal-fn' }],
    ]);
    expect(definition.stages[0]?.actions[0]?.inputArtifacts).toEqual(['BuildOutput']);
  });

  test('names the problem when the function cannot be resolved locally', () => {
    expect(() => readPipelineDefinition(pipeline([invoke('Deploy', 1, { 'Fn::GetAtt': ['Fn', 'Arn'] })]))).toThrow(
      /FunctionName must be a literal or Fn::ImportValue/,
    );
  });

  test('refuses a template without exactly one pipeline', () => {
    expect(() => readPipelineDefinition({ Resources: {} })).toThrow(PipelineDefinitionError);
    expect(() => readPipelineDefinition({ Resources: {} })).toThrow(/exactly one AWS::CodePipeline::Pipeline, found 0/);
  });
});

describe('executionPath and the report', () => {
  const history: HistoryEvent[] = [
    { id: 1, timestamp: new Date(), type: 'ExecutionStarted' },
    { id: 2, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'CheckStack' } },
    { id: 3, timestamp: new Date(), type: 'TaskStateExited', stateExitedEventDetails: { name: 'CheckStack' } },
    { id: 4, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'InspectChangeSet' } },
    { id: 5, timestamp: new Date(), type: 'ExecutionFailed' },
  ];

  test('lists the visited states in order and marks the one the execution failed in', () => {
    expect(executionPath(history)).toEqual([
      { name: 'CheckStack', outcome: 'exited' },
      { name: 'InspectChangeSet', outcome: 'failed' },
    ]);
  });

  test('renders a self-contained page with the path and the escaped failure cause', () => {
    const html = renderReport({
      startedAt: new Date('2026-11-25T10:00:00Z'),
      finishedAt: new Date('2026-11-25T10:01:00Z'),
      stages: [
        {
          stage: 'DeployToProduction',
          action: 'DeployToProduction',
          status: 'Failed',
          detail: 'refused',
          durationMs: 1200,
        },
      ],
      executions: [
        {
          action: 'DeployToProduction',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:glue-cd-deploy-local:codepipeline-1',
          status: 'FAILED',
          error: 'UnsafeChangeSetError',
          cause: 'RawBucket <AWS::S3::Bucket> would be replaced',
          history,
        },
      ],
      stateNames: ['CheckStack', 'InspectChangeSet', 'ExecuteChangeSet'],
    });
    expect(html).toContain('1. CheckStack');
    expect(html).toContain('2. InspectChangeSet');
    expect(html).toContain('RawBucket &lt;AWS::S3::Bucket&gt; would be replaced');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
