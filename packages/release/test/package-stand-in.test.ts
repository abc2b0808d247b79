// The Build's packaging stand-in (codebuild/stand-ins.ts, reusedPackages): `node scripts/package-stages.js <service>
// <stage>...` is not run when every stage's package of the same inputs is in the cache (each copied to
// packaged/<stage>/<service name>); otherwise it runs as written and each stage's package is kept with its own output.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  PACKAGE_STAGES_COMMAND,
  PackageCache,
  packagingKey,
  reusedPackages,
  stageSection,
  type CommandOutcome,
  type StandInContext,
  type StandInDecision,
} from '../src';

const COMMAND = 'node scripts/package-stages.js services/app test prod';

let root: string;
let source: string;
let cache: PackageCache;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-package-stand-in-'));
  source = path.join(root, 'src');
  await mkdir(path.join(source, 'services', 'app'), { recursive: true });
  await writeFile(path.join(source, 'services', 'app', 'serverless.yml'), 'service: app\n');
  await writeFile(path.join(source, 'package.json'), '{"name": "root"}\n');
  cache = new PackageCache(path.join(root, 'cache'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const decide = (command = COMMAND): Promise<StandInDecision> => {
  const context: StandInContext = {
    command,
    sourceDir: source,
    cwd: source,
    run: () => Promise.reject(new Error('the packaging stand-in runs nothing in the session')),
    variables: async () => ({}),
  };
  return reusedPackages(cache)(context);
};

const templateOf = (stage: string) =>
  path.join(source, 'packaged', stage, 'app', 'cloudformation-template-update-stack.json');

/** What the script would have written and printed: each stage's template and section. */
const packageAs = async (marker: string): Promise<CommandOutcome> => {
  for (const stage of ['test', 'prod']) {
    await mkdir(path.dirname(templateOf(stage)), { recursive: true });
    await writeFile(templateOf(stage), JSON.stringify({ stage, marker }));
  }
  return {
    exitCode: 0,
    output: [
      '--- sls package --stage test (services/app → packaged/test/app): exit 0, 1.0 s',
      'Packaging app for stage test',
      '--- sls package --stage prod (services/app → packaged/prod/app): exit 0, 1.1 s',
      'Packaging app for stage prod',
      '',
    ].join('\n'),
    shellExited: false,
  };
};

test('matches the Build’s command only: a service folder and stage names', () => {
  expect(PACKAGE_STAGES_COMMAND.test('node scripts/package-stages.js services/glue-etl test prod')).toBe(true);
  expect(PACKAGE_STAGES_COMMAND.test('node scripts/package-stages.js services/glue-etl')).toBe(false);
  expect(PACKAGE_STAGES_COMMAND.test('node scripts/package-stages.js services/glue-etl test; rm -rf /')).toBe(false);
  expect(PACKAGE_STAGES_COMMAND.test('node scripts/package-stages.js services/glue-etl $STAGE')).toBe(false);
});

test('runs the command when a package is missing, keeps each stage’s package, and reuses them the next time', async () => {
  const first = await decide();
  expect(first).toMatchObject({ action: 'run' });
  expect(first.action === 'run' && first.detail).toMatch(
    /^no package \w{16} \(\d+ input files, stage test\), package /,
  );

  const outcome = await packageAs('first build');
  const kept = first.action === 'run' ? await first.after?.(outcome) : undefined;
  expect(kept).toMatch(/^kept as package \w{16} \(test\), package \w{16} \(prod\)$/);

  // The next build: a new source folder with nothing packaged; both stages come from the cache.
  await rm(path.join(source, 'packaged'), { recursive: true });
  const second = await decide();
  expect(second).toMatchObject({ action: 'skip' });
  expect(second.action === 'skip' && second.detail).toContain(`from ${cache.root}`);
  for (const stage of ['test', 'prod']) {
    expect(JSON.parse(await readFile(templateOf(stage), 'utf8'))).toEqual({ stage, marker: 'first build' });
  }
  // Each stage's cache entry keeps that stage's own section of the output.
  const key = await packagingKey({
    projectRoot: source,
    serviceDir: path.join(source, 'services', 'app'),
    stage: 'prod',
    env: {},
  });
  expect((await cache.restore(key.key, path.join(root, 'restored')))?.output).toBe(
    '--- sls package --stage prod (services/app → packaged/prod/app): exit 0, 1.1 s\nPackaging app for stage prod\n',
  );
});

test('a changed input or a failed packaging is never reused', async () => {
  const first = await decide();
  if (first.action !== 'run') throw new Error('expected a run');
  expect(await first.after?.({ exitCode: 1, output: 'boom', shellExited: false })).toBeUndefined();
  expect(await decide()).toMatchObject({ action: 'run' });

  const again = await decide();
  if (again.action !== 'run') throw new Error('expected a run');
  await again.after?.(await packageAs('before the change'));
  await writeFile(path.join(source, 'services', 'app', 'serverless.yml'), 'service: app\n# changed\n');
  expect(await decide()).toMatchObject({ action: 'run' });
});

test('stageSection picks one stage’s section, or the whole output when it has none', () => {
  const output = '--- sls package --stage test (a): exit 0\nT\n--- sls package --stage test2 (b): exit 0\nU\n';
  expect(stageSection(output, 'test')).toBe('--- sls package --stage test (a): exit 0\nT\n');
  expect(stageSection(output, 'test2')).toBe('--- sls package --stage test2 (b): exit 0\nU\n');
  expect(stageSection('plain', 'test')).toBe('plain');
});
