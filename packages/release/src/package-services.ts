import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// The lock module alone (not the package index): lock holders are bundled small, without the cloud's DuckDB.
import { type FolderLockOptions, withFolderLock as withLocalFolderLock } from '@glue-cd/local-cloud/src/folder-lock';
import { PackageCache, packagingKey, type PackagingKey } from './package-cache';

/** A service packaged by `sls package`: the CloudFormation template and the artefacts next to it. */
export interface PackagedService {
  service: string;
  stage: string;
  dir: string;
  template: CloudFormationTemplate;
  artifacts: string[];
  /** What sls printed (when the package came from the cache: what it printed then). */
  output: string;
  /** The content hash of the packaging's inputs (packagingKey), when a cache was used. */
  key?: string;
  /** Whether the package was copied from the cache instead of packaged again. */
  cached: boolean;
}

export interface CloudFormationTemplate {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export class PackagingError extends Error {
  override name = 'PackagingError';
}

const slsBin = (repoRoot: string): string => path.join(repoRoot, 'node_modules', '.bin', 'sls');

/**
 * sls's NODE_OPTIONS: the caller's, preloading scripts/code-cache.cjs (a V8 code cache for the modules sls loads,
 * ~0.4 CPU-s of each packaging; it changes no output). Set at the spawn: it is no input of the packaging key.
 */
const slsNodeOptions = (repoRoot: string, nodeOptions = ''): string =>
  `${nodeOptions} --require ${JSON.stringify(path.join(repoRoot, 'scripts', 'code-cache.cjs'))}`.trim();

export interface PackageServiceOptions {
  repoRoot: string;
  serviceDir: string;
  stage: string;
  /** Where the package goes (emptied first). */
  outDir: string;
  /** GLUE_CD_DEPLOYMENT_BUCKET for the packaging; unset, the services' default per stage applies. */
  deploymentBucket?: string;
  /** More `sls package` arguments, e.g. `--param=repository=org/repo`. */
  extraArgs?: string[];
  /** More environment for sls (never AWS credentials: they are removed). */
  env?: Record<string, string>;
  /** AWS_REGION for sls (not a credential): a packaging made for a build has the build's region. */
  region?: string;
  /** Where packages are reused from by content hash of their inputs; default PackageCache.fromEnvironment(). */
  cache?: PackageCache | false;
  /**
   * Work off the critical path: sls runs at a lower CPU priority (nice BACKGROUND_NICENESS, its esbuild too), so
   * work that waits on nothing else gets the cores first. The package is the same.
   */
  background?: boolean;
  /**
   * Called once the packaging needs no more of this process's time to get going: sls started (or waiting for another
   * packaging of its folder to end), the package found in the cache or being made by the same packaging in flight, or
   * a failure. A release loads its own modules only then: that second of loading blocks the event loop.
   */
  onUnderway?: () => void;
}

/**
 * How much lower a background packaging's priority is (a nice value: 0 normal, 19 lowest). 5, not 10: measured on 2
 * cores, at 10 the orchestrator's packaging ended 1-3 s after the Build and the first invoke action waited for it.
 */
export const BACKGROUND_NICENESS = 5;

/** The deployment bucket of a stage's packages (GLUE_CD_DEPLOYMENT_BUCKET). */
export const deploymentBucketFor = (stage: string): string => `glue-cd-deployments-${stage}`;

/** The environment sls packages with: the caller's, without any AWS_* variable, plus the packaging's own. */
export const packagingEnvironment = (options: PackageServiceOptions): NodeJS.ProcessEnv => ({
  ...withoutAwsCredentials({ ...process.env, ...options.env }),
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  ...(options.deploymentBucket !== undefined ? { GLUE_CD_DEPLOYMENT_BUCKET: options.deploymentBucket } : {}),
  ...(options.region !== undefined ? { AWS_REGION: options.region } : {}),
});

// Packagings of one process by key: tests and the release ask for the same package at once.
const inFlight = new Map<string, Promise<{ output: string; cached: boolean }>>();

/** An onUnderway callback (PackageServiceOptions) and the promise it settles. */
export const underwaySignal = (): { onUnderway: () => void; underway: Promise<void> } => {
  let onUnderway!: () => void;
  const underway = new Promise<void>((resolve) => (onUnderway = resolve));
  return { onUnderway, underway };
};

/**
 * The packaging of this key running in this process, if any (settles once its package is in the cache, or failed):
 * the Build's package-stages stand-in waits for one the release started ahead instead of packaging again.
 */
export const packagingInFlight = (key: string): Promise<unknown> | undefined => inFlight.get(key);

/**
 * `sls package --stage <stage> --package <outDir>` in a service folder, offline; or, when the content hash of its
 * inputs (packagingKey) is in the cache, a copy of the package it made then.
 */
export const packageService = async (options: PackageServiceOptions): Promise<PackagedService> => {
  let underway = options.onUnderway;
  const nowUnderway = () => {
    underway?.();
    underway = undefined;
  };
  try {
    return await packageServiceUnderway(options, nowUnderway);
  } finally {
    nowUnderway();
  }
};

const packageServiceUnderway = async (
  options: PackageServiceOptions,
  nowUnderway: () => void,
): Promise<PackagedService> => {
  const { repoRoot, serviceDir, stage, outDir } = options;
  const cwd = path.resolve(repoRoot, serviceDir);
  const env = packagingEnvironment(options);
  const args = options.extraArgs ?? [];
  const cache = options.cache === undefined ? PackageCache.fromEnvironment() : options.cache || undefined;
  const runSls = async (target: string): Promise<string> => {
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    return slsPackage(repoRoot, cwd, serviceDir, stage, target, args, env, options.background ?? false, nowUnderway);
  };

  let key: PackagingKey | undefined;
  let result: { output: string; cached: boolean };
  if (!cache) {
    result = { output: await runSls(outDir), cached: false };
  } else {
    key = await packagingKey({ projectRoot: repoRoot, serviceDir: cwd, stage, args, env });
    const hit = await cache.restore(key.key, outDir);
    if (hit) {
      result = { output: hit.output, cached: true };
    } else {
      const id = key.key;
      let shared = inFlight.get(id);
      if (shared) nowUnderway();
      else {
        shared = (async () => {
          const staging = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-package-'));
          try {
            const output = await runSls(staging);
            await cache.store(id, staging, {
              service: key!.service,
              stage,
              output,
              createdAt: new Date().toISOString(),
            });
            return { output, cached: false };
          } finally {
            await rm(staging, { recursive: true, force: true });
          }
        })();
        inFlight.set(id, shared);
        shared.finally(() => inFlight.delete(id)).catch(() => undefined);
      }
      result = await shared;
      if (!(await cache.restore(id, outDir)))
        throw new PackagingError(`${serviceDir}: the package of ${id} vanished from ${cache.root}`);
    }
  }
  const template = JSON.parse(
    await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CloudFormationTemplate;
  const artifacts = (await readdir(outDir)).filter((name) => name.endsWith('.zip')).sort();
  return {
    service: path.basename(cwd),
    stage,
    dir: outDir,
    template,
    artifacts,
    output: result.output,
    cached: result.cached,
    ...(key ? { key: key.key } : {}),
  };
};

/** Runs sls itself; sls stages every packaging in <service>/.serverless, even with --package: one per folder. */
const slsPackage = (
  repoRoot: string,
  cwd: string,
  serviceDir: string,
  stage: string,
  outDir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  background: boolean,
  started: () => void,
): Promise<string> =>
  withFolderLock(
    path.join(cwd, '.serverless-package.lock'),
    () =>
      new Promise<string>((resolve, reject) => {
        const sls = [slsBin(repoRoot), 'package', '--stage', stage, '--package', outDir, ...args];
        // `nice` starts sls (every thread of it, and the esbuild it starts) at the lower priority; Windows has none.
        const [command, ...commandArgs] =
          background && process.platform !== 'win32' ? ['nice', '-n', String(BACKGROUND_NICENESS), ...sls] : sls;
        const child = spawn(command!, commandArgs, {
          cwd,
          env: { ...env, NODE_OPTIONS: slsNodeOptions(repoRoot, env.NODE_OPTIONS) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        started();
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0
            ? resolve(text)
            : reject(
                new PackagingError(`sls package failed in ${serviceDir} (stage ${stage}, exit ${code}):\n${text}`),
              ),
        );
      }),
    { onWait: started },
  );

// Packaging must never reach a real account, whatever the caller's shell has: no AWS_* variable gets through.
const withoutAwsCredentials = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('AWS_')));

export { FolderLockError, type FolderLockOptions, type LockOwner } from '@glue-cd/local-cloud/src/folder-lock';

/** The folder lock around `sls package` (one packaging per service folder across processes). */
export const withFolderLock = <T>(
  lockDir: string,
  work: () => Promise<T>,
  options: FolderLockOptions = {},
): Promise<T> => withLocalFolderLock(lockDir, work, { what: 'sls package', ...options });
