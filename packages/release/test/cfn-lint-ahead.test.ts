// cfn-lint started ahead (codebuild/cfn-lint-ahead.ts): a build with a cfn-lint command starts that cfn-lint when it
// begins, and its cfn-lint command, when nothing changed its directory or environment, is answered by it. The real
// cfn-lint (CI machines have it preinstalled, as the packaged-templates test says): the answer must be the one the
// command gives when run as written, exit code and output, and an unused one must not outlive its build.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  announceLintInputs,
  localSkipList,
  PackageCache,
  parseBuildspec,
  rememberedLint,
  runBuild,
  startLintAhead,
  type BuildScratch,
} from '../src';

let root: string;
let sourceDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-lint-ahead-'));
  sourceDir = path.join(root, 'src');
  await mkdir(sourceDir);
  // A finding cfn-lint reports (E3002: an unknown property), so output and exit code both have something to say.
  await writeFile(path.join(sourceDir, 'bad.json'), BAD);
  await writeFile(path.join(sourceDir, 'good.json'), GOOD);
  await writeFile(path.join(sourceDir, 'other.json'), GOOD);
});

const BAD = JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: 1 } } } });
const GOOD = JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } });
afterEach(async () => rm(root, { recursive: true, force: true }));

// HOME as the caller's: a pyenv shim finds its Python through it.
const environment = () => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? root,
  LANG: 'C.UTF-8',
});

const build = async (commands: string[]) => {
  let log = '';
  const result = await runBuild({
    buildspec: parseBuildspec(
      `version: 0.2\nphases:\n  build:\n    commands:\n${commands.map((c) => `      - ${c}\n`).join('')}`,
      'lint.yml',
    ),
    sourceDir,
    environment: environment(),
    skipList: localSkipList({ cache: new PackageCache(path.join(root, 'cache')) }),
    timeoutMs: 120_000,
    workDir: await mkdtemp(path.join(root, 'session-')),
    log: (text) => (log += text),
    nodeVersion: process.version,
  });
  return { result, log };
};

/** The lint command's record: its exit code and output. */
const lintOf = ({ result }: Awaited<ReturnType<typeof build>>) => {
  const lint = result.commands.find((command) => command.command.startsWith('cfn-lint'));
  return { exitCode: lint?.exitCode, output: lint?.outputTail?.trim() };
};
const lintStatus = ({ result }: Awaited<ReturnType<typeof build>>) =>
  result.commands.find((command) => command.command.startsWith('cfn-lint'))?.status;

test('the build’s cfn-lint command is answered by the cfn-lint started ahead, as the command answers', async () => {
  // Each file linted alone in a fork of the one started ahead: all passing is the command passing (skipped); one with
  // a finding runs the command, by the one started ahead, which answers as the command run as written (an export in
  // between) does.
  const [alone, ahead, written] = await Promise.all([
    build(['cfn-lint -- good.json other.json']),
    build(['cfn-lint -- good.json bad.json other.json']),
    build(['export GLUE_CD_CHANGED=1', 'cfn-lint -- good.json bad.json other.json']),
  ]);
  expect(alone.log).toContain('each file passed cfn-lint');
  expect(lintStatus(alone)).toBe('skipped');

  expect(ahead.log).not.toContain('each file passed cfn-lint');
  expect(ahead.log).toContain('linted by the cfn-lint started ahead');
  expect(written.log).not.toContain('linted by the cfn-lint started ahead');
  expect(lintOf(ahead)).toEqual(lintOf(written));
  expect(lintOf(written)).toEqual({ exitCode: 2, output: expect.stringContaining('E3002') });
});

test('a file announced complete is linted then, and again at the command when it changed since', async () => {
  /** `landed.json` with `landed` when announced, then `now` when the command comes: what became of the command. */
  const lint = async (landed: string, now: string) => {
    await writeFile(path.join(sourceDir, 'landed.json'), landed);
    const scratch: BuildScratch = new Map();
    const env = environment();
    startLintAhead({ commands: ['cfn-lint -- landed.json'], sourceDir, env, scratch });
    // Settles once the lint it started has ended.
    await announceLintInputs(scratch, sourceDir);
    await writeFile(path.join(sourceDir, 'landed.json'), now);
    try {
      const decision = await rememberedLint(new PackageCache(path.join(root, `cache-${randomUUID()}`)))({
        command: 'cfn-lint -- landed.json',
        sourceDir,
        cwd: sourceDir,
        scratch,
        run: () => Promise.reject(new Error('not run here')),
        variables: async (names) =>
          Object.fromEntries(names.flatMap((name) => (name in env ? [[name, env[name as keyof typeof env]]] : []))),
        environment: async () => env,
      });
      // Run as the build runs it: by the one started ahead, which then ends.
      const outcome =
        decision.action === 'run' && decision.instead
          ? await decision.instead(() => undefined, new AbortController().signal)
          : undefined;
      return { action: decision.action, exitCode: outcome?.exitCode };
    } finally {
      for (const work of scratch.values()) work.close();
    }
  };
  // Announced with a finding, then mended: the early lint was of other content, so the command runs (and passes);
  // linted alone only at the command, it would have been skipped (the test above).
  expect(await lint(BAD, GOOD)).toEqual({ action: 'run', exitCode: 0 });
  // Announced clean, then broken: the early pass no longer holds, and the command reports the finding.
  expect(await lint(GOOD, BAD)).toEqual({ action: 'run', exitCode: 2 });
}, 60_000);

test('a build without a cfn-lint command starts none, and one the build never used is stopped with it', async () => {
  const pythons = () =>
    spawnSync('pgrep', ['-f', 'glue-cd-cfn-lint-ready-'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const before = pythons();
  expect((await build(['true'])).log).not.toContain('started ahead');
  // The lint of a failed build phase is never reached: the one started ahead goes with the build.
  const { result, log } = await build(['false', 'cfn-lint -- bad.json']);
  expect(log).toContain('local release: cfn-lint started ahead');
  expect(result.commands.map((c) => c.status)).toEqual(['failed', 'not-run']);
  expect(pythons().filter((pid) => !before.includes(pid))).toEqual([]);
});
