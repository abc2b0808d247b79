import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { PackageCache, packagingEnvNames, packagingKey, sha256 } from '../package-cache';
import { packagingInFlight } from '../package-services';
import { startCfnLintAhead, type CfnLintAhead } from './cfn-lint-ahead';
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
  /** The environment a command run now would get. */
  environment?(): Promise<Record<string, string>>;
  /** What a skip rule started for this build (BuildStart.scratch). */
  scratch?: BuildScratch;
}

/** Work a skip rule started for one build (a process started ahead), by name; the build closes each at its end. */
export type BuildScratch = Map<string, { close(): void }>;

/** What a skip rule sees when the build starts (SkipRule.atBuildStart): before its first command. */
export interface BuildStart {
  /** Every command of the buildspec, in order. */
  commands: string[];
  /** CODEBUILD_SRC_DIR, where the first command starts. */
  sourceDir: string;
  /** The environment the build's shell starts with. */
  env: Record<string, string>;
  scratch: BuildScratch;
}

/** What becomes of the command: not run (why), failed (a check of the stand-in), or run as written. */
export type StandInDecision =
  | { action: 'skip'; detail: string }
  | { action: 'fail'; exitCode: number; output: string; detail: string }
  | {
      action: 'run';
      detail?: string;
      after?: (outcome: CommandOutcome) => Promise<string | undefined>;
      /** Runs the command another way with the same outcome (cfn-lint started ahead), instead of in the shell. */
      instead?: (log: (text: string) => void, signal: AbortSignal) => Promise<CommandOutcome>;
    };

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

/** `node scripts/package-stages.js <service> <stage>...`, as the Build writes it: each stage into packaged/<stage>/<name>. */
export const PACKAGE_STAGES_COMMAND = /^node scripts\/package-stages\.js\s+(\S+)((?:\s+[A-Za-z0-9-]+)+)\s*$/;

/** What scripts/package-stages.js printed for one stage (its `--- sls package --stage <stage> …` section). */
export const stageSection = (output: string, stage: string): string => {
  const sections = output.split(/^(?=--- sls package --stage )/m);
  return sections.find((section) => section.startsWith(`--- sls package --stage ${stage} `)) ?? output;
};

/**
 * Packagings reused by content hash: for each stage, the key of its real inputs (packagingKey over the source, with
 * the build's values of the variables its configuration reads) names a package made before, which is copied to
 * packaged/<stage>/<service folder name>. When every stage's package is there the command is not run; otherwise it
 * runs as written (every stage, side by side) and each stage's package is kept.
 */
export const reusedPackages =
  (cache: PackageCache | undefined): StandIn =>
  async (context) => {
    const match = PACKAGE_STAGES_COMMAND.exec(context.command.trim());
    if (!cache || !match) return { action: 'run' };
    const [, dir, stageWords] = match as unknown as [string, string, string];
    const serviceDir = path.resolve(context.cwd, dir);
    const names = await packagingEnvNames(serviceDir);
    const env = await context.variables([...names]);
    const stages = await Promise.all(
      stageWords
        .trim()
        .split(/\s+/)
        .map(async (stage) => ({
          stage,
          outDir: path.resolve(context.cwd, 'packaged', stage, path.basename(serviceDir)),
          key: await packagingKey({ projectRoot: context.sourceDir, serviceDir, stage, env }),
        })),
    );
    // A packaging of the same key still running in this process (the release's, started ahead: packagings-ahead.ts)
    // is waited for; whatever it ends with, the cache decides. Each stage is restored as soon as its own packaging
    // is done, and announced to the build's cfn-lint started ahead, which lints its template meanwhile.
    const ahead = stages.map(({ key }) => packagingInFlight(key.key));
    const waitStarted = Date.now();
    const restored = await Promise.all(
      stages.map(async ({ key, outDir }, index) => {
        await ahead[index]?.catch(() => undefined);
        const done = await cache.restore(key.key, outDir);
        if (done) void announceLintInputs(context.scratch, outDir);
        return done;
      }),
    );
    const waited = ahead.some(Boolean)
      ? ` (waited ${((Date.now() - waitStarted) / 1000).toFixed(1)} s for its packaging started ahead)`
      : '';
    const describe = ({ stage, key }: (typeof stages)[number]) =>
      `package ${key.key.slice(0, 16)} (${key.files} input files, stage ${stage})`;
    if (restored.every(Boolean)) {
      return { action: 'skip', detail: `${stages.map(describe).join(', ')} from ${cache.root}${waited}` };
    }
    const missing = stages.filter((_, i) => !restored[i]);
    return {
      action: 'run',
      detail: `no ${missing.map(describe).join(', ')} in ${cache.root}: packaged`,
      after: async (outcome) => {
        if (outcome.exitCode !== 0) return undefined;
        for (const { stage, key, outDir } of stages) {
          await cache.store(key.key, outDir, {
            service: key.service,
            stage,
            output: stageSection(outcome.output, stage),
            createdAt: new Date().toISOString(),
          });
        }
        return `kept as ${stages.map(({ stage, key }) => `package ${key.key.slice(0, 16)} (${stage})`).join(', ')}`;
      },
    };
  };

