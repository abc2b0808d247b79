import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { PackageCache, packagingEnvNames, packagingKey } from '../package-cache';
import type { CommandOutcome } from './shell-session';

/** What a stand-in sees of the build when a skip-list command comes up. */
export interface StandInContext {
  command: string;
  /** CODEBUILD_SRC_DIR. */
  sourceDir: string;
  /** The directory the command would start in (earlier commands may have changed it). */
  cwd: string;
  /** The checkout the release runs from, when there is one (its node_modules). */
  checkout?: string;
  /** Runs a command in the build's shell session (its output goes to the build log). */
  run(command: string): Promise<CommandOutcome>;
  /** Values of the session's variables by name. */
  variables(names: string[]): Promise<Record<string, string>>;
}

/** What becomes of the command: not run (why), failed (a check of the stand-in), or run as written. */
export type StandInDecision =
  | { action: 'skip'; detail: string }
  | { action: 'fail'; exitCode: number; output: string; detail: string }
  | { action: 'run'; detail?: string; after?: (outcome: CommandOutcome) => Promise<string | undefined> };

export type StandIn = (context: StandInContext) => Promise<StandInDecision>;

/** The check that stands in for what `pnpm install --frozen-lockfile` verifies: the lockfile matches every package. */
export const LOCKFILE_CHECK = 'pnpm install --frozen-lockfile --lockfile-only --offline';

const isInside = (parent: string, child: string): boolean => {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
};

/** The node_modules folders of a pnpm workspace checkout: the root's and each workspace package's (two levels). */
const nodeModulesFolders = async (checkout: string): Promise<string[]> => {
  const found = ['node_modules'];
  for (const group of await readdir(checkout, { withFileTypes: true })) {
    if (!group.isDirectory() || group.name.startsWith('.') || group.name === 'node_modules') continue;
    for (const member of await readdir(path.join(checkout, group.name), { withFileTypes: true }).catch(() => [])) {
      const candidate = path.join(group.name, member.name, 'node_modules');
      if (member.isDirectory() && (await lstat(path.join(checkout, candidate)).catch(() => undefined))?.isDirectory())
        found.push(candidate);
    }
  }
  return found;
};

/**
 * Gives the source the checkout's installed packages: for each node_modules folder of the checkout whose package is
 * in the source, a node_modules of links to the checkout's entries; workspace packages (`@glue-cd/*`) link to the
 * source's own copies, as pnpm links them, so the build reads the source's code, never the checkout's.
 */
export const linkNodeModules = async (checkout: string, sourceDir: string): Promise<number> => {
  let linked = 0;
  const source = await realpath(sourceDir);
  for (const folder of await nodeModulesFolders(checkout)) {
    const owner = path.dirname(folder);
    if (!(await lstat(path.join(sourceDir, owner)).catch(() => undefined))?.isDirectory()) continue;
    const from = path.join(checkout, folder);
    const to = path.join(sourceDir, folder);
    // Links are made inside the source folder only: a node_modules (or a folder above it) that is itself a link would
    // have them written into another tree (the checkout's own node_modules, say).
    const existing = await lstat(to).catch(() => undefined);
    const resolvedOwner = await realpath(path.join(sourceDir, owner));
    if (existing?.isSymbolicLink() || (resolvedOwner !== source && !isInside(source, resolvedOwner))) {
      throw new Error(
        `linked install: ${to} leads outside the source folder ${sourceDir}; refusing to write links into another tree`,
      );
    }
    await mkdir(to, { recursive: true });
    const names: string[] = [];
    for (const entry of await readdir(from, { withFileTypes: true })) {
      // pnpm's own state files are not packages: the source gets none (a later pnpm command starts clean).
      if (entry.name.startsWith('.') && entry.name !== '.bin' && entry.name !== '.pnpm') continue;
      if (entry.name.startsWith('@') && entry.isDirectory()) {
        await mkdir(path.join(to, entry.name), { recursive: true });
        for (const scoped of await readdir(path.join(from, entry.name))) names.push(path.join(entry.name, scoped));
      } else names.push(entry.name);
    }
    for (const name of names) {
      const source = path.join(from, name);
      const target = path.join(to, name);
      const info = await lstat(source);
      const real = info.isSymbolicLink() ? await realpath(source).catch(() => undefined) : undefined;
      const workspacePackage =
        real !== undefined && isInside(checkout, real) && !real.split(path.sep).includes('node_modules');
      if (workspacePackage) {
        await symlink(path.relative(path.dirname(target), path.join(sourceDir, path.relative(checkout, real))), target);
      } else {
        await symlink(source, target);
      }
      linked += 1;
    }
  }
  return linked;
};

const sameBytes = async (a: string, b: string): Promise<boolean> => {
  const [left, right] = await Promise.all([readFile(a).catch(() => undefined), readFile(b).catch(() => undefined)]);
  return left !== undefined && right !== undefined && left.equals(right);
};

