import { spawnSync } from 'node:child_process';

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
}

const machinePnpm = (): string => {
  const result = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? `pnpm ${result.stdout.trim()}` : 'no pnpm on PATH';
};

/** The local release's skip list (packages/release/README.md, "What differs from AWS"). */
export const localSkipList = (): SkipRule[] => [
  {
    command: /^npm (i|install) (-g|--global) pnpm@\S+$/,
    display: 'npm i -g pnpm@<version>',
    reason: `a global install would change this machine: its ${machinePnpm()} is used`,
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
];

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
