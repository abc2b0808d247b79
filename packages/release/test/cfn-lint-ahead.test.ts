// cfn-lint started ahead (codebuild/cfn-lint-ahead.ts): a build with a cfn-lint command starts that cfn-lint when it
// begins, and its cfn-lint command, when nothing changed its directory or environment, is answered by it. The real
// cfn-lint (CI machines have it preinstalled, as the packaged-templates test says): the answer must be the one the
// command gives when run as written, exit code and output, and an unused one must not outlive its build.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { localSkipList, PackageCache, parseBuildspec, runBuild } from '../src';

let root: string;
let sourceDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-lint-ahead-'));
  sourceDir = path.join(root, 'src');
  await mkdir(sourceDir);
  // A finding cfn-lint reports (E3002: an unknown property), so output and exit code both have something to say.
  await writeFile(
    path.join(sourceDir, 'bad.json'),
    JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: 1 } } } }),
  );
});
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

/** The command as written, outside any build: what the build must report. */
// Asked once (every test's folder holds the same bad.json): a cfn-lint run costs seconds of CPU.
let written: { exitCode: number | null; output: string } | undefined;
const asWritten = () => {
  if (written) return written;
  const run = spawnSync('/bin/sh', ['-c', 'cfn-lint -- bad.json'], {
    cwd: sourceDir,
    env: environment(),
    encoding: 'utf8',
  });
  written = { exitCode: run.status, output: `${run.stdout}${run.stderr}`.trim() };
  return written;
};

test('the build’s cfn-lint command is answered by the cfn-lint started ahead, as the command answers', async () => {
  const { result, log } = await build(['cfn-lint -- bad.json']);

  expect(log).toContain('linted by the cfn-lint started ahead');
  const [lint] = result.commands;
  expect({ exitCode: lint?.exitCode, output: lint?.outputTail?.trim() }).toEqual(asWritten());
  expect(asWritten().output).toContain('E3002');
});

test('an environment changed before the command (an export) runs the command as written', async () => {
  const { result, log } = await build(['export GLUE_CD_CHANGED=1', 'cfn-lint -- bad.json']);

  expect(log).not.toContain('linted by the cfn-lint started ahead');
  expect({ exitCode: result.commands[1]?.exitCode, output: result.commands[1]?.outputTail?.trim() }).toEqual(
    asWritten(),
  );
});

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
