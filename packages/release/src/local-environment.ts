import { startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { type CloudCredentials, makeCloudClients, type CloudClients } from './clients';
import { PROJECT_JOB_ENGINES } from './job-engines';

/** The local cloud (every service, the project's Glue job engines) and SDK clients pointed at it. */
export interface ReleaseCloud {
  cloud: LocalCloud;
  cloudFormation: LocalCloud['cloudFormation'];
  /** Clients signed with the operator's key (the account root), as an operator's `sls deploy` is. */
  clients: CloudClients;
  /**
   * The artifact credentials CodePipeline hands its job workers. On AWS: a session of the pipeline's role; locally the
   * operator's key, because the pipeline stack itself (PipelineRole) is not deployed into the local cloud.
   */
  artifactCredentials: CloudCredentials;
  close(): Promise<void>;
}

export const startReleaseCloud = async (options: {
  stateDir: string;
  port?: number;
  waitScale?: number;
  log?: (line: string) => void;
}): Promise<ReleaseCloud> => {
  const cloud = await startLocalCloud({
    stateDir: options.stateDir,
    port: options.port ?? 0,
    jobEngines: PROJECT_JOB_ENGINES,
    ...(options.waitScale !== undefined ? { waitScale: options.waitScale } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const environment = cloud.environment();
  const operator = { accessKeyId: environment.AWS_ACCESS_KEY_ID!, secretAccessKey: environment.AWS_SECRET_ACCESS_KEY! };
  return {
    cloud,
    cloudFormation: cloud.cloudFormation,
    clients: makeCloudClients(cloud.endpoint, operator),
    artifactCredentials: operator,
    close: () => cloud.close(),
  };
};
