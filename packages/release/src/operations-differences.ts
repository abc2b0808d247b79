import type { PackagedService } from './package-services';

// The operator-deployed stacks carry operations AWS runs (execution logs, traces, alarms, event rules, notifications,
// the pipeline and its build projects): the local CloudFormation records these resources and the local Step Functions
// ignores the state machine's logging and tracing, so nothing is logged, evaluated, matched or delivered by AWS's
// services (the release runs the pipeline itself). Each becomes a printed difference, and so does a function's Node:
// the local Lambda runs every function on this machine's Node, whatever Runtime it declares.

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

/** The functions whose declared Node runtime (`nodejs22.x`) is not the major of `nodeVersion`, one line per runtime. */
const runtimeDifferences = (resources: PackagedService['template']['Resources'], nodeVersion: string): string[] => {
  const major = nodeVersion.replace(/^v/, '').split('.')[0];
  const functionsOf = new Map<string, number>();
  for (const resource of Object.values(resources)) {
    const runtime = resource.Type === 'AWS::Lambda::Function' ? resource.Properties?.Runtime : undefined;
    if (typeof runtime !== 'string' || runtime === `nodejs${major}.x`) continue;
    functionsOf.set(runtime, (functionsOf.get(runtime) ?? 0) + 1);
  }
  return [...functionsOf].map(
    ([runtime, count]) =>
      `${count === 1 ? '1 function declares' : `${count} functions declare`} Runtime ${runtime}: the local Lambda runs ${count === 1 ? 'it' : 'them'} on this machine's Node ${nodeVersion}`,
  );
};

/**
 * What the operator-deployed services declare that the local cloud does not run as AWS would (operations; functions'
 * Node runtime against `nodeVersion`, this process's by default), per service.
 */
export const operationsDifferences = (
  packaged: readonly PackagedService[],
  nodeVersion: string = process.version,
): string[] =>
  packaged.flatMap((service) =>
    [
      ...Object.entries(service.template.Resources).flatMap(([logicalId, resource]) =>
        differenceOf(logicalId, resource),
      ),
      ...runtimeDifferences(service.template.Resources, nodeVersion),
    ].map((text) => `${service.service}: ${text}`),
  );
