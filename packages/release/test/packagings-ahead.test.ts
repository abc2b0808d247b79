// The Build's packagings started ahead (codebuild/packagings-ahead.ts): the release packages what the working tree's
// buildspecs' package-stages commands ask for as it starts; the Build's stand-in (reusedPackages) then takes those
// packages, waiting for one still running, only when its own key (its source, its variables) is the same. A stand-in
// `sls` counts its runs and writes a template naming what it saw.
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildspecPackagings, startBuildPackagingsAhead } from '../src/codebuild/packagings-ahead';
import { reusedPackages, type StandInContext } from '../src/codebuild/stand-ins';
import { PackageCache } from '../src/package-cache';

const COMMAND = 'node scripts/package-stages.js services/app test prod';

let root: string;
let repo: string;
let cache: PackageCache;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'glue-cd-packagings-ahead-'));
  repo = path.join(root, 'repo');
  cache = new PackageCache(path.join(root, 'cache'));
  await mkdir(path.join(repo, 'node_modules', '.bin'), { recursive: true });
  await mkdir(path.join(repo, 'services', 'app'), { recursive: true });
  await mkdir(path.join(repo, 'buildspecs'));
  // The configuration reads AWS_REGION and APP_FLAG: their values are part of each packaging's key.
  await writeFile(
    path.join(repo, 'services', 'app', 'serverless.yml'),
    'service: app\nprovider:\n  region: ${env:AWS_REGION}\ncustom:\n  flag: ${env:APP_FLAG, "off"}\n',
  );
  await writeFile(path.join(repo, 'package.json'), '{"name": "root"}\n');
  await writeFile(
    path.join(repo, 'buildspecs', 'build.yml'),
    [
      'version: 0.2',
      'env:',
      '  variables:',
      '    APP_FLAG: on',
      'phases:',
      '  build:',
      '    commands:',
      `      - ${COMMAND}`,
      '      - echo done',
      '',
    ].join('\n'),
  );
  // Another buildspec asking for a stage again, and one that is not a buildspec: each packaging is started once.
  await writeFile(
    path.join(repo, 'buildspecs', 'again.yml'),
    'version: 0.2\nphases:\n  build:\n    commands:\n      - node scripts/package-stages.js services/app prod\n',
  );
  await writeFile(path.join(repo, 'buildspecs', 'broken.yml'), 'version: 0.2\nphases: [');
  // `sls package --stage <stage> --package <dir>`: while <root>/hold exists, waits for <root>/go (tests that race the
  // stand-in against a running packaging); counts its runs, writes what it saw.
  const sls = path.join(repo, 'node_modules', '.bin', 'sls');
  await writeFile(
    sls,
    [
      '#!/bin/sh',
      `while [ -d "${root}/hold" ] && [ ! -e "${root}/go" ]; do sleep 0.05; done`,
      `echo "$3" >> "${root}/runs"`,
      `printf '{"Resources":{},"Stage":"%s","Region":"%s","Flag":"%s"}' "$3" "$AWS_REGION" "$APP_FLAG" > "$5/cloudformation-template-update-stack.json"`,
      'echo "Packaging app for stage $3"',
      '',
    ].join('\n'),
  );
  await chmod(sls, 0o755);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const runs = async (): Promise<string[]> =>
  (await readFile(path.join(root, 'runs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).sort();

/**
 * The Build's source: a copy of the working tree (the Source artifact), with its variables. Without the packagings'
 * folder locks, as the Source leaves them out (git-ignored): they come and go while a packaging ahead runs.
 */
const standIn = async (variables: Record<string, string>) => {
  const source = path.join(root, 'build', 'src');
  await cp(repo, source, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (file) => !path.basename(file).startsWith('.serverless-package.lock'),
  });
  const context: StandInContext = {
    command: COMMAND,
    sourceDir: source,
    cwd: source,
    run: () => Promise.reject(new Error('the packaging stand-in runs nothing in the session')),
    variables: async (names) => Object.fromEntries(names.flatMap((n) => (variables[n] ? [[n, variables[n]]] : []))),
  };
  return { source, decision: await reusedPackages(cache)(context) };
};

const start = () =>
  startBuildPackagingsAhead({
    repoRoot: repo,
    buildDir: path.join(root, 'ahead'),
    region: 'eu-west-1',
    cache,
    env: { PATH: process.env.PATH ?? '' },
  });

test('finds each stage the buildspecs package once, with its buildspec’s variables; a bad buildspec is passed over', async () => {
  expect(await buildspecPackagings(repo)).toEqual([
    { service: 'services/app', stage: 'prod', variables: {} },
    { service: 'services/app', stage: 'test', variables: { APP_FLAG: 'on' } },
  ]);
});

test('the Build takes the packages made ahead when its source and variables are those they were made with', async () => {
  await rm(path.join(repo, 'buildspecs', 'again.yml'));
  const ahead = await start();
  expect(ahead.map(({ service, stage }) => `${service} ${stage}`)).toEqual(['services/app test', 'services/app prod']);
  await Promise.all(ahead.map((a) => a.done));
  expect(await runs()).toEqual(['prod', 'test']);

  const { source, decision } = await standIn({ AWS_REGION: 'eu-west-1', APP_FLAG: 'on' });

  expect(decision).toMatchObject({ action: 'skip' });
  expect(await runs()).toEqual(['prod', 'test']);
  const template = JSON.parse(
    await readFile(path.join(source, 'packaged', 'prod', 'app', 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as unknown;
  expect(template).toEqual({ Resources: {}, Stage: 'prod', Region: 'eu-west-1', Flag: 'on' });
});

test('the Build waits for a packaging started ahead that is still running, and packages nothing itself', async () => {
  await rm(path.join(repo, 'buildspecs', 'again.yml'));
  await mkdir(path.join(root, 'hold'));
  const ahead = await start();
  // Both packagings are held; the stand-in must wait for them rather than decide to package.
  const decided = standIn({ AWS_REGION: 'eu-west-1', APP_FLAG: 'on' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await runs()).toEqual([]);
  await writeFile(path.join(root, 'go'), '');

  const { decision } = await decided;

  expect(decision).toMatchObject({
    action: 'skip',
    detail: expect.stringMatching(/waited [\d.]+ s for its packaging started ahead/),
  });
  await Promise.all(ahead.map((a) => a.done));
  expect(await runs()).toEqual(['prod', 'test']);
});

test('a variable the build sets otherwise, or an edited source, packages as written', async () => {
  await rm(path.join(repo, 'buildspecs', 'again.yml'));
  await Promise.all((await start()).map((a) => a.done));

  expect((await standIn({ AWS_REGION: 'us-east-1', APP_FLAG: 'on' })).decision).toMatchObject({ action: 'run' });

  await rm(path.join(root, 'build'), { recursive: true });
  await writeFile(path.join(repo, 'services', 'app', 'handler.js'), 'exports.handler = () => 1;\n');
  expect((await standIn({ AWS_REGION: 'eu-west-1', APP_FLAG: 'on' })).decision).toMatchObject({ action: 'run' });
});

test('a packaging that fails ahead is left for the Build to run and report', async () => {
  await rm(path.join(repo, 'buildspecs', 'again.yml'));
  await writeFile(path.join(repo, 'node_modules', '.bin', 'sls'), '#!/bin/sh\necho "sls: broken" >&2\nexit 3\n');
  const ahead = await start();
  const outcomes = await Promise.all(ahead.map((a) => a.done));
  expect(outcomes.map((o) => (o instanceof Error ? o.name : 'packaged'))).toEqual(['PackagingError', 'PackagingError']);

  expect((await standIn({ AWS_REGION: 'eu-west-1', APP_FLAG: 'on' })).decision).toMatchObject({ action: 'run' });
});

test('no cache, nothing started', async () => {
  const ahead = await startBuildPackagingsAhead({
    repoRoot: repo,
    buildDir: path.join(root, 'ahead'),
    region: 'eu-west-1',
    cache: undefined,
  });
  expect(ahead).toEqual([]);
  expect(await runs()).toEqual([]);
});