/** A cfn-lint command line of plain words (no quoting, expansion or redirection): the files it reads are its words. */
export const CFN_LINT_COMMAND = /^cfn-lint(\s+[\w./@=:,+-]+)*\s*$/;

// cfn-lint reads its configuration from these files in the working directory (and the home folder).
const CFN_LINT_CONFIG_FILES = ['.cfnlintrc', '.cfnlintrc.yaml', '.cfnlintrc.yml', '.cfnlintrc.json'];
// The variables that find cfn-lint (then identified), and those that decide which Python and imports it runs with.
const CFN_LINT_LOOKUP_ENV = ['PATH', 'HOME'];
const CFN_LINT_PYTHON_ENV = ['PYENV_ROOT', 'PYENV_VERSION', 'VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME'];
const PYTHON_SHEBANG = /^#!\s*(\S*python[\d.]*)\s*$/;

// Not spawnSync: the release's thread also serves the local cloud while the Build runs.
const spawnText = (
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<string | undefined> =>
  new Promise((resolve) => {
    execFile(file, args, { cwd, env, encoding: 'utf8', timeout: 30_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim()),
    );
  });

/**
 * Which cfn-lint the command would run: the executable on the build's PATH (through a pyenv shim to the real script),
 * its Python, and the cfn-lint distribution that Python imports (version and location). Asking the Python costs a
 * bare interpreter start, not cfn-lint's own (its import alone takes seconds).
 */
export const cfnLintIdentity = async (cwd: string, env: Record<string, string>): Promise<string | undefined> => {
  const found = await cfnLintInstallation(cwd, env);
  return found && identityOf(found);
};

interface CfnLintInstallation {
  script: string;
  python: string;
  distribution: string;
}

const identityOf = (found: CfnLintInstallation): string => `${found.script}\0${found.python}\0${found.distribution}`;

/** cfnLintIdentity's parts: the script, its Python, and `<version> <location>` of the distribution it imports. */
const cfnLintInstallation = async (
  cwd: string,
  env: Record<string, string>,
): Promise<CfnLintInstallation | undefined> => {
  const onPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.resolve(cwd, dir, 'cfn-lint'))
    .find((file) => existsSync(file));
  if (!onPath) return undefined;
  let script = await realpath(onPath);
  let head = (await readFile(script, 'utf8').catch(() => '')).slice(0, 2048);
  if (/libexec\/pyenv"? exec/.test(head)) {
    const resolved = await spawnText('pyenv', ['which', 'cfn-lint'], cwd, env);
    if (!resolved) return undefined;
    script = await realpath(resolved);
    head = (await readFile(script, 'utf8').catch(() => '')).slice(0, 2048);
  }
  const python = PYTHON_SHEBANG.exec(head.split('\n')[0] ?? '')?.[1];
  if (!python) return undefined;
  const found = await spawnText(
    python,
    ['-c', "import importlib.metadata as m; d = m.distribution('cfn-lint'); print(d.version, d.locate_file(''))"],
    cwd,
    env,
  );
  return found ? { script, python, distribution: found } : undefined;
};

/**
 * `cfn-lint <files>`, remembered: a pass (exit 0, nothing reported) is kept by content hash of the command line,
 * every file it names, the cfn-lint configuration files, the variables that choose the Python, and the cfn-lint
 * identity (cfnLintIdentity); the same inputs again are not linted again. A finding, a new input, an argument that
 * is no file, or a cfn-lint that cannot be identified runs the command as written.
 */
