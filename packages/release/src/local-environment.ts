import { startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { makeCloudClients, type CloudClients } from './clients';
import { PROJECT_JOB_ENGINES } from './job-engines';

/** The local cloud (every service, the project's Glue job engines) and SDK clients pointed at it. */
export interface ReleaseCloud {
  cloud: LocalCloud;
  cloudFormation: LocalCloud['cloudFormation'];
  clients: CloudClients;
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
  return {
    cloud,
    cloudFormation: cloud.cloudFormation,
    clients: makeCloudClients(cloud.endpoint),
    close: () => cloud.close(),
  };
};
