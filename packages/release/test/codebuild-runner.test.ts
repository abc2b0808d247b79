import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseBuildspec, runBuild, type BuildResult, type SkipRule } from '../src';

// The local CodeBuild's semantics, table first: each case is a small buildspec run in a temp CODEBUILD_SRC_DIR.

let dirs: string[] = [];
const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

interface Run extends BuildResult {
  log: string;
  sourceDir: string;
}

const build = async (
  yaml: string,
  options: { environment?: Record<string, string>; skipList?: SkipRule[]; timeoutMs?: number } = {},
): Promise<Run> => {
  const sourceDir = await tempDir('glue-cd-src-');
  let log = '';
  const result = await runBuild({
    buildspec: parseBuildspec(yaml, 'fixture.yml'),
    sourceDir,
    environment: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.environment },
    skipList: options.skipList ?? [],
    timeoutMs: options.timeoutMs ?? 30_000,
    workDir: await tempDir('glue-cd-session-'),
    log: (text) => (log += text),
    nodeVersion: 'v20.20.2',
  });
  return { ...result, log, sourceDir };
};

/** `phase:command=exitCode|status` per command, the shape the table below asserts. */
const trace = (result: BuildResult): string[] =>
  result.commands.map(
    (c) => `${c.phase}${c.block === 'finally' ? '/finally' : ''}:${c.command}=${c.exitCode ?? c.status}`,
  );

describe('phase transitions', () => {
  const cases: [name: string, yaml: string, status: string, upload: boolean, expected: string[]][] = [
    [
      'a failing install ends the build: no other phase, no artifacts',
      `version: 0.2
phases:
  install: { commands: ['true', 'false', 'echo skipped'] }
  pre_build: { commands: ['echo pre'] }
  build: { commands: ['echo build'] }
  post_build: { commands: ['echo post'] }`,
      'FAILED',
      false,
      [
        'install:true=0',
        'install:false=1',
        'install:echo skipped=not-run',
        'pre_build:echo pre=not-run',
        'build:echo build=not-run',
        'post_build:echo post=not-run',
      ],
    ],
    [
      'a failing pre_build ends the build',
      `version: 0.2
phases:
  pre_build: { commands: ['exit 7'] }
  build: { commands: ['echo build'] }
  post_build: { commands: ['echo post'] }`,
      'FAILED',
      false,
      ['pre_build:exit 7=7', 'build:echo build=not-run', 'post_build:echo post=not-run'],
    ],
    [
      'a failing build still runs post_build and reaches UPLOAD_ARTIFACTS',
      `version: 0.2
phases:
  build: { commands: ['false', 'echo never'] }
  post_build: { commands: ['echo post'] }`,
      'FAILED',
      true,
      ['build:false=1', 'build:echo never=not-run', 'post_build:echo post=0'],
    ],
    [
      'a failing post_build fails the build and still uploads',
      `version: 0.2
phases:
  build: { commands: ['true'] }
  post_build: { commands: ['false'] }`,
      'FAILED',
      true,
      ['build:true=0', 'post_build:false=1'],
    ],
    [
      'finally runs after a failed command; the phase fails',
      `version: 0.2
phases:
  install:
    commands: ['false', 'echo never']
    finally: ['echo cleanup']
  build: { commands: ['echo build'] }`,
      'FAILED',
      false,
      ['install:false=1', 'install:echo never=not-run', 'install/finally:echo cleanup=0', 'build:echo build=not-run'],
    ],
    [
      'a failing finally command fails a phase whose commands passed',
      `version: 0.2
phases:
  pre_build:
    commands: ['true']
    finally: ['false', 'echo never']
  build: { commands: ['echo build'] }`,
      'FAILED',
      false,
      [
        'pre_build:true=0',
        'pre_build/finally:false=1',
        'pre_build/finally:echo never=not-run',
        'build:echo build=not-run',
      ],
    ],
    [
      'on-failure: CONTINUE goes on to the next phase; the build still fails',
      `version: 0.2
phases:
  install: { on-failure: CONTINUE, commands: ['false'] }
  build: { commands: ['echo build'] }`,
      'FAILED',
      true,
      ['install:false=1', 'build:echo build=0'],
    ],
    [
      'every phase passing is a SUCCEEDED build',
      `version: 0.2
phases:
  install: { commands: ['true'] }
  build: { commands: ['true'], finally: ['true'] }`,
      'SUCCEEDED',
      true,
      ['install:true=0', 'build:true=0', 'build/finally:true=0'],
    ],
  ];

  it.each(cases)('%s', async (_name, yaml, status, upload, expected) => {
    const result = await build(yaml);
    expect(trace(result)).toEqual(expected);
    expect(result.status).toBe(status);
    expect(result.uploadArtifacts).toBe(upload);
  });

  it('records the first failure in CodeBuild’s words and logs the phases as CodeBuild does', async () => {
    const result = await build(`version: 0.2
phases:
  build: { commands: ['echo building', 'exit 3'] }`);
    expect(result.failure).toBe('build: Error while executing command: exit 3. Reason: exit status 3');
    expect(result.log).toMatch(/\[Container\] .* Entering phase BUILD\n/);
    expect(result.log).toMatch(/Running command echo building\nbuilding\n/);
    expect(result.log).toMatch(/Command did not exit successfully exit 3 exit status 3\n/);
    expect(result.log).toMatch(/Phase complete: BUILD State: FAILED\n/);
  });
});

