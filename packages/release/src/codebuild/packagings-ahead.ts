import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageService, PackagingError, underwaySignal, type PackagedService } from '../package-services';
import type { PackageCache } from '../package-cache';
import type { PhaseClock } from '../phases';
import { parseBuildspec } from './buildspec';
import { imageEnvironment } from './environment';
import { PACKAGE_STAGES_COMMAND } from './stand-ins';

// The Build's `node scripts/package-stages.js <service> <stage>...` packagings, started from the working tree as the
// release starts, so that the Build's stand-in (reusedPackages) finds them in the package cache, or waits for them,
// instead of packaging once the Build reaches the command. A packaging made ahead is used only when its key (content
// hash of the inputs, with the values of the variables the configuration reads) is the one the Build computes over
// its own source and environment: a Source that differs, or a variable the build sets otherwise, packages as written.

/** Where the Build's buildspecs are read from: every one of them, since the Build's project is not known yet. */
export const BUILDSPEC_FOLDER = 'buildspecs';

export interface AheadPackaging {
  service: string;
  stage: string;
  /** Settles when the package is in the cache; a failure is the Build's to report (the command runs as written). */
  done: Promise<PackagedService | PackagingError>;
  /** Settles once the packaging is underway (PackageServiceOptions.onUnderway). */
  underway: Promise<void>;
}

/** Each (service folder, stage) a package-stages command of the working tree's buildspecs packages, once. */
export const buildspecPackagings = async (
  repoRoot: string,
): Promise<{ service: string; stage: string; variables: Record<string, string> }[]> => {
  const folder = path.join(repoRoot, BUILDSPEC_FOLDER);
  const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const found = new Map<string, { service: string; stage: string; variables: Record<string, string> }>();
  for (const file of files) {
    let buildspec;
    try {
      buildspec = parseBuildspec(await readFile(path.join(folder, file), 'utf8'), `${BUILDSPEC_FOLDER}/${file}`);
    } catch {
      continue; // The Build reports a bad buildspec; nothing to start ahead from it.
    }
    const commands = Object.values(buildspec.phases ?? {}).flatMap((phase) => phase?.commands ?? []);
    for (const command of commands) {
      const match = PACKAGE_STAGES_COMMAND.exec(command.trim());
      if (!match) continue;
      for (const stage of match[2]!.trim().split(/\s+/)) {
        const key = `${path.normalize(match[1]!)}\0${stage}`;
        if (!found.has(key)) found.set(key, { service: match[1]!, stage, variables: buildspec.env?.variables ?? {} });
      }
    }
  }
  return [...found.values()];
};

/** Starts the Build's packagings ahead (see above). `region` is the builds' AWS_REGION. */
export const startBuildPackagingsAhead = async (options: {
  repoRoot: string;
  buildDir: string;
  region: string;
  cache: PackageCache | undefined;
  env?: NodeJS.ProcessEnv;
  /** Times each as `package <service> <stage> (ahead)`. */
  clock?: PhaseClock;
  /** At a lower CPU priority (PackageServiceOptions.background). */
  background?: boolean;
}): Promise<AheadPackaging[]> => {
  if (!options.cache) return [];
  const image = imageEnvironment(options.env ?? process.env, options.repoRoot);
  return (await buildspecPackagings(options.repoRoot)).map(({ service, stage, variables }) => {
    const { onUnderway, underway } = underwaySignal();
    const work = () =>
      packageService({
        repoRoot: options.repoRoot,
        serviceDir: service,
        stage,
        outDir: path.join(options.buildDir, 'ahead', stage, path.basename(service)),
        // The build's layers this far: the image (this machine's environment) and the buildspec's env.variables.
        env: { ...image, ...variables },
        region: options.region,
        cache: options.cache!,
        ...(options.background ? { background: true } : {}),
        onUnderway,
      });
    const phase = `package ${path.basename(service)} ${stage} (ahead)`;
    return {
      service,
      stage,
      underway,
      done: (options.clock ? options.clock.time(phase, work) : work()).catch((error: unknown) =>
        error instanceof PackagingError ? error : new PackagingError(`${service} (stage ${stage}): ${String(error)}`),
      ),
    };
  });
};
