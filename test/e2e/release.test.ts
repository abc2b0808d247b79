// `pnpm start` end to end: the packaged pipeline run on the local cloud, twice on the same state.
import { approveAll } from './release-helpers';
import { silentProgress, runRelease } from '@glue-cd/release';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './harness';

jest.setTimeout(300_000);

const SAMPLE = path.resolve(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

let workDir: string;
/** A copy of services/glue-etl two levels under the repo root (serverless.yml and resources.js reach ../../config). */
let changedService: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-release-'));
  const parent = path.join(REPO_ROOT, '.e2e-services');
  await mkdir(parent, { recursive: true });
  changedService = await mkdtemp(path.join(parent, 'glue-etl-'));
  for (const file of ['serverless.yml', 'resources.js']) {
    await cp(path.join(REPO_ROOT, 'services/glue-etl', file), path.join(changedService, file));
  }
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  await rm(changedService, { recursive: true, force: true });
});

/** Edits a file of the copied Glue ETL service (the change a developer would push). */
const changeGlueEtl = async (from: string, to: string, name = 'serverless.yml') => {
  const file = path.join(changedService, name);
  const text = await readFile(file, 'utf8');
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
};

const release = (approve: boolean, glueEtlServiceDir?: string) =>
  runRelease({
    ...(glueEtlServiceDir ? { glueEtlServiceDir: path.relative(REPO_ROOT, glueEtlServiceDir) } : {}),
    repoRoot: REPO_ROOT,
    stateDir: path.join(workDir, 'state'),
    reportDir: path.join(workDir, 'reports'),
    approver: approveAll(approve),
    progress: silentProgress,
    sampleFile: SAMPLE,
    pollIntervalMs: 20,
  });

test('the first run deploys the test stack, live-tests it, cleans it up and creates production', async () => {
  const summary = await release(true);
  expect(summary.stages.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.variables.DeployTestStack).toMatchObject({ stackName: 'glue-cd-glue-etl-test' });
  expect(summary.liveTest?.passed).toBe(true);
  expect(summary.liveTest?.counts.raw).toBeGreaterThan(0);
  expect(summary.variables.LiveTestCleanup).toMatchObject({ outcome: 'deleted' });
  expect(summary.variables.DeployToProduction).toMatchObject({
    stackName: 'glue-cd-glue-etl-prod',
    outcome: 'created',
  });
  expect(summary.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  expect(existsSync(summary.reportPath)).toBe(true);
  const html = await readFile(summary.reportPath, 'utf8');
  for (const execution of summary.executions) expect(html).toContain(execution.executionArn);
});

test('a second run on the same state finds production unchanged', async () => {
  const summary = await release(true);
  expect(summary.succeeded).toBe(true);
  expect(summary.variables.DeployToProduction).toMatchObject({ outcome: 'no-changes' });
});

test('a rejected approval stops the release before production and says so', async () => {
  const summary = await release(false);
  expect(summary.succeeded).toBe(false);
  const approval = summary.stages.find((s) => s.action === 'LiveTestApproval');
  expect(approval?.status).toBe('Stopped');
  expect(summary.stages.find((s) => s.action === 'DeployToProduction')?.status).toBe('Skipped');
  expect(summary.variables.DeployToProduction).toBeUndefined();
});

test('after a safe template change, production is updated in place', async () => {
  await changeGlueEtl(
    'Description: Catalogues the raw NYC yellow taxi CSV.',
    'Description: Catalogues the raw NYC yellow taxi CSV as landed by the producers.',
  );
  const summary = await release(true, changedService);
  expect(summary.stages.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.variables.DeployToProduction).toMatchObject({
    stackName: 'glue-cd-glue-etl-prod',
    outcome: 'updated',
  });
});

test('after a destructive template change, production refuses it and lists the violations', async () => {
  // A new raw bucket name replaces the bucket, and with it the data it holds.
  await changeGlueEtl(
    'name: sub(`\\${AWS::StackName}-raw-\\${AWS::AccountId}`)',
    'name: sub(`\\${AWS::StackName}-landing-\\${AWS::AccountId}`)',
    'resources.js',
  );
  const summary = await release(true, changedService);
  expect(summary.succeeded).toBe(false);
  // The test stack is created anew each run (cleanup deletes it), so only production meets the destructive change.
  expect(summary.stages.find((s) => s.action === 'DeployTestStack')?.status).toBe('Succeeded');
  const production = summary.stages.find((s) => s.action === 'DeployToProduction');
  expect(production?.status).toBe('Failed');
  expect(production?.detail).toMatch(/UnsafeChangeSetError/);
  expect(production?.detail).toMatch(/RawBucket.*AWS::S3::Bucket/);
  const refused = summary.executions.find((e) => e.action === 'DeployToProduction');
  expect(refused).toMatchObject({ status: 'FAILED', error: 'UnsafeChangeSetError' });
});
