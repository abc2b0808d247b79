// The cfn-lint stand-in (codebuild/stand-ins.ts, rememberedLint): a pass is remembered by content hash of what the
// lint reads and of which cfn-lint runs; anything new, a finding, or an unknown input lints again. A stand-in cfn-lint
// (a script run by a stand-in "python", the way pip installs it) counts its runs and fails templates saying "bad".
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CFN_LINT_COMMAND, PackageCache, rememberedLint, type BuildScratch, type StandInContext } from '../src';

let root: string;
let bin: string;
let work: string;
let cache: PackageCache;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-lint-stand-in-'));
  bin = path.join(root, 'bin');
  work = path.join(root, 'src');
  await mkdir(bin, { recursive: true });
  await mkdir(work, { recursive: true });
  cache = new PackageCache(path.join(root, 'cache'));
  await installLint('1.51.0');
  await writeFile(path.join(work, 'a.json'), '{"Resources": {}}');
  await writeFile(path.join(work, 'b.json'), '{"Resources": {"X": {}}}');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A "python" that answers the identity question with `version`, and runs a script that lints otherwise. */
const installLint = async (version: string): Promise<void> => {
  const python = path.join(bin, 'python3');
  await writeFile(
    python,
    [
      '#!/bin/sh',
      `if [ "$1" = "-c" ]; then echo "${version} ${root}/site-packages"; exit 0; fi`,
      'script="$1"; shift',
      `echo run >> "${root}/runs"`,
      'for f in "$@"; do case "$f" in -*) ;; *) if grep -q bad "$f"; then echo "E0000 $f"; exit 2; fi;; esac; done',
      'exit 0',
    ].join('\n'),
  );
  await writeFile(path.join(bin, 'cfn-lint'), `#!${python}\nimport cfnlint\n`);
  await chmod(python, 0o755);
  await chmod(path.join(bin, 'cfn-lint'), 0o755);
};

const runs = async (): Promise<number> =>
  (await readFile(path.join(root, 'runs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

const env = (dir = work) => ({ PATH: `${dir}/node_modules/.bin:${bin}:${process.env.PATH ?? ''}`, HOME: root });

/** What the local CodeBuild does with a stand-in's decision: skip, or run the command and hand its outcome over. */
const build = async (command = 'cfn-lint -- a.json b.json', dir = work, scratch?: BuildScratch) => {
  const context: StandInContext = {
    command,
    sourceDir: dir,
    cwd: dir,
    ...(scratch ? { scratch } : {}),
    run: () => Promise.reject(new Error('the lint stand-in runs nothing in the session')),
    variables: async (names) => Object.fromEntries(Object.entries(env(dir)).filter(([name]) => names.includes(name))),
  };
  const decision = await rememberedLint(cache)(context);
  if (decision.action !== 'run') return { decision, exitCode: null };
  const result = spawnSync('/bin/sh', ['-c', command], { cwd: dir, env: env(dir), encoding: 'utf8' });
  const exitCode = result.status ?? 1;
  await decision.after?.({ exitCode, output: `${result.stdout}${result.stderr}`, shellExited: false });
  return { decision, exitCode };
};

test('a pass is remembered: the same files, configuration and cfn-lint are not linted again', async () => {
  expect((await build()).exitCode).toBe(0);
  const again = await build();
  expect(again.decision).toEqual({
    action: 'skip',
    detail: expect.stringMatching(
      /^cfn-lint 1\.51\.0 passed before on these files and configuration \(check [0-9a-f]{16}\)$/,
    ),
  });
  expect(await runs()).toBe(1);
});

test('a remembered pass stops the cfn-lint started ahead at once (not at the end of the build)', async () => {
  await build();
  const ahead = { close: jest.fn() };
  const scratch: BuildScratch = new Map([['cfn-lint-ahead', ahead]]);
  expect((await build(undefined, work, scratch)).decision.action).toBe('skip');
  expect(ahead.close).toHaveBeenCalledTimes(1);
  expect(scratch.size).toBe(0);
});

test("another build's source folder with the same files (and its own PATH entries) finds the pass", async () => {
  await writeFile(path.join(work, '.cfnlintrc.yaml'), 'regions: [us-east-1]\n');
  await build();
  const next = path.join(root, 'next-build');
  await mkdir(next);
  for (const file of ['a.json', 'b.json', '.cfnlintrc.yaml']) {
    await writeFile(path.join(next, file), await readFile(path.join(work, file)));
  }
  expect((await build(undefined, next)).decision.action).toBe('skip');
  await writeFile(path.join(next, '.cfnlintrc.yaml'), 'regions: [eu-west-1]\n');
  expect((await build(undefined, next)).decision.action).toBe('run');
  expect(await runs()).toBe(2);
});

test('a changed template, configuration, cfn-lint version or command line lints again', async () => {
  await build();
  await writeFile(path.join(work, 'b.json'), '{"Resources": {"Y": {}}}');
  expect((await build()).decision.action).toBe('run');
  await writeFile(path.join(work, '.cfnlintrc.yaml'), 'regions: [eu-west-1]\n');
  expect((await build()).decision.action).toBe('run');
  await installLint('1.52.0');
  expect((await build()).decision.action).toBe('run');
  expect((await build('cfn-lint -- b.json a.json')).decision.action).toBe('run');
  expect(await runs()).toBe(5);
  expect((await build()).decision.action).toBe('skip');
});

test('a finding is never remembered: the failing lint runs, and fails, every time', async () => {
  await writeFile(path.join(work, 'b.json'), '{"bad": true}');
  expect((await build()).exitCode).toBe(2);
  expect((await build()).exitCode).toBe(2);
  expect(await runs()).toBe(2);
});

test('an argument that is no file (a folder, a glob, a missing file) lints as written', async () => {
  await build('cfn-lint -- a.json');
  for (const command of ['cfn-lint -- missing.json', `cfn-lint -- ${path.basename(work)}`]) {
    const { decision } = await build(command);
    expect(decision).toEqual(
      expect.objectContaining({ action: 'run', detail: expect.stringMatching(/is not a file/) }),
    );
  }
  expect(CFN_LINT_COMMAND.test('cfn-lint -- packaged/*.json')).toBe(false);
  expect(CFN_LINT_COMMAND.test('cfn-lint -- a.json > out.txt')).toBe(false);
  expect(CFN_LINT_COMMAND.test('cfn-lint -- a.json b.json')).toBe(true);
});

test('a cfn-lint that cannot be identified lints, and nothing is remembered without a cache', async () => {
  await writeFile(path.join(bin, 'cfn-lint'), '#!/bin/sh\necho run >> "$HOME/runs"\n');
  expect((await build()).decision).toEqual({ action: 'run', detail: 'cfn-lint could not be identified: linted' });
  await installLint('1.51.0');
  const context = { command: 'cfn-lint -- a.json', sourceDir: work, cwd: work } as StandInContext;
  expect(await rememberedLint(undefined)(context)).toEqual({ action: 'run' });
});
