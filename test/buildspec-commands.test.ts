import { parseBuildspec, PHASES, type Buildspec } from '@glue-cd/release';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './e2e/harness';

// Every command line of every buildspec that runs a project CLI (`node scripts/run-ts.cjs <entry> <args>`) has its
// arguments parsed by that CLI's own parser, so a flag the CLI does not take fails here and not on CodeBuild.

const RUNNER = 'node scripts/run-ts.cjs';

/** A project CLI invocation: the entry file and the arguments as the shell passes them. */
interface Invocation {
  buildspec: string;
  command: string;
  entry: string;
  argv: string[];
}

/** The end of a simple command: the first unquoted shell operator after `from`. */
const simpleCommandEnd = (text: string, from: number): number => {
  let quote: string | undefined;
  for (let i = from; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === '\\') i += 1;
    else if (c === "'" || c === '"') quote = c;
    else if (';&|)\n'.includes(c)) return i;
  }
  return text.length;
};

const commandsOf = (buildspec: Buildspec): string[] =>
  PHASES.flatMap((phase) => [
    ...(buildspec.phases?.[phase]?.commands ?? []),
    ...(buildspec.phases?.[phase]?.finally ?? []),
  ]);

/** The CLI invocations of a buildspec, their words expanded by the shell after the buildspec's earlier exports. */
const invocations = (name: string, buildspec: Buildspec): Invocation[] => {
  const commands = commandsOf(buildspec);
  return commands.flatMap((command, index) => {
    const found: Invocation[] = [];
    for (let at = command.indexOf(RUNNER); at >= 0; at = command.indexOf(RUNNER, at + 1)) {
      const words = command.slice(at + RUNNER.length, simpleCommandEnd(command, at));
      const exports = commands.slice(0, index).filter((c) => c.startsWith('export '));
      const output = execFileSync('/bin/sh', ['-c', [...exports, `printf '%s\\0' ${words}`].join('\n')], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...buildspec.env?.variables },
        encoding: 'utf8',
      });
      const [entry, ...argv] = output.split('\0').slice(0, -1);
      found.push({ buildspec: name, command, entry: entry!, argv });
    }
    return found;
  });
};

/** Runs the entry's own argument parser (every project CLI a buildspec runs exports `parseArguments`). */
const parseWithCli = ({ entry, argv }: Invocation): unknown => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cli = require(path.join(REPO_ROOT, entry)) as { parseArguments?: (argv: string[]) => unknown };
  if (typeof cli.parseArguments !== 'function') throw new Error(`${entry} exports no parseArguments(argv)`);
  return cli.parseArguments(argv);
};

const buildspecs = readdirSync(path.join(REPO_ROOT, 'buildspecs'))
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => {
    const name = `buildspecs/${file}`;
    return [name, parseBuildspec(readFileSync(path.join(REPO_ROOT, name), 'utf8'), name)] as const;
  });
const all = buildspecs.flatMap(([name, buildspec]) => invocations(name, buildspec));

describe('buildspec command lines', () => {
  it('there are buildspecs, and they run project CLIs', () => {
    expect(buildspecs.map(([name]) => name)).toEqual(['buildspecs/build.yml', 'buildspecs/live-test.yml']);
    expect(all.map((i) => `${i.buildspec}: ${i.entry}`)).toEqual(
      expect.arrayContaining([
        'buildspecs/build.yml: scripts/upload-glue-jobs.ts',
        'buildspecs/live-test.yml: packages/live-test/src/cli.ts',
      ]),
    );
  });

  it.each(all.map((invocation) => [invocation.command, invocation]))(
    '%s: the CLI accepts its arguments',
    (_c, invocation) => {
      expect(() => parseWithCli(invocation)).not.toThrow();
    },
  );

  it('the upload lines pass the version the build exported, for each deployment bucket', () => {
    const version = execFileSync('node', ['scripts/glue-jobs-version.js'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    expect(all.filter((i) => i.entry === 'scripts/upload-glue-jobs.ts').map(parseWithCli)).toEqual([
      { buckets: ['glue-cd-deployments-test', 'glue-cd-deployments-prod'], version },
    ]);
  });

  it('a flag the CLI does not take fails here (the --backend line that broke the first AWS run)', () => {
    const broken = parseBuildspec(
      `version: 0.2\nphases:\n  build:\n    commands:\n      - ${RUNNER} packages/live-test/src/cli.ts --backend aws`,
      'broken.yml',
    );
    const [invocation] = invocations('broken.yml', broken);
    expect(invocation?.argv).toEqual(['--backend', 'aws']);
    expect(() => parseWithCli(invocation!)).toThrow("Unknown option '--backend'");
  });

  it('need only node and pnpm: no AWS CLI', () => {
    for (const [name, buildspec] of buildspecs) {
      for (const command of commandsOf(buildspec))
        expect({ name, command }).not.toEqual({ name, command: expect.stringMatching(/(^|[\s;&|(])aws\s/) });
    }
  });
});
