import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * What every packaging reads besides its own folder, relative to the project root (the repository, or a build's
 * CODEBUILD_SRC_DIR): the shared serverless config and IAM modules, the state machine, the scripts serverless.yml
 * files call, the Glue job files (their content version is in the Glue ETL template), the workspace packages the
 * bundles inline, and what fixes every dependency's version (lockfile, workspace settings, patches, tsconfig).
 */
export const SHARED_PACKAGING_INPUTS = [
  'config',
  'state-machines',
  'scripts',
  'glue-jobs',
  'packages',
  'patches',
  'package.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'tsconfig.json',
  'tsconfig.base.json',
  '.npmrc',
] as const;

/** Folders that never feed a packaging: installs, sls/esbuild staging, tests, VCS. */
const NOT_INPUTS = new Set(['node_modules', '.serverless', '.esbuild', '.serverless-package.lock', '.git', 'test']);

/** Bumped when what a cache entry holds, or how keys are made, changes. */
const CACHE_FORMAT = 1;

export interface PackagingKeyInput {
  /** The repository (or a build's source folder) the service lives in. */
  projectRoot: string;
  /** The service folder (absolute, or relative to projectRoot); `.` is the pipeline at the root. */
  serviceDir: string;
  stage: string;
  /** More `sls package` arguments (`--param=…`); `--package <dir>` is not an input. */
  args?: string[];
  /** The environment sls runs with: only the variables the service's configuration reads count. */
  env: NodeJS.ProcessEnv;
}

export interface PackagingKey {
  /** sha256 (hex) of everything below. */
  key: string;
  service: string;
  stage: string;
  args: string[];
  /** The variables the configuration reads (`${env:X}`, `process.env.X`), with the values sls sees. */
  env: Record<string, string>;
  /** How many files were hashed. */
  files: number;
}

const toPosix = (relative: string): string => relative.split(path.sep).join('/');

/**
 * Every file under `entry` (a file or a folder), skipping NOT_INPUTS folders; paths relative to root. Synchronous, as
 * is the hashing below: a key reads ~350 small files, and a promise per file made each key ~0.4 s of wall time on the
 * release's critical path (the packagings start once their keys are known), ~20 ms read in one go.
 */
const filesUnder = (root: string, entry: string): string[] => {
  const full = path.join(root, entry);
  const info = statSync(full, { throwIfNoEntry: false });
  if (!info) return [];
  if (!info.isDirectory()) return [toPosix(entry)];
  const found: string[] = [];
  for (const child of readdirSync(full, { withFileTypes: true })) {
    if (NOT_INPUTS.has(child.name)) continue;
    const relative = path.join(entry, child.name);
    if (child.isDirectory()) found.push(...filesUnder(root, relative));
    else if (child.isFile() || child.isSymbolicLink()) found.push(toPosix(relative));
  }
  return found;
};

/** Hex SHA-256 of text or bytes. */
export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The file's content hash, or `missing` (a dangling link, a file removed while listing). */
const fileDigest = (file: string): string => {
  try {
    return sha256(readFileSync(file));
  } catch {
    return 'missing';
  }
};

const FILE_REFERENCE = /\$\{file\(([^)]+)\)/g;
const RELATIVE_REQUIRE = /require\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const YAML_ENV = /\benv:([A-Za-z_][A-Za-z0-9_]*)/g;
const JS_ENV = /process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])/g;

/**
 * The configuration files a serverless.yml reaches: itself, every `${file(…)}` it (or a file it includes) names,
 * and the relative `require`s of the JS ones; with the environment variables they read.
 */
const configurationFiles = async (serviceDir: string): Promise<{ files: string[]; envNames: Set<string> }> => {
  const files: string[] = [];
  const envNames = new Set<string>();
  const pending = [path.join(serviceDir, 'serverless.yml')];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.includes(file) || !existsSync(file)) continue;
    files.push(file);
    const text = await readFile(file, 'utf8');
    const isJs = /\.[cm]?js$/.test(file);
    for (const match of text.matchAll(isJs ? JS_ENV : YAML_ENV)) envNames.add((match[1] ?? match[2])!);
    // `${file(…)}` paths are relative to the service folder, whichever file names them.
    if (!isJs) for (const match of text.matchAll(FILE_REFERENCE)) pending.push(path.resolve(serviceDir, match[1]!));
    if (isJs) {
      for (const match of text.matchAll(RELATIVE_REQUIRE)) {
        const target = path.resolve(path.dirname(file), match[1]!);
        pending.push(/\.[cm]?js$/.test(target) ? target : `${target}.js`);
      }
    }
  }
  return { files, envNames };
};

/** The environment variables a service's configuration reads (what a packaging key takes the values of). */
export const packagingEnvNames = async (serviceDir: string): Promise<Set<string>> =>
  (await configurationFiles(path.resolve(serviceDir))).envNames;

/**
 * The content hash of a packaging's real inputs: the service folder, the shared inputs (SHARED_PACKAGING_INPUTS),
 * any configuration file its serverless.yml reaches outside them, the stage, the extra arguments, the values of the
 * environment variables its configuration reads, and the Node major version. Equal keys, equal packages.
 */
