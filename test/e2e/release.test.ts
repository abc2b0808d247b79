// `pnpm start` end to end: the packaged pipeline run on the local cloud, twice on the same state.
import { approveAll } from './release-helpers';
import {
  formatSummary,
  localSkipList,
  parseBuildspec,
  PHASES,
  ReleaseReportSchema,
  runRelease,
  silentProgress,
  skipRuleFor,
} from '@glue-cd/release';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './harness';

// Each run now also installs and packages inside the Build buildspec; shared machines are slow.
jest.setTimeout(600_000);

const SAMPLE = path.resolve(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-release-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Files of services/glue-etl as a developer edits them; the Source artifact carries the edits. */
const glueEtlEdits: Record<string, string> = {};
const changeGlueEtl = async (from: string, to: string, name = 'serverless.yml') => {
  const file = `services/glue-etl/${name}`;
  const text = glueEtlEdits[file] ?? (await readFile(path.join(REPO_ROOT, file), 'utf8'));
  expect(text).toContain(from);
  glueEtlEdits[file] = text.replace(from, to);
};

const release = (approve: boolean) =>
  runRelease({
    ...(Object.keys(glueEtlEdits).length > 0 ? { sourceEdits: { ...glueEtlEdits } } : {}),
    repoRoot: REPO_ROOT,
    stateDir: path.join(workDir, 'state'),
    reportDir: path.join(workDir, 'reports'),
    approver: approveAll(approve),
    progress: silentProgress,
    sampleFile: SAMPLE,
    pollIntervalMs: 20,
  });

const actionNamed = (summary: Awaited<ReturnType<typeof release>>, name: string) =>
  summary.actions.find((a) => a.action === name);

test('the first run deploys the test stack, live-tests it, cleans it up and creates production', async () => {
  const summary = await release(true);
  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.outputVariables.DeployTestStack).toMatchObject({ stackName: 'glue-cd-glue-etl-test' });
  expect(summary.liveTest?.passed).toBe(true);
  expect(summary.liveTest?.counts.raw).toBeGreaterThan(0);
  expect(summary.outputVariables.LiveTestCleanup).toMatchObject({ outcome: 'deleted' });
  expect(summary.outputVariables.DeployToProduction).toMatchObject({
    stackName: 'glue-cd-glue-etl-prod',
    outcome: 'created',
  });
  expect(summary.executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  expect(existsSync(summary.reportPath)).toBe(true);
  const html = await readFile(summary.reportPath, 'utf8');
  for (const execution of summary.executions) expect(html).toContain(execution.executionArn);

  // The Build ran buildspecs/build.yml verbatim but for its skip list: every command in order, with its exit code.
  const buildspec = parseBuildspec(await readFile(path.join(REPO_ROOT, 'buildspecs/build.yml'), 'utf8'), 'build.yml');
  const skipList = localSkipList();
  const expected = PHASES.flatMap((phase) =>
    (buildspec.phases?.[phase]?.commands ?? []).map((command) => [
      phase,
      command,
      skipRuleFor(command, skipList) ? null : 0,
    ]),
  );
  expect(expected).toContainEqual(['install', 'pnpm install --frozen-lockfile', 0]);
  expect(expected).toContainEqual(['pre_build', 'pnpm test', null]);
  const latest = ReleaseReportSchema.parse(
    JSON.parse(await readFile(path.join(workDir, 'reports/latest.json'), 'utf8')),
  );
  expect(latest).toEqual(summary.report);
  // The report draws the deploy state machine as packaged; the live test's checks came in as a CodeBuild test report.
  const asl = parseYaml(await readFile(path.join(REPO_ROOT, 'state-machines/deploy.asl.yaml'), 'utf8')) as {
    States: Record<string, unknown>;
  };
  expect(latest.stateMachine.states.map((s) => s.name)).toEqual(Object.keys(asl.States));
  expect(latest.actions.find((a) => a.action === 'AutomatedLiveTest')?.reports).toMatchObject([
    {
      reportGroupName: 'glue-cd-pipeline-local-live-test-checks',
      declaredAs: 'LiveTestReportGroup',
      status: 'SUCCEEDED',
    },
  ]);
  const build = latest.actions.find((a) => a.action === 'Build');
  expect(build).toMatchObject({ category: 'Build', provider: 'CodeBuild', status: 'Succeeded' });
  expect(build?.commands?.map((c) => [c.phase, c.command, c.exitCode])).toEqual(expected);
  for (const skipped of build?.commands?.filter((c) => c.exitCode === null) ?? []) {
    expect(latest.skipList.map((s) => s.reason)).toContain(skipped.reason);
  }
  const version = execFileSync('node', ['scripts/glue-jobs-version.js'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  expect(build?.outputVariables).toEqual({ GLUE_JOBS_VERSION: version });
  const lines = formatSummary(summary).map((line) => line.text);
  for (const [phase, command, exitCode] of expected) {
    expect(lines).toContain(`[${phase}] ${command} → ${exitCode === null ? 'skipped: skip list' : `exit ${exitCode}`}`);
  }
  expect(html).toContain('<code>pnpm install --frozen-lockfile</code></td><td class="ok">0</td>');
  expect(await readFile(build!.logFile!, 'utf8')).toMatch(/Running command pnpm install --frozen-lockfile\n/);
});

test('a second run on the same state finds production unchanged', async () => {
  const summary = await release(true);
  expect(summary.succeeded).toBe(true);
  expect(summary.outputVariables.DeployToProduction).toMatchObject({ outcome: 'no-changes' });
});

test('a rejected approval stops the release before production and says so', async () => {
  const summary = await release(false);
  expect(summary.succeeded).toBe(false);
  expect(actionNamed(summary, 'LiveTestApproval')?.status).toBe('Stopped');
  expect(actionNamed(summary, 'DeployToProduction')?.status).toBe('Skipped');
  expect(summary.outputVariables.DeployToProduction).toBeUndefined();
});

test('after a safe template change, production is updated in place', async () => {
  await changeGlueEtl(
    'Description: Catalogues the raw NYC yellow taxi CSV.',
    'Description: Catalogues the raw NYC yellow taxi CSV as landed by the producers.',
  );
  const summary = await release(true);
  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.outputVariables.DeployToProduction).toMatchObject({
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
  const summary = await release(true);
  expect(summary.succeeded).toBe(false);
  // The test stack is created anew each run (cleanup deletes it), so only production meets the destructive change.
  expect(actionNamed(summary, 'DeployTestStack')?.status).toBe('Succeeded');
  const production = actionNamed(summary, 'DeployToProduction');
  expect(production?.status).toBe('Failed');
  expect(production?.detail).toMatch(/UnsafeChangeSetError/);
  expect(production?.detail).toMatch(/RawBucket.*AWS::S3::Bucket/);
  const refused = summary.executions.find((e) => e.action === 'DeployToProduction');
  expect(refused).toMatchObject({ status: 'FAILED', error: 'UnsafeChangeSetError' });
  expect(refused?.changeSet?.changes.map((c) => [c.logicalId, c.disposition])).toContainEqual(['RawBucket', 'refused']);
});
