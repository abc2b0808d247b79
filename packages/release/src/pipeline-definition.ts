import type { CloudFormationTemplate } from './package-services';

/** One action of the delivery pipeline, as the packaged top-level template defines it. */
export interface PipelineAction {
  stage: string;
  name: string;
  runOrder: number;
  kind: 'source' | 'build' | 'lambda-invoke' | 'approval' | 'other';
  /** CodePipeline action category: Source, Build, Test, Invoke, Approval, Deploy. */
  category: string;
  /** ActionTypeId.Provider: CodeStarSourceConnection, CodeBuild, Lambda, Manual, ... */
  provider: string;
  /** The namespace its output variables are published in (`#{Namespace.Variable}`), if declared. */
  namespace?: string;
  /** The action's Configuration as the template has it (variables unresolved; intrinsics left as objects). */
  configuration: Record<string, unknown>;
  /** CodeBuild project logical id (build actions). */
  projectLogicalId?: string;
  /** `Fn::ImportValue` name or literal of the function (Lambda invoke actions). */
  functionName?: { importValue: string } | { literal: string };
  userParameters?: string;
  inputArtifacts: string[];
  outputArtifacts: string[];
}

/** An AWS::CodeBuild::Project of the template, as a CodeBuild action runs it. */
export interface CodeBuildProject {
  logicalId: string;
  name: string;
  /** Source.BuildSpec: a path relative to CODEBUILD_SRC_DIR, or the buildspec itself (YAML with a newline). */
  buildSpec: string;
  image: string;
  timeoutInMinutes: number;
  environmentVariables: unknown[];
}

export interface PipelineDefinition {
  logicalId: string;
  /** The pipeline's Name (`glue-cd-<stage>`). */
  name: string;
  /** V2 pipeline-level variables with their defaults: the `variables` namespace. */
  variables: Record<string, string>;
  /** The CodeBuild projects of the template, by logical id. */
  projects: Record<string, CodeBuildProject>;
  /** The template's AWS::CodeBuild::ReportGroup resources with a literal Name: name → logical id. */
  reportGroups?: Record<string, string>;
  pipelineType?: string;
  executionMode?: string;
  stages: { name: string; actions: PipelineAction[] }[];
}

export class PipelineDefinitionError extends Error {
  override name = 'PipelineDefinitionError';
}

interface RawAction {
  Name?: string;
  Namespace?: string;
  RunOrder?: number;
  ActionTypeId?: { Category?: string; Provider?: string; Owner?: string };
  Configuration?: Record<string, unknown>;
  InputArtifacts?: { Name?: string }[];
  OutputArtifacts?: { Name?: string }[];
}

const kindOf = (action: RawAction): PipelineAction['kind'] => {
  const { Category, Provider } = action.ActionTypeId ?? {};
  if (Category === 'Source') return 'source';
  if (Category === 'Build' || (Category === 'Test' && Provider === 'CodeBuild')) return 'build';
  if (Category === 'Invoke' && Provider === 'Lambda') return 'lambda-invoke';
  if (Category === 'Approval') return 'approval';
  return 'other';
};

const refLogicalId = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && 'Ref' in value && typeof value.Ref === 'string'
    ? value.Ref
    : undefined;

const functionNameOf = (value: unknown): PipelineAction['functionName'] => {
  if (typeof value === 'string') return { literal: value };
  if (typeof value === 'object' && value !== null && 'Fn::ImportValue' in value) {
    const name = value['Fn::ImportValue'];
    if (typeof name === 'string') return { importValue: name };
  }
  throw new PipelineDefinitionError(
    `Lambda invoke FunctionName must be a literal or Fn::ImportValue of a literal, got ${JSON.stringify(value)}`,
  );
};

const userParametersOf = (value: unknown): string | undefined => {
  if (value === undefined || typeof value === 'string') return value;
  throw new PipelineDefinitionError(`UserParameters must be a literal JSON string, got ${JSON.stringify(value)}`);
};

