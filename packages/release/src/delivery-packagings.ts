import path from 'node:path';
import { deploymentBucketFor, packageService, type PackagedService } from './package-services';
import type { PhaseClock } from './phases';

// The delivery services and their packagings, apart from their deploy (delivery-services.ts): what a release starts
// before it loads the local cloud and the SDK (release-packagings.ts).

/**
 * The pipeline's own services, deployed once by an operator (`sls deploy`), in any order: neither imports the other's
 * exports (each finds the other's resources by name, config/delivery-names.js).
 */
export const DELIVERY_SERVICES = [
  // The longest packaging (13 bundles) and the first invoke action's last wait: it keeps the normal priority in a
  // background start (on 2 cores, 5 alternated cold releases: 21.7 s mean against 23.2 s at nice 5).
  { dir: 'services/deploy-orchestrator', stackPrefix: 'glue-cd-deploy-orchestrator', longest: true },
  { dir: 'services/pipeline-trigger', stackPrefix: 'glue-cd-pipeline-trigger', longest: false },
] as const;

export interface DeliveryPackagingOptions {
  repoRoot: string;
  buildDir: string;
  stage: string;
  /** Times each packaging as `package <service>`. */
  clock?: PhaseClock;
  /**
   * At a lower CPU priority (PackageServiceOptions.background): packagings off the release's critical path; the
   * longest one keeps the normal priority.
   */
  background?: boolean;
  /** Called with the service folder name as its packaging is underway (PackageServiceOptions.onUnderway). */
  onUnderway?: (service: string) => void;
}

/** Each delivery service's packaging, all started at once, by service folder name (`deploy-orchestrator`, …). */
export const startDeliveryPackagings = (options: DeliveryPackagingOptions): Map<string, Promise<PackagedService>> =>
  new Map(
    DELIVERY_SERVICES.map((service) => {
      const name = path.basename(service.dir);
      const work = () =>
        packageService({
          repoRoot: options.repoRoot,
          serviceDir: service.dir,
          stage: options.stage,
          outDir: path.join(options.buildDir, 'services', options.stage, path.basename(service.dir)),
          deploymentBucket: deploymentBucketFor(options.stage),
          ...(options.background && !service.longest ? { background: true } : {}),
          ...(options.onUnderway ? { onUnderway: () => options.onUnderway!(name) } : {}),
        });
      return [name, options.clock ? options.clock.time(`package ${name}`, work) : work()];
    }),
  );
