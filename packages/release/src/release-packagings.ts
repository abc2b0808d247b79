import path from 'node:path';
// The constants alone (not the cloud's index): this module loads before the local cloud does.
import { LOCAL_REGION } from '@glue-cd/local-cloud/src/contracts';
import type { AheadPackaging } from './codebuild/packagings-ahead';
import { DELIVERY_SERVICES, startDeliveryPackagings } from './delivery-packagings';
import { PackageCache } from './package-cache';
import { deploymentBucketFor, packageService, underwaySignal, type PackagedService } from './package-services';
import { PhaseClock } from './phases';

// What a release packages, started before the release loads the local cloud, the SDK and the pipeline's actions
// (about a second on one core, while the packagings use the other): main.ts starts them as soon as the arguments are
// read, and runRelease takes them over (ReleaseOptions.packagings). Light on purpose: no SDK, no cloud.

/**
 * The region of the cloud a release runs on, its builds' AWS_REGION: a running `pnpm cloud`'s from the caller's
 * AWS_REGION (or AWS_DEFAULT_REGION), a cloud the release starts its own.
 */
export const releaseRegion = (endpoint: string | undefined, env: NodeJS.ProcessEnv): string =>
  endpoint ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1') : LOCAL_REGION;

export interface ReleasePackagingOptions {
  repoRoot: string;
  stateDir: string;
  /** Stage of the pipeline's own services (default `local`). */
  infraStage?: string;
  /** A custom skip list: its stand-ins' cache is unknown, so the Build's packagings are not started ahead. */
  skipList?: unknown;
  sourceEdits?: Record<string, string>;
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ReleasePackagings {
  /** When the release started: the origin of its phases. */
  startedAt: Date;
  clock: PhaseClock;
  /** The stage the pipeline's own services were packaged for (ReleasePackagingOptions.infraStage). */
  stage: string;
  /** The package cache of the packagings and of the Build's stand-ins (undefined: none). */
  cache: PackageCache | undefined;
  /** The pipeline's own template (top-level serverless.yml), at normal priority: the Source waits for its stack. */
  pipeline: Promise<PackagedService>;
  /** The delivery services' packagings, at a lower priority, by service folder name. */
  delivery: Map<string, Promise<PackagedService>>;
  /** The Build's packagings started ahead (codebuild/packagings-ahead.ts). */
  ahead: Promise<AheadPackaging[]>;
  /**
   * Settles once every packaging is underway (PackageServiceOptions.onUnderway): main.ts loads the release's modules
   * only then, so that the packagings' sls processes start before, not after, that second on one core.
   */
  underway: Promise<void>;
}

/** Starts every packaging of a release (see above); each failure is the release's to report where it is awaited. */
export const startReleasePackagings = (options: ReleasePackagingOptions): ReleasePackagings => {
  const startedAt = new Date();
  const clock = new PhaseClock(startedAt.getTime());
  const stage = options.infraStage ?? 'local';
  const buildDir = path.join(options.stateDir, 'build');
  // The pipeline's own services package beside the pipeline's packaging, at a lower priority but for the longest
  // (the orchestrator's): the pipeline stack imports nothing of theirs (config/delivery-names.js), so its packaging,
  // its stack, the Source and the Build come first and the services only need to be deployed by the first Lambda
  // invoke action.
  const deliveryUnderway = new Map(DELIVERY_SERVICES.map(({ dir }) => [path.basename(dir), underwaySignal()]));
  const delivery = startDeliveryPackagings({
    repoRoot: options.repoRoot,
    buildDir,
    stage,
    clock,
    background: true,
    onUnderway: (name) => deliveryUnderway.get(name)?.onUnderway(),
  });
  const pipelineUnderway = underwaySignal();
  const pipeline = clock.time('package pipeline', () =>
    packageService({
      repoRoot: options.repoRoot,
      serviceDir: '.',
      stage,
      outDir: path.join(buildDir, 'pipeline', stage),
      deploymentBucket: deploymentBucketFor(stage),
      onUnderway: pipelineUnderway.onUnderway,
    }),
  );
  // The Build's packagings (its package-stages commands) start now from the working tree, at the services' priority:
  // the Build's stand-in takes them from the package cache, or waits for them, when their key is the one it computes
  // over its own source (codebuild/packagings-ahead.ts). Only with the default skip list, whose stand-in uses this
  // cache, and a Source that is the working tree (an edited one would not match: the work would be lost).
  const cache = options.skipList ? undefined : PackageCache.fromEnvironment();
  const edited = Object.keys(options.sourceEdits ?? {}).length > 0;
  // Loaded once the others have started (it reads buildspecs: YAML and zod).
  const ahead = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => {
      const { startBuildPackagingsAhead } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('./codebuild/packagings-ahead') as typeof import('./codebuild/packagings-ahead');
      return startBuildPackagingsAhead({
        repoRoot: options.repoRoot,
        buildDir,
        region: releaseRegion(options.endpoint, options.env ?? process.env),
        cache: edited ? undefined : cache,
        clock,
        background: true,
      });
    })
    .catch((): AheadPackaging[] => []);
  for (const work of [pipeline, ...delivery.values()]) work.catch(() => undefined);
  const underway = Promise.all([
    pipelineUnderway.underway,
    ...[...deliveryUnderway.values()].map((signal) => signal.underway),
    ahead.then((packagings) => Promise.all(packagings.map((packaging) => packaging.underway))),
  ]).then(() => undefined);
  return { startedAt, clock, stage, cache, pipeline, delivery, ahead, underway };
};
