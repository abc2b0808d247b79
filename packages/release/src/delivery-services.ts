import { ListExportsCommand } from '@aws-sdk/client-cloudformation';
import path from 'node:path';
import type { CloudClients } from './clients';
import { deployServiceStack, type StackDeployment } from './deploy-service';
import { deploymentBucketFor, packageService, type PackagedService } from './package-services';
import type { PhaseClock } from './phases';

/**
 * The pipeline's own services, deployed once by an operator (`sls deploy`) before the pipeline runs, in this order
 * (the trigger imports the orchestrator's state machine ARN).
 */
export const DELIVERY_SERVICES = [
  { dir: 'services/deploy-orchestrator', stackPrefix: 'glue-cd-deploy-orchestrator' },
  { dir: 'services/pipeline-trigger', stackPrefix: 'glue-cd-pipeline-trigger' },
] as const;

export { deploymentBucketFor } from './package-services';

/** The application stages whose deployment buckets the bootstrap creates (docs/pipeline.md) and the Build fills. */
export const APPLICATION_STAGES = ['test', 'prod'] as const;

export interface DeliveryServices {
  stage: string;
  deployments: StackDeployment[];
  /** What the pipeline's Lambda invoke actions import: `glue-cd-pipeline-trigger-<stage>-TriggerFunctionName`. */
  exports: Record<string, string>;
  stateMachineArn: string;
  triggerFunctionName: string;
}

export interface DeliveryPackagingOptions {
  repoRoot: string;
  buildDir: string;
  stage: string;
  /** Times each packaging as `package <service>`. */
  clock?: PhaseClock;
}

/** Each delivery service's packaging, all started at once, by service folder name (`deploy-orchestrator`, …). */
export const startDeliveryPackagings = (options: DeliveryPackagingOptions): Map<string, Promise<PackagedService>> =>
  new Map(
    DELIVERY_SERVICES.map((service) => {
      const work = () =>
        packageService({
          repoRoot: options.repoRoot,
          serviceDir: service.dir,
          stage: options.stage,
          outDir: path.join(options.buildDir, 'services', options.stage, path.basename(service.dir)),
          deploymentBucket: deploymentBucketFor(options.stage),
        });
      const name = path.basename(service.dir);
      return [name, options.clock ? options.clock.time(`package ${name}`, work) : work()];
    }),
  );

export const packageDeliveryServices = async (options: DeliveryPackagingOptions): Promise<PackagedService[]> =>
  Promise.all(startDeliveryPackagings(options).values());

/**
 * Deploys the orchestrator, then the trigger (it imports the state machine's ARN), like `sls deploy` would; given
 * packagings still running (startDeliveryPackagings), each stack waits for its own package only.
 */
export const deployDeliveryServices = async (
  clients: CloudClients,
  packaged: PackagedService[] | ReadonlyMap<string, Promise<PackagedService>>,
  stage: string,
  /** Times each stack's deploy as `bootstrap <stack>`. */
  clock?: PhaseClock,
): Promise<DeliveryServices> => {
  const deployments: StackDeployment[] = [];
  for (const service of DELIVERY_SERVICES) {
    const name = path.basename(service.dir);
    const match = Array.isArray(packaged) ? packaged.find((p) => p.service === name) : await packaged.get(name);
    if (!match) throw new Error(`${service.dir} was not packaged`);
    const stackName = `${service.stackPrefix}-${stage}`;
    const deploy = () => deployServiceStack(clients, match, stackName);
    deployments.push(await (clock ? clock.time(`bootstrap ${stackName}`, deploy) : deploy()));
  }
  const stackExports = await listExports(clients);
  const stateMachineArn = requireExport(stackExports, `glue-cd-deploy-orchestrator-${stage}-DeployStateMachineArn`);
  const triggerFunctionName = requireExport(stackExports, `glue-cd-pipeline-trigger-${stage}-TriggerFunctionName`);
  return { stage, deployments, exports: stackExports, stateMachineArn, triggerFunctionName };
};

export const listExports = async (clients: CloudClients): Promise<Record<string, string>> => {
  const exports: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudFormation.send(new ListExportsCommand({ NextToken }));
    for (const item of page.Exports ?? []) if (item.Name && item.Value !== undefined) exports[item.Name] = item.Value;
    NextToken = page.NextToken;
  } while (NextToken);
  return exports;
};

const requireExport = (exports: Record<string, string>, name: string): string => {
  const value = exports[name];
  if (value === undefined) {
    throw new Error(
      `CloudFormation export ${name} is missing; known exports: ${Object.keys(exports).join(', ') || 'none'}`,
    );
  }
  return value;
};