export const packagingKey = async (input: PackagingKeyInput): Promise<PackagingKey> => {
  const projectRoot = path.resolve(input.projectRoot);
  const serviceDir = path.resolve(projectRoot, input.serviceDir);
  const service = toPosix(path.relative(projectRoot, serviceDir)) || '.';
  const { files: configFiles, envNames } = await configurationFiles(serviceDir);

  const entries = new Set<string>();
  if (service === '.') {
    // The pipeline at the root: its own files are the root's files; the folders it reads are listed or referenced.
    for (const child of await readdir(projectRoot, { withFileTypes: true })) {
      if (child.isFile()) entries.add(child.name);
    }
  } else {
    for (const file of filesUnder(projectRoot, service)) entries.add(file);
  }
  for (const shared of SHARED_PACKAGING_INPUTS) for (const file of filesUnder(projectRoot, shared)) entries.add(file);
  for (const file of configFiles) entries.add(toPosix(path.relative(projectRoot, file)));

  const manifest = createHash('sha256');
  const sorted = [...entries].sort();
  for (const file of sorted) manifest.update(`${file}\0${fileDigest(path.join(projectRoot, file))}\n`);
  const env = Object.fromEntries(
    [...envNames].sort().flatMap((name) => (input.env[name] !== undefined ? [[name, input.env[name]!] as const] : [])),
  );
  const args = input.args ?? [];
  const key = sha256(
    JSON.stringify({
      format: CACHE_FORMAT,
      node: process.versions.node.split('.')[0],
      service,
      stage: input.stage,
      args,
      env,
      files: manifest.digest('hex'),
    }),
  );
  return { key, service, stage: input.stage, args, env, files: sorted.length };
};

/** What a cache entry remembers about the packaging that filled it. */
export interface CachedPackaging {
  service: string;
  stage: string;
  /** What sls printed when it packaged. */
  output: string;
  createdAt: string;
}

const PACKAGE_DIR = 'package';
const META_FILE = 'meta.json';
/** Entries kept; the least recently used go first. */
const MAX_ENTRIES = 60;

/**
 * Packaged services by content hash of their inputs (packagingKey), outside the repository: `<dir>/packages/<key>/`
 * holds the `sls package --package` folder and its meta. Entries are written to a temp folder and renamed into
 * place, so concurrent packagers (jest workers, a release beside the tests) never see half an entry.
 */
export class PackageCache {
  readonly root: string;

  constructor(dir: string) {
    this.root = path.join(dir, 'packages');
  }

  /**
   * The cache `GLUE_CD_CACHE_DIR` names (`off` or empty: none), else `$XDG_CACHE_HOME/glue-cd` (`~/.cache/glue-cd`).
   */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): PackageCache | undefined {
    const configured = env.GLUE_CD_CACHE_DIR;
    if (configured !== undefined)
      return configured === '' || configured === 'off' ? undefined : new PackageCache(configured);
    return new PackageCache(path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'glue-cd'));
  }

  private entry(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a packaging key: ${key}`);
    return path.join(this.root, key);
  }

  /** Copies the cached package into outDir (emptied first); undefined when the key is not cached. */
  async restore(key: string, outDir: string): Promise<CachedPackaging | undefined> {
    const entry = this.entry(key);
    const meta = await readFile(path.join(entry, META_FILE), 'utf8').catch(() => undefined);
    if (meta === undefined) return undefined;
    await rm(outDir, { recursive: true, force: true });
    await mkdir(path.dirname(outDir), { recursive: true });
    await cp(path.join(entry, PACKAGE_DIR), outDir, { recursive: true });
    const now = new Date();
    await utimes(path.join(entry, META_FILE), now, now).catch(() => undefined);
    return JSON.parse(meta) as CachedPackaging;
  }

  /** Stores a packaged folder under its key (a concurrent store of the same key wins; both are equal). */
  async store(key: string, packageDir: string, meta: CachedPackaging): Promise<void> {
    const entry = this.entry(key);
    if (existsSync(path.join(entry, META_FILE))) return;
    await mkdir(this.root, { recursive: true });
    const temp = path.join(this.root, `.tmp-${randomUUID()}`);
    try {
      await cp(packageDir, path.join(temp, PACKAGE_DIR), { recursive: true });
      await writeFile(path.join(temp, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
      await rename(temp, entry).catch((error: NodeJS.ErrnoException) => {
        if (!['EEXIST', 'ENOTEMPTY'].includes(error.code ?? '')) throw error;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    await this.prune();
  }

  private check(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a check key: ${key}`);
    return path.join(path.dirname(this.root), 'checks', key);
  }

  /** Whether a check with this content hash of its inputs passed before (see rememberPassed). */
  async passed(key: string): Promise<boolean> {
    return existsSync(this.check(key));
  }

  /** Remembers that a deterministic check passed on inputs with this content hash. */
  async rememberPassed(key: string, what: string): Promise<void> {
    const file = this.check(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomUUID()}.tmp`;
    await writeFile(temp, `${what}\n`);
    await rename(temp, file);
  }

  /** Keeps the MAX_ENTRIES most recently used entries. */
  private async prune(): Promise<void> {
    const names = (await readdir(this.root).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{64}$/.test(name));
    if (names.length <= MAX_ENTRIES) return;
    const used = await Promise.all(
      names.map(async (name) => ({
        name,
        at: (await stat(path.join(this.root, name, META_FILE)).catch(() => undefined))?.mtimeMs ?? 0,
      })),
    );
    used.sort((a, b) => b.at - a.at);
    for (const { name } of used.slice(MAX_ENTRIES)) {
      await rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }
}
