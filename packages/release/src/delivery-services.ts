import { ListExportsCommand } from '@aws-sdk/client-cloudformation';
import path from 'node:path';
import type { CloudClients } from './clients';
import { deployServiceStack, importsOf, type StackDeployment } from './deploy-service';
import { DELIVERY_SERVICES, startDeliveryPackagings, type DeliveryPackagingOptions } from './delivery-packagings';
import type { PackagedService } from './package-services';
import type { PhaseClock } from './phases';

export { DELIVERY_SERVICES, startDeliveryPackagings, type DeliveryPackagingOptions } from './delivery-packagings';

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
  /** Called as each stack is deployed, with its package (the release prewarms its functions then). */
  onDeployed?: (packaged: PackagedService, deployment: StackDeployment) => void,
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
      const deployment = await (clock ? clock.time(`bootstrap ${stackName}`, deploy) : deploy());
      onDeployed?.(match, deployment);
      return deployment;
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
