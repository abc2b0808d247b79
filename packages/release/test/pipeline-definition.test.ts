import { PipelineDefinitionError, projectOf, readPipelineDefinition } from '../src';

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

  test('keeps each action’s provider, namespace and raw configuration, and finds its CodeBuild project', () => {
    const template = {
      Resources: {
        ...pipeline([
          {
            Name: 'Build',
            ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
            Configuration: { ProjectName: { Ref: 'BuildProject' }, EnvironmentVariables: '[]' },
            Namespace: 'BuildVariables',
          },
        ]).Resources,
        BuildProject: {
          Type: 'AWS::CodeBuild::Project',
          Properties: {
            Name: 'glue-cd-pipeline-local-build',
            Source: { Type: 'CODEPIPELINE', BuildSpec: 'buildspecs/build.yml' },
            Environment: { Image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' },
            TimeoutInMinutes: 30,
          },
        },
      },
    };
    const definition = readPipelineDefinition(template);
    const build = definition.stages[0]!.actions[0]!;
    expect(build).toMatchObject({
      provider: 'CodeBuild',
      namespace: 'BuildVariables',
      configuration: { ProjectName: { Ref: 'BuildProject' }, EnvironmentVariables: '[]' },
    });
    expect(projectOf(definition, build)).toEqual({
      logicalId: 'BuildProject',
      name: 'glue-cd-pipeline-local-build',
      buildSpec: 'buildspecs/build.yml',
      image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
      timeoutInMinutes: 30,
      environmentVariables: [],
    });
  });

  test('refuses a template without exactly one pipeline', () => {
    expect(() => readPipelineDefinition({ Resources: {} })).toThrow(PipelineDefinitionError);
    expect(() => readPipelineDefinition({ Resources: {} })).toThrow(/exactly one AWS::CodePipeline::Pipeline, found 0/);
  });
});
