import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os, { hostname } from 'node:os';
import path from 'node:path';
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
  /** Where packages are reused from by content hash of their inputs; default PackageCache.fromEnvironment(). */
  cache?: PackageCache | false;
}

/** The environment sls packages with: the caller's, without any AWS_* variable, plus the packaging's own. */
export const packagingEnvironment = (options: PackageServiceOptions): NodeJS.ProcessEnv => ({
  ...withoutAwsCredentials({ ...process.env, ...options.env }),
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  ...(options.deploymentBucket !== undefined ? { GLUE_CD_DEPLOYMENT_BUCKET: options.deploymentBucket } : {}),
});

// Packagings of one process by key: tests and the release ask for the same package at once.
const inFlight = new Map<string, Promise<{ output: string; cached: boolean }>>();

/**
 * `sls package --stage <stage> --package <outDir>` in a service folder, offline; or, when the content hash of its
 * inputs (packagingKey) is in the cache, a copy of the package it made then.
 */
export const packageService = async (options: PackageServiceOptions): Promise<PackagedService> => {
  const { repoRoot, serviceDir, stage, outDir } = options;
  const cwd = path.resolve(repoRoot, serviceDir);
  const env = packagingEnvironment(options);
  const args = options.extraArgs ?? [];
  const cache = options.cache === undefined ? PackageCache.fromEnvironment() : options.cache || undefined;
  const runSls = async (target: string): Promise<string> => {
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    return slsPackage(repoRoot, cwd, serviceDir, stage, target, args, env);
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
      if (!shared) {
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
): Promise<string> =>
  withFolderLock(
    path.join(cwd, '.serverless-package.lock'),
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(slsBin(repoRoot), ['package', '--stage', stage, '--package', outDir, ...args], {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
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
  );

// Packaging must never reach a real account, whatever the caller's shell has: no AWS_* variable gets through.
const withoutAwsCredentials = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('AWS_')));

/** Who holds a folder lock: written into the lock directory before it appears under its name. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Unique per lock taken: names this instance of the lock (a takeover proves it removes this one). */
  token: string;
  acquiredAt: string;
}

export class FolderLockError extends Error {
  override name = 'FolderLockError';
}

export interface FolderLockOptions {
  /** How long to wait for a holder that is alive (default 15 minutes: far more than any packaging takes). */
  timeoutMs?: number;
  pollIntervalMs?: number;
}

const OWNER_FILE = 'owner.json';
const DEFAULT_LOCK_TIMEOUT_MS = 15 * 60_000;

const isErrno = (error: unknown, ...codes: string[]): boolean =>
  codes.includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

const readOwner = async (dir: string): Promise<LockOwner | 'gone' | 'unreadable'> => {
  // A lock instance is never without its owner file; a miss while the folder exists is a swap between two reads
  // (one instance released, the next claimed), unless it repeats.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')) as Partial<LockOwner>;
      const valid =
        Number.isInteger(owner.pid) && typeof owner.host === 'string' && typeof owner.token === 'string' && owner.token;
      return valid ? (owner as LockOwner) : 'unreadable';
    } catch (error) {
      if (error instanceof SyntaxError) return 'unreadable';
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
      if (!existsSync(dir)) return 'gone';
      if (attempt === 3) return 'unreadable';
    }
  }
};

/** Gone for sure: a process of this host that no longer exists. A holder on another host may be alive. */
const ownerIsGone = (owner: LockOwner): boolean => {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return isErrno(error, 'ESRCH');
  }
};

const newOwner = (): LockOwner => ({
  pid: process.pid,
  host: hostname(),
  token: randomUUID(),
  acquiredAt: new Date().toISOString(),
});

/**
 * Creates `target` as a directory that already holds its owner file, in one rename: nobody ever sees a lock without
 * its owner. False when `target` exists; for a takeover guard also when its lock instance was just removed.
 */
const claim = async (target: string, owner: LockOwner, { guard = false } = {}): Promise<boolean> => {
  const prepared = `${target}.${owner.token}.claim`;
  try {
    await mkdir(prepared);
    await writeFile(path.join(prepared, OWNER_FILE), JSON.stringify(owner));
    await rename(prepared, target);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST', 'ENOTEMPTY') || (guard && isErrno(error, 'ENOENT'))) return false;
    throw error;
  } finally {
    await rm(prepared, { recursive: true, force: true });
  }
};

/** Removes a lock instance by renaming it aside first, so the name is free at once and never half-deleted. */
const discard = async (dir: string, token: string): Promise<void> => {
  const aside = `${dir}.${token}.released`;
  try {
    await rename(dir, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
};

/**
 * Takes over the lock instance `stale` (its owner is gone). Waiters race here: the one that claims
 * `<lock>/takeover-<token>` inside that very instance removes it; the claim is checked against the instance's token, so
 * a waiter can never remove a lock that another waiter took meanwhile. A takeover whose waiter died is taken over too.
 */
const takeOver = async (lockDir: string, stale: LockOwner): Promise<void> => {
  const guard = path.join(lockDir, `takeover-${stale.token}`);
  const me = newOwner();
  if (!(await claim(guard, me, { guard: true }))) {
    const other = await readOwner(guard);
    if (typeof other === 'object' && ownerIsGone(other)) await takeOver(guard, other);
    return;
  }
  // Tokens are unique and a lock instance never comes back: the same token means our guard is inside `stale`.
  const current = await readOwner(lockDir);
  if (typeof current === 'object' && current.token === stale.token) await discard(lockDir, me.token);
};

/**
 * A lock across processes (jest workers, a release beside the tests) held in a directory with its owner inside.
 * A waiter waits while the holder is alive, however long it has held the lock, and takes the lock over only from a
 * holder that is gone (a packaging killed midway), atomically; after `timeoutMs` it gives up naming the holder.
 */
export const withFolderLock = async <T>(
  lockDir: string,
  work: () => Promise<T>,
  options: FolderLockOptions = {},
): Promise<T> => {
  const { timeoutMs = DEFAULT_LOCK_TIMEOUT_MS, pollIntervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  const me = newOwner();
  for (;;) {
    if (await claim(lockDir, me)) break;
    const holder = await readOwner(lockDir);
    if (holder === 'gone') continue;
    if (holder === 'unreadable') {
      throw new FolderLockError(
        `${lockDir} is held but has no readable ${OWNER_FILE} (left by an older glue-cd?): remove it if no sls package runs there`,
      );
    }
    if (ownerIsGone(holder)) {
      await takeOver(lockDir, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new FolderLockError(
        `${lockDir} is still held by process ${holder.pid} on ${holder.host} (since ${holder.acquiredAt}) after ${timeoutMs} ms of waiting`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  try {
    return await work();
  } finally {
    await discard(lockDir, me.token);
  }
};
