import { createCloudFormationService, startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { makeCloudClients, type CloudClients } from './clients';

/** The local cloud with its CloudFormation engine registered, and SDK clients pointed at it. */
export interface ReleaseCloud {
  cloud: LocalCloud;
  cloudFormation: ReturnType<typeof createCloudFormationService>['engine'];
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
    ...(options.waitScale !== undefined ? { waitScale: options.waitScale } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const cloudFormation = createCloudFormationService({
    stateDir: options.stateDir,
    objects: cloud.objects,
    functions: cloud.functions,
    stateMachines: cloud.stateMachines,
    log: cloud.log,
  });
  cloud.registerService('cloudformation', cloudFormation.handle);
  return {
    cloud,
    cloudFormation: cloudFormation.engine,
    clients: makeCloudClients(cloud.endpoint),
    close: async () => {
      await cloudFormation.engine.waitForIdle();
      await cloud.close();
    },
  };
};
