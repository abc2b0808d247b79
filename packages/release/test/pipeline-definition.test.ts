import type { HistoryEvent } from '@aws-sdk/client-sfn';
import {
  executionPath,
  PipelineDefinitionError,
  projectOf,
  readPipelineDefinition,
  ReleaseReportSchema,
  renderReport,
  type ReleaseReport,
} from '../src';

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

  test('renders a self-contained page from the JSON report: commands with exit codes, path, escaped cause', () => {
    const report: ReleaseReport = {
      schemaVersion: 1,
      startedAt: '2026-11-25T10:00:00.000Z',
      finishedAt: '2026-11-25T10:01:00.000Z',
      succeeded: false,
      pipeline: 'glue-cd-local',
      pipelineExecutionId: 'e-1',
      setup: [{ step: 'Package', status: 'Succeeded', durationMs: 10, detail: 'packaged' }],
      actions: [
        {
          stage: 'Build',
          action: 'Build',
          category: 'Build',
          provider: 'CodeBuild',
          runOrder: 1,
          status: 'Succeeded',
          durationMs: 1000,
          detail: 'buildspecs/build.yml: SUCCEEDED',
          commands: [
            {
              phase: 'pre_build',
              block: 'commands',
              command: 'pnpm test',
              exitCode: null,
              status: 'skipped',
              reason: 'run separately',
              durationMs: 0,
            },
            {
              phase: 'build',
              block: 'commands',
              command: 'echo "<b>"',
              exitCode: 0,
              status: 'succeeded',
              durationMs: 5,
            },
          ],
        },
        {
          stage: 'DeployToProduction',
          action: 'DeployToProduction',
          category: 'Invoke',
          provider: 'Lambda',
          runOrder: 1,
          status: 'Failed',
          detail: 'refused',
          durationMs: 1200,
        },
      ],
      skipList: [{ command: 'pnpm test', reason: 'run separately' }],
      differences: [{ action: 'Build', difference: 'runtime-versions nodejs 22: this machine runs Node v20' }],
      executions: [
        {
          action: 'DeployToProduction',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:glue-cd-deploy-local:codepipeline-1',
          status: 'FAILED',
          error: 'UnsafeChangeSetError',
          cause: 'RawBucket <AWS::S3::Bucket> would be replaced',
          path: executionPath(history),
        },
      ],
      stateNames: ['CheckStack', 'InspectChangeSet', 'ExecuteChangeSet'],
      mode: 'release',
      plans: [
        {
          action: 'PlanProduction',
          stackName: 'glue-cd-glue-etl-prod',
          url: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-2.json',
          textUrl: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-2.txt',
          summary: 'Plan for stack glue-cd-glue-etl-prod: 0 added, 1 modified',
          counts: { added: 0, modified: 1, replaced: 0, removed: 0, broadening: 1 },
          verdict: 'refused-broadening',
          text: '[+] Allow iam:* on <all>',
        },
      ],
    };
    expect(ReleaseReportSchema.parse(report)).toEqual(report);
    const html = renderReport(report);
    expect(html).toContain('<code>pnpm test</code><br><span class="neutral">run separately</span>');
    expect(html).toContain('<code>echo &quot;&lt;b&gt;&quot;</code></td><td class="ok">0</td>');
    expect(html).toContain('runtime-versions nodejs 22');
    expect(html).toContain('1. CheckStack');
    expect(html).toContain('2. InspectChangeSet');
    expect(html).toContain('RawBucket &lt;AWS::S3::Bucket&gt; would be replaced');
    expect(html).toContain(
      '<h3>PlanProduction: glue-cd-glue-etl-prod <span class="bad">refused-broadening</span></h3>',
    );
    expect(html).toContain('<pre>[+] Allow iam:* on &lt;all&gt;</pre>');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
