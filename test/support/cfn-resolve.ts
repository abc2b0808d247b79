// Intrinsic functions of a packaged template evaluated as CloudFormation would for one stack in one account, so
// policies become documents with real ARNs that a policy evaluator can judge. Names CloudFormation generates
// follow its pattern (<stack>-<LogicalId>-<suffix>; lower case for buckets).

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface StackContext {
  stackName: string;
  account: string;
  region: string;
  /** `Fn::ImportValue` name → value (other stacks' exports). */
  imports?: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SUFFIX = 'A1B2C3D4E5F6';

export const makeResolver = (template: Template, context: StackContext) => {
  const { stackName, account, region } = context;
  const pseudo: Record<string, string> = {
    'AWS::StackName': stackName,
    'AWS::AccountId': account,
    'AWS::Region': region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resourceOf = (id: string): Resource => {
    const resource = template.Resources[id];
    if (!resource) throw new Error(`no resource ${id}`);
    return resource;
  };
  const generated = (id: string) => `${stackName}-${id}-${SUFFIX}`;
  const property = (id: string, ...keys: string[]): unknown =>
    keys.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), resourceOf(id).Properties);
  const named = (id: string, ...keys: string[]): string | undefined => {
    const value = property(id, ...keys);
    return value === undefined ? undefined : String(resolve(value));
  };

  const ref = (id: string): string => {
    if (id in pseudo) return pseudo[id] as string;
    const { Type } = resourceOf(id);
    switch (Type) {
      case 'AWS::S3::Bucket':
        return named(id, 'BucketName') ?? generated(id).toLowerCase();
      case 'AWS::IAM::Role':
        return named(id, 'RoleName') ?? generated(id);
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${account}:policy${named(id, 'Path') ?? '/'}${named(id, 'ManagedPolicyName') ?? generated(id)}`;
      case 'AWS::Lambda::Function':
        return named(id, 'FunctionName') ?? generated(id);
      case 'AWS::Logs::LogGroup':
        return named(id, 'LogGroupName') ?? generated(id);
      case 'AWS::Glue::Database':
        return (named(id, 'DatabaseInput', 'Name') ?? generated(id)).toLowerCase();
      case 'AWS::Glue::Crawler':
      case 'AWS::Glue::Job':
      case 'AWS::Athena::WorkGroup':
      case 'AWS::CodeBuild::Project':
      case 'AWS::CodePipeline::Pipeline':
        return named(id, 'Name') ?? generated(id);
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${named(id, 'TopicName') ?? generated(id)}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${region}:${account}:secret:${named(id, 'Name') ?? generated(id)}-AbCdEf`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${account}:stateMachine:${named(id, 'StateMachineName') ?? generated(id)}`;
      case 'AWS::CodeBuild::ReportGroup':
        return `arn:aws:codebuild:${region}:${account}:report-group/${named(id, 'Name') ?? generated(id)}`;
      case 'AWS::CodeStarConnections::Connection':
        return `arn:aws:codeconnections:${region}:${account}:connection/11111111-2222-3333-4444-555555555555`;
      case 'AWS::Events::Rule':
        return named(id, 'Name') ?? generated(id);
      case 'AWS::CloudWatch::Alarm':
        return named(id, 'AlarmName') ?? generated(id);
      default:
        return generated(id);
    }
  };

  const getAtt = (id: string, attribute: string): string => {
    const { Type } = resourceOf(id);
    if (attribute !== 'Arn') return `${ref(id)}.${attribute}`;
    switch (Type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${ref(id)}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role${named(id, 'Path') ?? '/'}${ref(id)}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${ref(id)}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${ref(id)}:*`;
      case 'AWS::CodeBuild::Project':
        return `arn:aws:codebuild:${region}:${account}:project/${ref(id)}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${ref(id)}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:aws:cloudwatch:${region}:${account}:alarm:${ref(id)}`;
      case 'AWS::CodeBuild::ReportGroup':
        return ref(id);
      default:
        return ref(id);
    }
  };

  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in variables) return String(resolve(variables[name]));
      const [id, attribute] = name.split('.');
      return attribute !== undefined ? getAtt(id as string, attribute) : ref(name);
    });

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const argument = value[keys[0] as string];
      switch (keys[0]) {
        case 'Ref':
          return ref(String(argument));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
          return getAtt(String(id), String(attribute));
        }
        case 'Fn::Sub':
          return Array.isArray(argument)
            ? sub(String(argument[0]), (argument[1] ?? {}) as Record<string, unknown>)
            : sub(String(argument), {});
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, unknown];
          return (resolve(parts) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Split': {
          const [separator, source] = argument as [string, unknown];
          return String(resolve(source)).split(separator);
        }
        case 'Fn::ImportValue': {
          const name = String(resolve(argument));
          const imported = context.imports?.[name];
          if (imported === undefined) throw new Error(`Fn::ImportValue ${name}: no such export in the test context`);
          return imported;
        }
      }
    }
    return Object.fromEntries(Object.entries(value).map(([key, nested]) => [key, resolve(nested)]));
  };

  return { resolve, ref, getAtt };
};