/** Reads the delivery pipeline's stages and actions from its packaged CloudFormation template. */
export const readPipelineDefinition = (template: CloudFormationTemplate): PipelineDefinition => {
  const pipelines = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline');
  const [entry] = pipelines;
  if (!entry || pipelines.length > 1) {
    throw new PipelineDefinitionError(`expected exactly one AWS::CodePipeline::Pipeline, found ${pipelines.length}`);
  }
  const [logicalId, resource] = entry;
  const properties = resource.Properties ?? {};
  const rawStages = (properties.Stages ?? []) as { Name?: string; Actions?: RawAction[] }[];
  const stages = rawStages.map((stage) => {
    const stageName = stage.Name ?? '(unnamed stage)';
    const actions = (stage.Actions ?? [])
      .map((action): PipelineAction => {
        const kind = kindOf(action);
        const configuration = action.Configuration ?? {};
        const projectLogicalId = kind === 'build' ? refLogicalId(configuration.ProjectName) : undefined;
        const userParameters = userParametersOf(configuration.UserParameters);
        return {
          stage: stageName,
          name: action.Name ?? '(unnamed action)',
          runOrder: action.RunOrder ?? 1,
          kind,
          category: action.ActionTypeId?.Category ?? 'unknown',
          provider: action.ActionTypeId?.Provider ?? 'unknown',
          ...(typeof action.Namespace === 'string' ? { namespace: action.Namespace } : {}),
          configuration,
          ...(projectLogicalId !== undefined ? { projectLogicalId } : {}),
          ...(kind === 'lambda-invoke' ? { functionName: functionNameOf(configuration.FunctionName) } : {}),
          ...(userParameters !== undefined ? { userParameters } : {}),
          inputArtifacts: (action.InputArtifacts ?? []).flatMap((a) => (a.Name ? [a.Name] : [])),
          outputArtifacts: (action.OutputArtifacts ?? []).flatMap((a) => (a.Name ? [a.Name] : [])),
        };
      })
      .sort((a, b) => a.runOrder - b.runOrder);
    return { name: stageName, actions };
  });
  const variables = Object.fromEntries(
    ((properties.Variables ?? []) as { Name?: unknown; DefaultValue?: unknown }[]).flatMap((v) =>
      typeof v.Name === 'string' ? [[v.Name, typeof v.DefaultValue === 'string' ? v.DefaultValue : '']] : [],
    ),
  );
  return {
    logicalId,
    name: typeof properties.Name === 'string' ? properties.Name : logicalId,
    variables,
    projects: readCodeBuildProjects(template),
    reportGroups: Object.fromEntries(
      Object.entries(template.Resources).flatMap(([id, r]) =>
        r.Type === 'AWS::CodeBuild::ReportGroup' && typeof r.Properties?.Name === 'string'
          ? [[r.Properties.Name, id]]
          : [],
      ),
    ),
    ...(typeof properties.PipelineType === 'string' ? { pipelineType: properties.PipelineType } : {}),
    ...(typeof properties.ExecutionMode === 'string' ? { executionMode: properties.ExecutionMode } : {}),
    stages,
  };
};

const readCodeBuildProjects = (template: CloudFormationTemplate): Record<string, CodeBuildProject> =>
  Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::CodeBuild::Project')
      .map(([logicalId, resource]): [string, CodeBuildProject] => {
        const properties = resource.Properties ?? {};
        const source = (properties.Source ?? {}) as { Type?: unknown; BuildSpec?: unknown };
        const environment = (properties.Environment ?? {}) as { Image?: unknown; EnvironmentVariables?: unknown };
        if (source.Type !== 'CODEPIPELINE' || typeof source.BuildSpec !== 'string') {
          throw new PipelineDefinitionError(
            `CodeBuild project ${logicalId}: Source must be { Type: CODEPIPELINE, BuildSpec: <literal> }, got ${JSON.stringify(source)}`,
          );
        }
        return [
          logicalId,
          {
            logicalId,
            name: typeof properties.Name === 'string' ? properties.Name : logicalId,
            buildSpec: source.BuildSpec,
            image: typeof environment.Image === 'string' ? environment.Image : 'unknown',
            timeoutInMinutes: typeof properties.TimeoutInMinutes === 'number' ? properties.TimeoutInMinutes : 60,
            environmentVariables: Array.isArray(environment.EnvironmentVariables)
              ? environment.EnvironmentVariables
              : [],
          },
        ];
      }),
  );

/** Whether an action's UserParameters ask the trigger for a plan (`"action": "plan"`). */
const plansADeploy = (action: PipelineAction): boolean => {
  if (action.kind !== 'lambda-invoke' || action.userParameters === undefined) return false;
  try {
    const parameters = JSON.parse(action.userParameters) as { action?: unknown };
    return parameters.action === 'plan';
  } catch {
    return false;
  }
};

/** The pipeline's production plan: the first Lambda invoke action whose UserParameters say `"action": "plan"`. */
export const planActionOf = (definition: PipelineDefinition): PipelineAction | undefined =>
  definition.stages.flatMap((stage) => stage.actions).find(plansADeploy);

/** The CodeBuild project a CodeBuild action's ProjectName names (a Ref to the project, or its literal name). */
export const projectOf = (definition: PipelineDefinition, action: PipelineAction): CodeBuildProject => {
  const name = action.configuration.ProjectName;
  const project =
    action.projectLogicalId !== undefined
      ? definition.projects[action.projectLogicalId]
      : Object.values(definition.projects).find((p) => p.name === name);
  if (!project) {
    throw new PipelineDefinitionError(
      `${action.stage}/${action.name}: ProjectName ${JSON.stringify(name)} is no AWS::CodeBuild::Project of the template`,
    );
  }
  return project;
};