export const rememberedLint =
  (cache: PackageCache | undefined): StandIn =>
  async (context) => {
    const command = context.command.trim();
    if (!cache || !CFN_LINT_COMMAND.test(command)) return { action: 'run' };
    const env = await context.variables([...CFN_LINT_LOOKUP_ENV, ...CFN_LINT_PYTHON_ENV]);
    const identity = await cfnLintIdentity(context.cwd, env);
    if (!identity) return { action: 'run', detail: 'cfn-lint could not be identified: linted' };
    const hash = createHash('sha256').update(`cfn-lint\0${identity}\0${command}\0`);
    // Not PATH itself, nor absolute paths: each build's source is a new temp folder.
    for (const name of CFN_LINT_PYTHON_ENV) hash.update(`${name}=${env[name] ?? ''}\0`);
    const home = env.HOME;
    const configs: [string, string][] = [
      ...CFN_LINT_CONFIG_FILES.map((name): [string, string] => [name, path.join(context.cwd, name)]),
      ...(home ? CFN_LINT_CONFIG_FILES.map((name): [string, string] => [`~/${name}`, path.join(home, name)]) : []),
    ];
    for (const [name, file] of configs) {
      const content = await readFile(file).catch(() => undefined);
      hash
        .update(`${name}\0`)
        .update(content ?? '(none)')
        .update('\0');
    }
    const words = command.split(/\s+/).slice(1);
    for (const word of words.filter((w) => !w.startsWith('-'))) {
      const file = path.resolve(context.cwd, word);
      const info = await lstat(file).catch(() => undefined);
      // A folder, a glob or a missing file: what cfn-lint would read is not known here.
      if (!info?.isFile()) return { action: 'run', detail: `${word} is not a file: linted` };
      hash
        .update(`${word}\0`)
        .update(await readFile(file))
        .update('\0');
    }
    const key = hash.digest('hex');
    const version = identity.split('\0')[2]?.split(' ')[0] ?? '';
    if (await cache.passed(key)) {
      // Nothing left to lint: a cfn-lint started ahead stops now (its imports are CPU), not when the build ends.
      context.scratch?.get(AHEAD)?.close();
      context.scratch?.delete(AHEAD);
      return {
        action: 'skip',
        detail: `cfn-lint ${version} passed before on these files and configuration (check ${key.slice(0, 16)})`,
      };
    }
    const ahead = await aheadFor(context, identity);
    const alone = ahead && (await passedFileByFile(ahead.entry, command, context.cwd));
    if (alone) {
      ahead.lint.close();
      await cache.rememberPassed(key, `cfn-lint ${version}: ${command}`);
      return {
        action: 'skip',
        detail: `each file passed cfn-lint ${version} alone, linted by the cfn-lint started ahead as its package landed or now (${alone}); cfn-lint lints each template on its own, so the command passes: pass remembered (check ${key.slice(0, 16)})`,
      };
    }
    return {
      action: 'run',
      detail: `no cfn-lint ${version} pass on these files (check ${key.slice(0, 16)}): linted${
        ahead
          ? ' by the cfn-lint started ahead (imported while the build began; same installation, directory and environment)'
          : ''
      }`,
      ...(ahead ? { instead: (log, signal) => ahead.lint.run(words, ahead.env, log, signal) } : {}),
      after: async (outcome) => {
        if (outcome.exitCode !== 0) return undefined;
        await cache.rememberPassed(key, `cfn-lint ${version}: ${command}`);
        return `cfn-lint pass remembered (check ${key.slice(0, 16)})`;
      },
    };
  };

/**
 * Whether every file of the command passed alone (exit 0, nothing printed) as it is now: then the command passes,
 * as cfn-lint lints each template on its own and prints nothing for one that passes. The files, listed; undefined
 * when one did not pass, changed since, or could not be linted alone (the command then runs as written).
 */
const passedFileByFile = async (entry: AheadEntry, command: string, cwd: string): Promise<string | undefined> => {
  const files = lintFiles(command);
  if (!files || files.length === 0) return undefined;
  const lints = await Promise.all(files.map((word) => entry.lintAlone(word)));
  for (const [index, word] of files.entries()) {
    const lint = lints[index];
    if (!lint || lint.outcome.exitCode !== 0 || lint.outcome.output.trim() !== '') return undefined;
    const content = await readFile(path.resolve(cwd, word)).catch(() => undefined);
    if (!content || sha256(content) !== lint.hash) return undefined;
  }
  return files.join(', ');
};

const AHEAD = 'cfn-lint-ahead';
// Variables the shell itself sets for each command: not part of what the build chose.
const SHELL_VARIABLES = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);

