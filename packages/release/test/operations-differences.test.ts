// The operations AWS runs and the local cloud only records are printed as differences of the Bootstrap.
import { operationsDifferences, type PackagedService } from '../src';

const service = (name: string, Resources: PackagedService['template']['Resources']): PackagedService => ({
  service: name,
  stage: 'ci',
  dir: `services/${name}`,
  template: { Resources },
  artifacts: [],
  output: '',
  cached: false,
});

describe('operationsDifferences', () => {
  it('names each operations resource and the state machine’s logging and tracing, per service', () => {
    const orchestrator = service('deploy-orchestrator', {
      DeployStateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'glue-cd-deploy-ci',
          LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
          TracingConfiguration: { Enabled: true },
        },
      },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: 'glue-cd-deploy-ci-executions-failed' } },
      Rule: { Type: 'AWS::Events::Rule', Properties: { Name: 'glue-cd-deploy-ci-refused' } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'glue-cd-notifications-ci' } },
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
    });
    expect(operationsDifferences([orchestrator])).toEqual([
      'deploy-orchestrator: state machine glue-cd-deploy-ci: LoggingConfiguration ignored, no execution log is written',
      'deploy-orchestrator: state machine glue-cd-deploy-ci: TracingConfiguration ignored, no X-Ray traces',
      'deploy-orchestrator: alarm glue-cd-deploy-ci-executions-failed recorded, never evaluated (no CloudWatch metrics)',
      'deploy-orchestrator: EventBridge rule glue-cd-deploy-ci-refused recorded, never matched (no EventBridge)',
      'deploy-orchestrator: SNS topic glue-cd-notifications-ci recorded, no message is published or delivered',
      'deploy-orchestrator: KMS key Key recorded, nothing is encrypted with it',
    ]);
  });

  it('says the pipeline and its build projects are recorded, run by the release itself', () => {
    const pipeline = service('pipeline', {
      Pipeline: { Type: 'AWS::CodePipeline::Pipeline', Properties: { Name: 'glue-cd-ci' } },
      BuildProject: { Type: 'AWS::CodeBuild::Project', Properties: { Name: 'glue-cd-pipeline-ci-build' } },
    });
    expect(operationsDifferences([pipeline])).toEqual([
      'pipeline: pipeline glue-cd-ci recorded, never started: the local release runs its stages',
      "pipeline: CodeBuild project glue-cd-pipeline-ci-build recorded: the local CodeBuild runs its buildspec as its ServiceRole, logging to the release's report folder (no CloudWatch Logs)",
    ]);
  });

  it('has nothing to say about a state machine without logging or tracing, or a stack without operations', () => {
    const plain = service('pipeline-trigger', {
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { TracingConfiguration: { Enabled: false } } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
    });
    expect(operationsDifferences([plain], 'v22.23.5')).toEqual([]);
  });

  it("says which functions declare a Node other than this machine's, once per runtime", () => {
    const functions = service('deploy-orchestrator', {
      A: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
      B: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
      C: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs20.x' } },
      D: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs24.x' } },
    });
    expect(operationsDifferences([functions], 'v20.20.2')).toEqual([
      "deploy-orchestrator: 2 functions declare Runtime nodejs22.x: the local Lambda runs them on this machine's Node v20.20.2",
      "deploy-orchestrator: 1 function declares Runtime nodejs24.x: the local Lambda runs it on this machine's Node v20.20.2",
    ]);
  });
});