describe('one shell session for the whole build', () => {
  it('carries cd, export and plain variables from command to command and across phases', async () => {
    const result = await build(`version: 0.2
env:
  exported-variables: [WHERE, GREETING, PLAIN]
phases:
  install: { commands: ['mkdir -p a/b && cd a', 'export GREETING=hello', 'PLAIN=kept'] }
  build: { commands: ['cd b', 'export WHERE="$(basename "$PWD")-$GREETING-$PLAIN"'] }`);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.exportedVariables).toEqual({ WHERE: 'b-hello-kept', GREETING: 'hello', PLAIN: 'kept' });
  });

  it('a command that exits the shell fails with its status; the next runs in a restored session', async () => {
    const result = await build(`version: 0.2
env:
  exported-variables: [AFTER]
phases:
  build:
    commands: ['mkdir sub && cd sub && export KEPT=yes', 'exit 4']
    finally: ['export AFTER="$(basename "$PWD"):$KEPT"']`);
    expect(trace(result)).toEqual([
      'build:mkdir sub && cd sub && export KEPT=yes=0',
      'build:exit 4=4',
      'build/finally:export AFTER="$(basename "$PWD"):$KEPT"=0',
    ]);
    expect(result.exportedVariables).toEqual({ AFTER: 'sub:yes' });
  });

  it('a command with a syntax error fails with exit status 2 instead of swallowing the next commands', async () => {
    const result = await build(`version: 0.2
phases:
  build:
    commands: ['echo "unterminated']
    finally: ['echo still here']`);
    expect(trace(result)).toEqual(['build:echo "unterminated=2', 'build/finally:echo still here=0']);
    expect(result.log).toMatch(/still here/);
  });

  it('commands do not read the session’s input', async () => {
    const result = await build(`version: 0.2
phases:
  build: { commands: ['cat', 'echo after-cat'] }`);
    expect(trace(result)).toEqual(['build:cat=0', 'build:echo after-cat=0']);
  });

  it('CODEBUILD_BUILD_SUCCEEDING is 1 until the first failure, then 0', async () => {
    const result = await build(`version: 0.2
env:
  exported-variables: [BEFORE, AFTER]
phases:
  build:
    commands: ['export BEFORE=$CODEBUILD_BUILD_SUCCEEDING', 'false']
    finally: ['export AFTER=$CODEBUILD_BUILD_SUCCEEDING']`);
    expect(result.exportedVariables).toEqual({ BEFORE: '1', AFTER: '0' });
  });

  it('a build over its timeout is TIMED_OUT; nothing after runs and nothing is uploaded', async () => {
    const result = await build(
      `version: 0.2
phases:
  build: { commands: ['sleep 20', 'echo never'] }
  post_build: { commands: ['echo post'] }`,
      { timeoutMs: 300 },
    );
    expect(result.status).toBe('TIMED_OUT');
    expect(result.uploadArtifacts).toBe(false);
    expect(trace(result)).toEqual([
      'build:sleep 20=not-run',
      'build:echo never=not-run',
      'post_build:echo post=not-run',
    ]);
    expect(result.failure).toBe('build timed out after 300 ms');
  });
});

