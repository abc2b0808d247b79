// scripts/package-stages.js, the Build's packaging of the Glue ETL service per stage: the stages side by side give
// the very templates of one packaging each, every failure is reported, and no copy of the service is left behind.
import { deploymentBucketFor, packageService } from '@glue-cd/release';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './support/packagings';

const SERVICE = 'services/glue-etl';
const SCRIPT = path.join(REPO_ROOT, 'scripts/package-stages.js');

let workDir: string;

/**
 * A source folder like the Build's: the repository's entries linked, but services/glue-etl a real copy (its
 * node_modules links resolve through the linked node_modules), so nothing the script writes lands in the checkout.
 */
const sourceFolder = async (name: string): Promise<string> => {
  const source = path.join(workDir, name);
  await mkdir(path.join(source, 'services'), { recursive: true });
  for (const entry of await readdir(REPO_ROOT)) {
    if (!['services', 'packaged', '.git', 'reports'].includes(entry))
      await symlink(path.join(REPO_ROOT, entry), path.join(source, entry));
  }
  cpSync(path.join(REPO_ROOT, SERVICE), path.join(source, SERVICE), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (file) => !['.serverless', '.esbuild', 'test'].includes(path.basename(file)),
  });
  return source;
};

const packageStages = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    timeout: 120_000,
  });

const templateIn = async (dir: string): Promise<unknown> =>
  JSON.parse(await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-package-stages-'));
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('packages each stage into packaged/<stage>/glue-etl: the templates of one packaging per stage', async () => {
  const source = await sourceFolder('ok');

  const result = packageStages(source, [SERVICE, 'test', 'prod']);

  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  // Each stage's section, in stage order, with its exit code and sls's own output.
  const sections = result.stdout.split(/^(?=--- )/m).filter(Boolean);
  expect(sections.map((s) => s.split('\n')[0]!.replace(/, [\d.]+ s$/, ''))).toEqual([
    `--- sls package --stage test (${SERVICE} → packaged/test/glue-etl): exit 0`,
    `--- sls package --stage prod (${SERVICE} → packaged/prod/glue-etl): exit 0`,
  ]);
  expect(sections[1]).toContain('Packaging glue-cd-glue-etl for stage prod');
  for (const stage of ['test', 'prod']) {
    const alone = await packageService({
      repoRoot: REPO_ROOT,
      serviceDir: SERVICE,
      stage,
      outDir: path.join(workDir, `alone-${stage}`),
      deploymentBucket: deploymentBucketFor(stage),
    });
    expect(await templateIn(path.join(source, 'packaged', stage, 'glue-etl'))).toEqual(alone.template);
  }
  // The sibling copy the second stage packaged in is gone; the service folder has no staging left.
  expect(await readdir(path.join(source, 'services'))).toEqual(['glue-etl']);
  expect(await readdir(path.join(source, SERVICE))).not.toContain('.serverless');
}, 120_000);

test('a stage that fails fails the command, naming it, with every stage’s output and no copy left', async () => {
  const source = await sourceFolder('broken');
  // A variable no source resolves: sls fails for every stage, after reading the configuration.
  const config = path.join(source, SERVICE, 'serverless.yml');
  await writeFile(config, `${await readFile(config, 'utf8')}\nx-broken: \${file(./missing.yml)}\n`);

  const result = packageStages(source, [SERVICE, 'test', 'prod']);

  expect(result.status).toBe(1);
  expect(result.stderr).toBe(`package-stages: ${SERVICE} failed to package for test, prod\n`);
  expect(result.stdout).toMatch(
    /^--- sls package --stage test \(services\/glue-etl → packaged\/test\/glue-etl\): exit 1,/m,
  );
  expect(result.stdout).toMatch(
    /^--- sls package --stage prod \(services\/glue-etl → packaged\/prod\/glue-etl\): exit 1,/m,
  );
  expect(result.stdout.match(/Cannot resolve variable at "x-broken"/g)).toHaveLength(2);
  expect(await readdir(path.join(source, 'services'))).toEqual(['glue-etl']);
}, 120_000);

test.each([
  [[], 'a service folder and at least one stage are needed'],
  [[SERVICE], 'a service folder and at least one stage are needed'],
  [['services/nowhere', 'test'], 'services/nowhere has no serverless.yml'],
  [[SERVICE, 'test', 'te st'], 'stage "te st" is not a stage name (letters, digits, -)'],
  [[SERVICE, 'test', 'test'], 'stage test is given twice'],
])('refuses %j: %s (exit 2, nothing packaged)', async (args, message) => {
  const result = packageStages(REPO_ROOT, args);
  expect(result.status).toBe(2);
  expect(result.stderr.split('\n')[0]).toBe(`package-stages: ${message}`);
  expect(result.stdout).toBe('');
});