interface AheadEntry {
  identity: Promise<string | undefined>;
  ahead: Promise<CfnLintAhead | undefined>;
  close(): void;
  /**
   * Files under `dir` are complete (a package restored there): each the cfn-lint command names is linted alone now.
   * Settles when those lints have.
   */
  announce(dir: string): Promise<void>;
  /** The lint of one file of the command (its word) alone, started now unless a package brought it already. */
  lintAlone(word: string): Promise<LintAlone | undefined>;
}

/** A file of the lint command linted on its own: its content's hash and the outcome. */
interface LintAlone {
  hash: string;
  outcome: CommandOutcome;
}

/** The lint command's files when it can be linted a file at a time: only `--` besides them (no option). */
const lintFiles = (command: string): string[] | undefined => {
  const words = command.trim().split(/\s+/).slice(1);
  return words.every((word) => word === '--' || !word.startsWith('-'))
    ? words.filter((word) => word !== '--')
    : undefined;
};

/**
 * Announces to the build's cfn-lint started ahead (if any) that the files under `dir` are complete; settles when the
 * lints that started have (nobody needs to wait: the cfn-lint command does).
 */
export const announceLintInputs = async (scratch: BuildScratch | undefined, dir: string): Promise<void> =>
  (scratch?.get(AHEAD) as AheadEntry | undefined)?.announce(dir);

const sameEnvironment = (a: Record<string, string>, b: Readonly<Record<string, string>>): boolean => {
  const chosen = (env: Readonly<Record<string, string>>) =>
    Object.entries(env)
      .filter(([name]) => !SHELL_VARIABLES.has(name))
      .sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(chosen(a)) === JSON.stringify(chosen(b));
};

/** The cfn-lint started ahead for this build, if it is the command's cfn-lint, directory and environment. */
const aheadFor = async (
  context: StandInContext,
  identity: string,
): Promise<{ lint: CfnLintAhead; env: Record<string, string>; entry: AheadEntry } | undefined> => {
  const entry = context.scratch?.get(AHEAD) as AheadEntry | undefined;
  if (!entry || !context.environment) return undefined;
  context.scratch!.delete(AHEAD);
  const [started, ahead, env] = await Promise.all([entry.identity, entry.ahead, context.environment()]);
  if (ahead && started === identity && ahead.cwd === context.cwd && sameEnvironment(env, ahead.env)) {
    return { lint: ahead, env, entry };
  }
  entry.close();
  return undefined;
};

/**
 * SkipRule.atBuildStart of the cfn-lint rule: a build with a cfn-lint command starts that cfn-lint ahead
 * (cfn-lint-ahead.ts), so its imports are done by the time the command comes (rememberedLint hands it the command
 * when nothing changed in between; unused, it is stopped when the build ends).
 */
export const startLintAhead = (build: BuildStart): string | undefined => {
  const command = build.commands.find((line) => CFN_LINT_COMMAND.test(line.trim()));
  if (command === undefined) return undefined;
  const installation = cfnLintInstallation(build.sourceDir, build.env);
  let started: CfnLintAhead | undefined;
  let closed = false;
  const ahead = installation.then((found) => {
    if (!found || closed) return undefined;
    started = startCfnLintAhead(found.python, found.script, build.sourceDir, build.env);
    return started;
  });
  const files = lintFiles(command) ?? [];
  const alone = new Map<string, Promise<LintAlone | undefined>>();
  const lintAlone = (word: string): Promise<LintAlone | undefined> => {
    let lint = alone.get(word);
    if (!lint) {
      lint = (async () => {
        const content = await readFile(path.resolve(build.sourceDir, word)).catch(() => undefined);
        const linter = await ahead;
        const outcome = content && (await linter?.probe(['--', word]));
        return outcome && { hash: sha256(content), outcome };
      })();
      alone.set(word, lint);
    }
    return lint;
  };
  const entry: AheadEntry = {
    identity: installation.then((found) => found && identityOf(found)),
    ahead,
    close: () => {
      closed = true;
      started?.close();
    },
    announce: async (dir) => {
      const lints = files
        .filter((word) => {
          const file = path.resolve(build.sourceDir, word);
          return isInside(dir, file) && existsSync(file);
        })
        .map((word) => lintAlone(word));
      await Promise.all(lints);
    },
    lintAlone,
  };
  build.scratch.set(AHEAD, entry);
  return 'cfn-lint started ahead, importing while the first commands run (it answers the cfn-lint command if the directory and environment are still those of now)';
};
