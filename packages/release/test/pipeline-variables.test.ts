import { resolveConfiguration, resolveVariables, VariableResolutionError, type Namespaces } from '../src';

const namespaces: Namespaces = {
  DeployTest: { JobName: 'glue-cd-glue-etl-test-nyc-taxi', AthenaWorkGroupName: 'glue-cd-glue-etl-test' },
  SourceVariables: { CommitId: 'abc123' },
  codepipeline: { PipelineExecutionId: 'e-1' },
};

describe('resolveVariables', () => {
  it.each([
    ['job #{DeployTest.JobName}', 'job glue-cd-glue-etl-test-nyc-taxi'],
    ['#{SourceVariables.CommitId}@#{codepipeline.PipelineExecutionId}', 'abc123@e-1'],
    ['no references', 'no references'],
    ['#{not a reference} and #{}', '#{not a reference} and #{}'],
    [
      '${DeployTest.JobName} is a shell variable, not a pipeline one',
      '${DeployTest.JobName} is a shell variable, not a pipeline one',
    ],
  ])('%j → %j', (text, expected) => {
    expect(resolveVariables(text, namespaces, 'X')).toBe(expected);
  });

  it.each([
    [
      '#{DeployProd.JobName}',
      /X cannot be resolved: #\{DeployProd.JobName\}: no action that ran before it publishes namespace DeployProd \(known: DeployTest, SourceVariables, codepipeline\)/,
    ],
    [
      '#{DeployTest.Jobname}',
      /#\{DeployTest.Jobname\}: namespace DeployTest has no variable Jobname \(it has: AthenaWorkGroupName, JobName\)/,
    ],
  ])('fails on %j, naming the reference and what is known', (text, message) => {
    expect(() => resolveVariables(text, namespaces, 'X')).toThrow(VariableResolutionError);
    expect(() => resolveVariables(text, namespaces, 'X')).toThrow(message);
  });

  it('names every unresolvable reference at once', () => {
    expect(() => resolveVariables('#{A.b} #{DeployTest.c}', namespaces, 'X')).toThrow(
      /#\{A.b\}: .*; #\{DeployTest.c\}: /,
    );
  });
});

describe('resolveConfiguration', () => {
  it('resolves every string value (UserParameters, EnvironmentVariables, CustomData) and leaves intrinsics', () => {
    const configuration = {
      EnvironmentVariables: '[{"name":"JOB_NAME","value":"#{DeployTest.JobName}","type":"PLAINTEXT"}]',
      CustomData: 'workgroup #{DeployTest.AthenaWorkGroupName}',
      FunctionName: { 'Fn::ImportValue': 'trigger-#{DeployTest.JobName}' },
    };
    expect(resolveConfiguration(configuration, namespaces, 'LiveTest/AutomatedLiveTest')).toEqual({
      EnvironmentVariables: '[{"name":"JOB_NAME","value":"glue-cd-glue-etl-test-nyc-taxi","type":"PLAINTEXT"}]',
      CustomData: 'workgroup glue-cd-glue-etl-test',
      FunctionName: { 'Fn::ImportValue': 'trigger-#{DeployTest.JobName}' },
    });
  });

  it('says which action and which configuration key could not be resolved', () => {
    expect(() =>
      resolveConfiguration({ CustomData: '#{DeployTest.Nope}' }, namespaces, 'LiveTest/LiveTestApproval'),
    ).toThrow(/^LiveTest\/LiveTestApproval configuration CustomData cannot be resolved: #\{DeployTest.Nope\}/);
  });
});