describe('variables', () => {
  it('exports only exported-variables that were set; an unset one is a printed difference', async () => {
    const result = await build(`version: 0.2
env:
  exported-variables: [SET, UNSET]
phases:
  build: { commands: ['export SET="a=b c"'] }`);
    expect(result.exportedVariables).toEqual({ SET: 'a=b c' });
    expect(result.differences).toContain(
      'exported variable UNSET was never set: the action has no output variable UNSET',
    );
  });

  it('runtime-versions the machine does not match are differences, not errors', async () => {
    const result = await build(`version: 0.2
phases:
  install:
    runtime-versions: { nodejs: 22, python: 3.12 }
    commands: ['true']`);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.differences).toEqual([
      'runtime-versions nodejs 22: this machine runs Node v20.20.2',
      "runtime-versions python 3.12: not installed locally, the machine's python (if any) is used",
    ]);
    const same = await build(`version: 0.2
phases:
  install: { runtime-versions: { nodejs: 20 }, commands: ['true'] }`);
    expect(same.differences).toEqual([]);
  });
});

describe('the skip list', () => {
  const skipList: SkipRule[] = [
    { command: 'pnpm test', reason: 'run separately' },
    { command: /^npm i -g pnpm@\S+$/, reason: 'the machine’s pnpm' },
  ];

  it('records each skipped command with a null exit code and its reason, and runs everything else', async () => {
    const result = await build(
      `version: 0.2
phases:
  install: { commands: ['npm i -g pnpm@10.34.9', 'echo installed'] }
  pre_build: { commands: ['pnpm test', 'pnpm test --watch'] }`,
      { skipList, environment: { PATH: '/nonexistent' } },
    );
    expect(result.commands.slice(0, 3)).toEqual([
      expect.objectContaining({
        command: 'npm i -g pnpm@10.34.9',
        exitCode: null,
        status: 'skipped',
        reason: 'the machine’s pnpm',
      }),
      expect.objectContaining({ command: 'echo installed', exitCode: 0 }),
      expect.objectContaining({ command: 'pnpm test', exitCode: null, status: 'skipped', reason: 'run separately' }),
    ]);
    // Only the exact line is skipped: a variant runs (and fails here, with no pnpm on PATH).
    expect(result.commands[3]).toMatchObject({ command: 'pnpm test --watch', status: 'failed', exitCode: 127 });
    expect(result.log).toContain('Skipping command pnpm test (local release: run separately)');
  });
});

describe('parseBuildspec', () => {
  it.each([
    ['version: 0.1\nphases: {}', /version: must be 0.2/],
    ['version: 0.2\nphases:\n  prebuild: { commands: [x] }', /phases: unknown key prebuild/],
    ['version: 0.2\nenv:\n  parameter-store: { A: /a }', /env.parameter-store not supported by the local CodeBuild/],
    ['version: 0.2\nphases:\n  build: { on-failure: RETRY, commands: [x] }', /phases.build.on-failure/],
    [
      'version: 0.2\nphases:\n  build: { runtime-versions: { nodejs: 22 }, commands: [x] }',
      /phases.build.runtime-versions/,
    ],
    ['version: 0.2\nenv:\n  exported-variables: [not-a-name]', /env.exported-variables.0: not a shell variable name/],
    ['version: 0.2\nphases: [', /fixture.yml is not valid YAML/],
  ])('refuses %j, naming the key', (yaml, message) => {
    expect(() => parseBuildspec(yaml, 'fixture.yml')).toThrow(message);
  });

  it('reads YAML scalars as CodeBuild does: numbers and yes/no', () => {
    const spec = parseBuildspec(
      "version: '0.2'\nenv:\n  variables: { N: 1 }\nartifacts:\n  files: ['**/*']\n  discard-paths: yes",
      'fixture.yml',
    );
    expect(spec.env?.variables).toEqual({ N: '1' });
    expect(spec.artifacts?.['discard-paths']).toBe(true);
  });
});
