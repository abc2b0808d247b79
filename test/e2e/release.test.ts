// `pnpm start` end to end: the packaged pipeline run on the local cloud, twice on the same state.
import { approveAll } from './release-helpers';
import { silentProgress, runRelease } from '@glue-cd/release';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './harness';

jest.setTimeout(300_000);

const SAMPLE = path.resolve(REPO_ROOT, '../shared/data/yellow_tripdata_7500_lines_sample_2019-01.csv');

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-release-'));
});
afterAll(async () => rm(workDir, { recursive: true, force: true }));

const release = (approve: boolean) =>
  runRelease({
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
  expect(summary.variables.DeployToProduction).toMatchObject({ stackName: 'glue-cd-glue-etl-prod', outcome: 'created' });
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