/** The files `pnpm install --frozen-lockfile` checks the lockfile against: every manifest and workspace setting. */
const lockfileInputs = async (root: string): Promise<string[]> => {
  const files = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', '.npmrc', '.pnpmfile.cjs'];
  for (const group of await readdir(root, { withFileTypes: true })) {
    if (!group.isDirectory() || group.name.startsWith('.') || group.name === 'node_modules') continue;
    if (group.name === 'patches') {
      for (const patch of await readdir(path.join(root, group.name))) files.push(path.join(group.name, patch));
      continue;
    }
    for (const member of await readdir(path.join(root, group.name), { withFileTypes: true }).catch(() => [])) {
      if (member.isDirectory()) files.push(path.join(group.name, member.name, 'package.json'));
    }
  }
  return files;
};

/** Content hash of what the lockfile check reads, for one pnpm version. */
const lockfileCheckKey = async (root: string, pnpmVersion: string): Promise<string> => {
  const hash = createHash('sha256').update(`${LOCKFILE_CHECK}\0${pnpmVersion}\0`);
  for (const file of (await lockfileInputs(root)).sort()) {
    const content = await readFile(path.join(root, file)).catch(() => undefined);
    if (content !== undefined) hash.update(`${file}\0`).update(content).update('\0');
  }
  return hash.digest('hex');
};

/**
 * `pnpm install --frozen-lockfile`, linked: when the checkout's node_modules was installed from the same
 * pnpm-lock.yaml (pnpm's copy in node_modules/.pnpm/lock.yaml), it is linked into the source instead of installed
 * again (~10 s of CPU), after LOCKFILE_CHECK, which fails on an out-of-date lockfile as the install would (its pass
 * is remembered by content hash of the manifests, the lockfile and the pnpm version). Any other case (no checkout,
 * another lockfile) installs for real.
 */
export const linkedInstall =
  (cache: PackageCache | undefined, pnpmVersion: () => string | undefined): StandIn =>
  async (context) => {
    if (!context.checkout) return { action: 'run', detail: 'no checkout to link from: installed for real' };
    const installed = path.join(context.checkout, 'node_modules', '.pnpm', 'lock.yaml');
    if (!(await sameBytes(path.join(context.cwd, 'pnpm-lock.yaml'), installed))) {
      return { action: 'run', detail: `${installed} is not this source's pnpm-lock.yaml: installed for real` };
    }
    const version = pnpmVersion();
    const key = version && cache ? await lockfileCheckKey(context.cwd, version) : undefined;
    let checked = `${LOCKFILE_CHECK} → exit 0`;
    if (key && (await cache!.passed(key))) {
      checked = `${LOCKFILE_CHECK} passed before on these manifests and lockfile (check ${key.slice(0, 16)})`;
    } else {
      const check = await context.run(LOCKFILE_CHECK);
      if (check.exitCode !== 0) {
        return {
          action: 'fail',
          exitCode: check.exitCode,
          output: check.output,
          detail: `${LOCKFILE_CHECK} failed (exit ${check.exitCode}): the lockfile does not match the packages`,
        };
      }
      if (key) await cache!.rememberPassed(key, `${LOCKFILE_CHECK} (pnpm ${version})`);
    }
    const linked = await linkNodeModules(context.checkout, context.cwd);
    return { action: 'skip', detail: `${checked}; ${linked} packages linked from ${context.checkout}` };
  };

/** `(cd <service> && npx --no-install sls package --stage <stage> --package <dir>)`, as the Build writes it. */
export const SLS_PACKAGE_COMMAND =
  /^\(\s*cd\s+(\S+)\s*&&\s*(?:npx --no-install\s+)?sls package --stage (\S+) --package ([^\s)]+)\s*\)$/;

/**
 * A packaging reused by content hash: the key of its real inputs (packagingKey over the source, with the build's
 * values of the variables its configuration reads) names a package made before, which is copied to `--package`;
 * an unknown key runs the command as written and keeps its package.
 */
export const reusedPackage =
  (cache: PackageCache | undefined): StandIn =>
  async (context) => {
    const match = SLS_PACKAGE_COMMAND.exec(context.command.trim());
    if (!cache || !match) return { action: 'run' };
    const [, dir, stage, out] = match as unknown as [string, string, string, string];
    const serviceDir = path.resolve(context.cwd, dir);
    const outDir = path.resolve(serviceDir, out);
    const env = await context.variables([...(await packagingEnvNames(serviceDir))]);
    const key = await packagingKey({ projectRoot: context.sourceDir, serviceDir, stage, env });
    const hit = await cache.restore(key.key, outDir);
    if (hit) {
      return {
        action: 'skip',
        detail: `package ${key.key.slice(0, 16)} (${key.files} input files, stage ${stage}) from ${cache.root}`,
      };
    }
    return {
      action: 'run',
      detail: `no package ${key.key.slice(0, 16)} in ${cache.root}: packaged`,
      after: async (outcome) => {
        if (outcome.exitCode !== 0) return undefined;
        await cache.store(key.key, outDir, {
          service: key.service,
          stage,
          output: outcome.output,
          createdAt: new Date().toISOString(),
        });
        return `kept as package ${key.key.slice(0, 16)}`;
      },
    };
  };
