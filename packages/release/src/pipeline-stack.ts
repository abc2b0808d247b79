import { type CloudClients, type CloudCredentials, makeCloudClients } from './clients';
import { deployServiceStack, type StackDeployment } from './deploy-service';
import type { ReleaseTarget } from './local-environment';
import type { PackagedService } from './package-services';

/** `sls deploy` of the top-level serverless.yml names its stack `<service>-<stage>`. */
export const pipelineStackName = (stage: string): string => `glue-cd-pipeline-${stage}`;

export class PipelineStackError extends Error {
  override name = 'PipelineStackError';
}

/** A role of the deployed pipeline stack and what code acting as it uses: its key, SDK clients, build environment. */
export interface ActingRole {
  roleArn: string;
  credentials: CloudCredentials;
  clients: CloudClients;
  /** AWS_ENDPOINT_URL, region and the role's key: a CodeBuild container's credentials. */
  environment: Record<string, string>;
}

/**
 * Who the pipeline's parts act as, from the deployed pipeline stack: CodePipeline as the pipeline's `RoleArn` (the
 * Source's artifact writes, the Lambda invokes and the jobs' artifact credentials), each CodeBuild project as its
 * `ServiceRole` (its source download, its commands, its artifact upload).
 */
export interface PipelineRoles {
  pipeline: ActingRole;
  /** By project name (the `ProjectName` a CodeBuild action gives). */
  projects: Record<string, ActingRole>;
  close(): void;
}

export interface PipelineStack {
  deployment: StackDeployment;
  /** The stack's `ArtifactBucketName` output: the one artifact bucket of the pipeline. */
  artifactBucket: string;
  /** Undefined when the cloud does not hand out role keys (a running `pnpm cloud`): why, for the differences. */
  roles?: PipelineRoles;
  rolesUnavailable?: string;
}

/**
 * The pipeline roles as the local CloudFormation recorded the deployed stack's resources (their properties
 * resolved): the `AWS::CodePipeline::Pipeline`'s `RoleArn`, each `AWS::CodeBuild::Project`'s `ServiceRole`.
 */
export const pipelineRolesOf = (
  resources: { logicalId: string; type: string; physicalId: string; properties: Record<string, unknown> }[],
  stackName: string,
): { pipelineRoleArn: string; projectRoleArns: Record<string, string> } => {
  const pipelines = resources.filter((r) => r.type === 'AWS::CodePipeline::Pipeline');
  if (pipelines.length !== 1) {
    throw new PipelineStackError(`${stackName} has ${pipelines.length} AWS::CodePipeline::Pipeline resources, not 1`);
  }
  const pipelineRoleArn = pipelines[0]!.properties.RoleArn;
  if (typeof pipelineRoleArn !== 'string') {
    throw new PipelineStackError(`${stackName}: the pipeline ${pipelines[0]!.logicalId} has no RoleArn`);
  }
  const projectRoleArns: Record<string, string> = {};
  for (const project of resources.filter((r) => r.type === 'AWS::CodeBuild::Project')) {
    const role = project.properties.ServiceRole;
    if (typeof role !== 'string' || !role.startsWith('arn:')) {
      throw new PipelineStackError(
        `${stackName}: CodeBuild project ${project.logicalId} has no ServiceRole ARN (${JSON.stringify(role)})`,
      );
    }
    const name = typeof project.properties.Name === 'string' ? project.properties.Name : project.physicalId;
    projectRoleArns[name] = role;
  }
  return { pipelineRoleArn, projectRoleArns };
};

/**
 * The pipeline stack from its packaged template, deployed as the operator's `sls deploy` of the top-level
 * serverless.yml does (after the orchestrator and trigger, whose exports it imports); the types the local cloud does
 * not run (the pipeline, the CodeBuild projects, the topic, …) are recorded. Deterministic: an unchanged template is
 * an empty change set.
 */
export const deployPipelineStack = async (
  target: ReleaseTarget,
  packaged: PackagedService,
  stage: string,
): Promise<PipelineStack> => {
  const stackName = pipelineStackName(stage);
  const deployment = await deployServiceStack(target.clients, packaged, stackName);
  const artifactBucket = deployment.outputs.ArtifactBucketName;
  if (!artifactBucket) throw new PipelineStackError(`${stackName} has no ArtifactBucketName output`);
  if (!target.stackResources || !target.roleKeys) {
    return {
      deployment,
      artifactBucket,
      rolesUnavailable: 'the running cloud does not hand out role keys (--endpoint)',
    };
  }
  const { pipelineRoleArn, projectRoleArns } = pipelineRolesOf(target.stackResources(stackName), stackName);
  const acting = (roleArn: string): ActingRole => {
    const { credentials, environment } = target.roleKeys!(roleArn);
    return { roleArn, credentials, environment, clients: makeCloudClients(target.connection.endpoint, credentials) };
  };
  const pipeline = acting(pipelineRoleArn);
  const projects = Object.fromEntries(Object.entries(projectRoleArns).map(([name, arn]) => [name, acting(arn)]));
  return {
    deployment,
    artifactBucket,
    roles: {
      pipeline,
      projects,
      close: () => {
        for (const role of [pipeline, ...Object.values(projects)]) {
          for (const client of Object.values(role.clients)) client.destroy();
        }
      },
    },
  };
};
