import type { PackagedService } from './package-services';

// The operator-deployed stacks carry operations AWS runs (execution logs, traces, alarms, event rules, notifications,
// the pipeline and its build projects): the local CloudFormation records these resources and the local Step Functions
// ignores the state machine's logging and tracing, so nothing is logged, evaluated, matched or delivered by AWS's
// services (the release runs the pipeline itself). Each becomes a printed difference.

type Resource = PackagedService['template']['Resources'][string];

const nameOf = (logicalId: string, properties: Record<string, unknown> | undefined, key: string): string => {
  const name = properties?.[key];
  return typeof name === 'string' ? name : logicalId;
};

const differenceOf = (logicalId: string, resource: Resource): string[] => {
  const p = resource.Properties;
  switch (resource.Type) {
    case 'AWS::StepFunctions::StateMachine': {
      const found: string[] = [];
      const name = nameOf(logicalId, p, 'StateMachineName');
      if (p?.LoggingConfiguration)
        found.push(`state machine ${name}: LoggingConfiguration ignored, no execution log is written`);
      const tracing = p?.TracingConfiguration as { Enabled?: unknown } | undefined;
      if (tracing?.Enabled === true) found.push(`state machine ${name}: TracingConfiguration ignored, no X-Ray traces`);
      return found;
    }
    case 'AWS::CloudWatch::Alarm':
      return [`alarm ${nameOf(logicalId, p, 'AlarmName')} recorded, never evaluated (no CloudWatch metrics)`];
    case 'AWS::Events::Rule':
      return [`EventBridge rule ${nameOf(logicalId, p, 'Name')} recorded, never matched (no EventBridge)`];
    case 'AWS::SNS::Topic':
      return [`SNS topic ${nameOf(logicalId, p, 'TopicName')} recorded, no message is published or delivered`];
    case 'AWS::CodePipeline::Pipeline':
      return [`pipeline ${nameOf(logicalId, p, 'Name')} recorded, never started: the local release runs its stages`];
    case 'AWS::CodeBuild::Project':
      return [
        `CodeBuild project ${nameOf(logicalId, p, 'Name')} recorded: the local CodeBuild runs its buildspec as its ServiceRole, logging to the release's report folder (no CloudWatch Logs)`,
      ];
    case 'AWS::KMS::Key':
      return [`KMS key ${logicalId} recorded, nothing is encrypted with it`];
    default:
      return [];
  }
};

/** What the operator-deployed services declare for operations that the local cloud does not run, per service. */
export const operationsDifferences = (packaged: readonly PackagedService[]): string[] =>
  packaged.flatMap((service) =>
    Object.entries(service.template.Resources).flatMap(([logicalId, resource]) =>
      differenceOf(logicalId, resource).map((text) => `${service.service}: ${text}`),
    ),
  );
