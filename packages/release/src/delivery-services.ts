import { ListExportsCommand } from '@aws-sdk/client-cloudformation';
import path from 'node:path';
import type { CloudClients } from './clients';
import { deployServiceStack, importsOf, type StackDeployment } from './deploy-service';
import { deploymentBucketFor, packageService, type PackagedService } from './package-services';
import type { PhaseClock } from './phases';

/**
 * The pipeline's own services, deployed once by an operator (`sls deploy`), in any order: neither imports the other's
 * exports (each finds the other's resources by name, config/delivery-names.js).
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
  /** The services' exports (`glue-cd-pipeline-trigger-<stage>-TriggerFunctionName`, …), as CloudFormation lists them. */
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
  /** At a lower CPU priority (PackageServiceOptions.background): packagings off the release's critical path. */
  background?: boolean;
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
          ...(options.background ? { background: true } : {}),
        });
      const name = path.basename(service.dir);
      return [name, options.clock ? options.clock.time(`package ${name}`, work) : work()];
    }),
  );

export const packageDeliveryServices = async (options: DeliveryPackagingOptions): Promise<PackagedService[]> =>
  Promise.all(startDeliveryPackagings(options).values());

/**
 * Deploys each service as soon as its own package is there (packagings may still run: startDeliveryPackagings), like
 * an operator's `sls deploy` of each. A service whose template imports another's export waits for that stack; the
 * delivery services import none of each other's (config/delivery-names.js), so their stacks deploy side by side.
 */
export const deployDeliveryServices = async (
  clients: CloudClients,
  packaged: PackagedService[] | ReadonlyMap<string, Promise<PackagedService>>,
  stage: string,
  /** Times each stack's deploy as `bootstrap <stack>`. */
  clock?: PhaseClock,
): Promise<DeliveryServices> => {
  const stacks: { stackName: string; deployed: Promise<StackDeployment> }[] = [];
  for (const service of DELIVERY_SERVICES) {
    const name = path.basename(service.dir);
    const stackName = `${service.stackPrefix}-${stage}`;
    const earlier = [...stacks];
    const deployed = (async () => {
      const match = Array.isArray(packaged) ? packaged.find((p) => p.service === name) : await packaged.get(name);
      if (!match) throw new Error(`${service.dir} was not packaged`);
      const imports = importsOf(match.template);
      const exporters = earlier.filter((other) => imports.some((i) => i.startsWith(`${other.stackName}-`)));
      await Promise.all(exporters.map((other) => other.deployed));
      const deploy = () => deployServiceStack(clients, match, stackName);
      return clock ? clock.time(`bootstrap ${stackName}`, deploy) : deploy();
    })();
    stacks.push({ stackName, deployed });
  }
  const deployments = await Promise.all(stacks.map((stack) => stack.deployed));
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
