import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { PackageCache } from '../package-cache';
import {
  CFN_LINT_COMMAND,
  linkedInstall,
  LOCKFILE_CHECK,
  rememberedLint,
  PACKAGE_STAGES_COMMAND,
  reusedPackages,
  startLintAhead,
  type BuildStart,
  type StandIn,
} from './stand-ins';

/**
 * A buildspec command the local CodeBuild does not run, and why. This list is the only deviation from running the
 * buildspecs verbatim; every skip is shown in the release summary and recorded in the report.
 */
export interface SkipRule {
  /** The exact command line, or a pattern for a family of lines (a pinned version). */
  command: string | RegExp;
  /** How the report shows a pattern (`npm i -g pnpm@<version>`). */
  display?: string;
  reason: string;
  /**
   * Work that stands in for the command (codebuild/stand-ins.ts): it may still run the command as written (then it
   * is recorded like any other), fail it (a check failed), or skip it with what it did instead.
   */
  standIn?: StandIn;
  /**
   * Work started when a build begins, before its first command, for the stand-in to use (BuildStart.scratch); what it
   * started, for the build log.
   */
  atBuildStart?: (build: BuildStart) => string | undefined;
}

/** The version of the pnpm on PATH: read from its package.json next to the executable, else asked. */
const pnpmVersion = (): string | undefined => {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const bin = path.join(dir, 'pnpm');
    if (!existsSync(bin)) continue;
    try {
      const manifest = path.join(path.dirname(realpathSync(bin)), '..', 'package.json');
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (name === 'pnpm' && version) return version;
    } catch {
      // Not an npm-installed pnpm (corepack shim, a script): ask it.
    }
    break;
  }
  const result = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
};

const machinePnpm = (version = pnpmVersion()): string => (version ? `pnpm ${version}` : 'no pnpm on PATH');

/** The local release's skip list (packages/release/README.md, "What differs from AWS"). */
export const localSkipList = (options: { cache?: PackageCache | undefined } = {}): SkipRule[] => {
  const cache = 'cache' in options ? options.cache : PackageCache.fromEnvironment();
  const version = pnpmVersion();
  return [
    {
      command: /^npm (i|install) (-g|--global) pnpm@\S+$/,
      display: 'npm i -g pnpm@<version>',
      reason: `a global install would change this machine: its ${machinePnpm(version)} is used`,
    },
    {
      command: 'pnpm install --frozen-lockfile',
      reason:
        "linked, not installed: this checkout's node_modules (installed from the same pnpm-lock.yaml) is linked into " +
        `the source once \`${LOCKFILE_CHECK}\` passes (it fails on an out-of-date lockfile as the install would; a ` +
        'pass is remembered for the same manifests and lockfile); another lockfile is installed for real',
      standIn: linkedInstall(cache, () => version),
    },
    {
      command: 'pnpm test',
      reason: 'the README’s other command: typecheck, lint and every test run with `pnpm test`, not inside the release',
    },
    {
      command: /^pip3? install( --\S+)* cfn-lint(==\S+)?$/,
      display: 'pip install cfn-lint[==<version>]',
      reason: 'a pip install would change this machine: its cfn-lint is used',
    },
    {
      command: PACKAGE_STAGES_COMMAND,
      display: 'node scripts/package-stages.js <service> <stage>...',
      reason:
        "reused when unchanged: each stage's package made from the same inputs (content hash of the service, the " +
        'shared config, the workspace packages, the lockfile, the stage and the variables its configuration reads) ' +
        'is copied from the package cache (the release starts these packagings from the working tree as it begins, ' +
        'and the stand-in waits for one of the same key still running); when one is missing the command runs as written',
      standIn: reusedPackages(cache),
    },
    {
      command: CFN_LINT_COMMAND,
      display: 'cfn-lint <files>',
      reason:
        'remembered when it passed: the same cfn-lint (version and installation) on the same files, configuration ' +
        'and Python variables (content hash) passed before, so it is not linted again; new inputs lint by the same ' +
        'cfn-lint started ahead (its imports done while the build began, when the directory and environment are ' +
        'those it started with), a file at a time as each package lands: every file passing alone is the command ' +
        'passing (cfn-lint lints each template on its own), and a finding runs the command as written',
      standIn: rememberedLint(cache),
      ...(cache ? { atBuildStart: startLintAhead } : {}),
    },
  ];
};

/** The rule that skips a command, if any. */
export const skipRuleFor = (command: string, rules: SkipRule[]): SkipRule | undefined =>
  rules.find((rule) =>
    typeof rule.command === 'string' ? rule.command === command.trim() : rule.command.test(command.trim()),
  );

/** The skip list as the report records it. */
export const describeSkipList = (rules: SkipRule[]): { command: string; reason: string }[] =>
  rules.map((rule) => ({
    command: rule.display ?? (typeof rule.command === 'string' ? rule.command : `/${rule.command.source}/`),
    reason: rule.reason,
  }));
