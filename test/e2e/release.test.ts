// `pnpm start` end to end: the packaged pipeline run on the local cloud. The run's cold release (release-fixture.ts)
// builds the state every other test starts from (production created, the test stack cleaned up); each test releases
// on its own copy of that state, after checking the state is what it relies on, so no test depends on another's run.
// Template changes on their way to production: release-changes.test.ts.
import {
  formatSummary,
  LOCKFILE_CHECK,
  localSkipList,
  parseBuildspec,
  PHASES,
  ReleaseReportSchema,
  skipRuleFor,
} from '@glue-cd/release';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './harness';
import {
  actionNamed,
  expectReleasedState,
  firstRelease,
  PROD_STACK,
  release,
  releasedStacks,
  releasedStateCopy,
  SAMPLE,
  statuses,
  TEST_STACK,
  useWorkDir,
  type FirstRelease,
} from './release-fixture';

const LIVE_TEST_CLI = 'node scripts/run-ts.cjs packages/live-test/src/cli.ts';

// Each run also installs and packages inside the Build buildspec; shared machines are slow.
jest.setTimeout(900_000);

const workDir = useWorkDir();
let released: FirstRelease;
beforeAll(async () => {
  released = await firstRelease(workDir());
});

test('the first run deploys the test stack, live-tests it, cleans it up and creates production', async () => {
  const summary = released.summary;
  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  // Each action acted as the deployed pipeline stack's role: the builds as their projects' ServiceRoles.
  const role = (logicalId: string) =>
    expect.stringMatching(new RegExp(`^arn:aws:iam::\\d{12}:role/glue-cd-pipeline-local-${logicalId}-`));
  expect(Object.fromEntries(summary.actions.map((a) => [a.action, a.runAs]))).toEqual({
    Source: role('PipelineRole'),
    Build: role('BuildProjectRole'),
    DeployTestStack: role('PipelineRole'),
    PlanProduction: role('PipelineRole'),
    AutomatedLiveTest: role('LiveTestProjectRole'),
    LiveTestApproval: undefined,
    LiveTestCleanup: role('PipelineRole'),
    DeployToProduction: role('PipelineRole'),
  });
  expect(summary.report.differences.filter((d) => /operator key/.test(d.difference))).toEqual([]);
  // Each Invoke action says it called its function synchronously, once per job (CodePipeline's are async, retried).
  expect(
    summary.report.differences.filter((d) => /invoked synchronously/.test(d.difference)).map((d) => d.action),
  ).toEqual(['DeployTestStack', 'PlanProduction', 'LiveTestCleanup', 'DeployToProduction']);
  expect(summary.outputVariables.DeployTestStack).toMatchObject({ stackName: TEST_STACK, outcome: 'created' });
  const trips = (await readFile(SAMPLE, 'utf8')).split(/\r?\n/).filter((line) => line.length > 0).length - 1;
  // AutomatedLiveTest ran buildspecs/live-test.yml: its CLI on the SDK backend against the local cloud's Glue/Athena.
  const liveTest = summary.actions.find((a) => a.action === 'AutomatedLiveTest');
  expect(liveTest?.commands?.find((c) => c.command === LIVE_TEST_CLI)).toMatchObject({ phase: 'build', exitCode: 0 });
  const liveTestLog = await readFile(liveTest!.logFile!, 'utf8');
  expect(liveTestLog).toMatch(/Live test PASSED: (\d+)\/\1 checks passed/);
  expect(liveTestLog).toContain(`records: raw ${trips}, transformed ${trips}, rejected 0`);
  expect(liveTestLog).toContain(`seeded s3://${summary.outputVariables.DeployTestStack?.RawBucketName}/`);
  // Its only difference from AWS may be the machine's Node (no in-process run, no private backend).
  const runtime = /^runtime-versions nodejs \d+: this machine runs Node v/;
  expect(
    summary.report.differences.filter((d) => d.action === 'AutomatedLiveTest' && !runtime.test(d.difference)),
  ).toEqual([]);
  expect(summary.outputVariables.LiveTestCleanup).toMatchObject({ stackName: TEST_STACK, outcome: 'deleted' });
  expect(summary.outputVariables.DeployToProduction).toMatchObject({ stackName: PROD_STACK, outcome: 'created' });
  expect(summary.executions.map((e) => [e.action, e.status])).toEqual([
    ['DeployTestStack', 'SUCCEEDED'],
    ['PlanProduction', 'SUCCEEDED'],
    ['LiveTestCleanup', 'SUCCEEDED'],
    ['DeployToProduction', 'SUCCEEDED'],
  ]);
  const stacks = await releasedStacks(released.stateDir);
  expect(expectReleasedState(stacks).outputs).toMatchObject({
    RawBucketName: summary.outputVariables.DeployToProduction?.RawBucketName,
  });
  // Production did not exist yet: its plan is a CREATE, and the approval showed it.
  expect(summary.report.plans).toEqual([
    expect.objectContaining({ action: 'PlanProduction', stackName: PROD_STACK, verdict: 'accepted' }),
  ]);
  const [plan] = summary.report.plans ?? [];
  // A new stack's statements are all listed as broadening, none refused: its deploy is a CreateStack.
  expect(plan?.counts).toMatchObject({ modified: 0, replaced: 0, removed: 0 });
  expect(plan?.counts.broadening).toBeGreaterThan(0);
  expect(plan?.counts.added).toBeGreaterThan(0);
  expect(summary.outputVariables.PlanProduction).toMatchObject({
    outcome: 'planned',
    added: String(plan?.counts.added),
    PlanUrl: plan?.url,
  });
  expect(actionNamed(summary, 'LiveTestApproval')?.detail).toContain(
    `Production will get: ${plan?.counts.added} added, 0 modified, 0 replaced, 0 removed, ${plan?.counts.broadening} security broadening (deploy accepted)`,
  );
  expect(actionNamed(summary, 'LiveTestApproval')?.detail).toContain(`PlanProduction: ${plan?.summary}`);
  expect(existsSync(summary.reportPath)).toBe(true);
  const html = await readFile(summary.reportPath, 'utf8');
  expect(html).toContain(`PlanProduction: ${PROD_STACK}`);
  for (const execution of summary.executions) expect(html).toContain(execution.executionArn);

  // The Build ran buildspecs/build.yml verbatim but for its skip list: every command in order, with its exit code.
  const buildspec = parseBuildspec(await readFile(path.join(REPO_ROOT, 'buildspecs/build.yml'), 'utf8'), 'build.yml');
  const skipList = localSkipList();
  const latestBuild = ReleaseReportSchema.parse(
    JSON.parse(await readFile(path.join(released.reportDir, 'latest.json'), 'utf8')),
  ).actions.find((a) => a.action === 'Build');
  const buildLog = await readFile(latestBuild!.logFile!, 'utf8');
  // A stand-in does the command's work another way (skipped), or runs the command as written when it cannot (a
  // package not yet in the cache), saying so in the log: then it has the command's exit code.
  const standInRan = (command: string) => buildLog.includes(`Running command ${command} (local release: `);
  const expected = PHASES.flatMap((phase) =>
    (buildspec.phases?.[phase]?.commands ?? []).map((command) => {
      const rule = skipRuleFor(command, skipList);
      return [phase, command, rule && !(rule.standIn && standInRan(command)) ? null : 0];
    }),
  );
  // The install is the skip list's linked stand-in: the lockfile is checked (it fails on a stale one), then linked.
  expect(expected).toContainEqual(['install', 'pnpm install --frozen-lockfile', null]);
  expect(skipRuleFor('pnpm install --frozen-lockfile', skipList)?.reason).toContain(LOCKFILE_CHECK);
  expect(expected).toContainEqual(['pre_build', 'pnpm test', null]);
  // The release packaged glue-etl's stages ahead from the working tree with the Build's variables
  // (codebuild/packagings-ahead.ts): the Build, on the same source, took them from the cache instead of packaging.
  expect(expected).toContainEqual(['build', 'node scripts/package-stages.js services/glue-etl test prod', null]);
  const latest = ReleaseReportSchema.parse(
    JSON.parse(await readFile(path.join(released.reportDir, 'latest.json'), 'utf8')),
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
  expect(html).toContain('<code>pnpm install --frozen-lockfile</code><br><span class="neutral">linked, not installed');
  // Checked in this build, or (a cache the caller named) remembered from a pass on the same manifests and lockfile.
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(await readFile(build!.logFile!, 'utf8')).toMatch(
    new RegExp(
      `Skipping command pnpm install --frozen-lockfile \\(local release: linked, not installed[^\\n]*; ` +
        `${escape(LOCKFILE_CHECK)} (→ exit 0|passed before)`,
    ),
  );
});

test('a second run with no change starts no pipeline execution; --release-change runs it and finds production unchanged', async () => {
  const { stateDir, reportDir } = await releasedStateCopy(workDir(), released);
  const before = expectReleasedState(await releasedStacks(stateDir));

  const rerun = await release({ stateDir, reportDir, approve: true });

  expect(rerun.succeeded).toBe(true);
  expect(rerun.report.unchanged).toMatch(
    new RegExp(
      `^nothing to release: the Source is the one of execution ${released.summary.report.pipelineExecutionId} `,
    ),
  );
  expect(statuses(rerun)).toEqual({
    Source: 'Succeeded',
    Build: 'Skipped',
    DeployTestStack: 'Skipped',
    PlanProduction: 'Skipped',
    AutomatedLiveTest: 'Skipped',
    LiveTestApproval: 'Skipped',
    LiveTestCleanup: 'Skipped',
    DeployToProduction: 'Skipped',
  });
  expect(rerun.executions).toEqual([]);
  expect(formatSummary(rerun).map((line) => line.text)).toContain(rerun.report.unchanged);
  expect(await releasedStacks(stateDir)).toEqual({ prod: before, test: undefined });

  const summary = await release({ stateDir, reportDir, approve: true, releaseChange: true });

  expect(summary.report.unchanged).toBeUndefined();
  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.outputVariables.DeployToProduction).toMatchObject({ stackName: PROD_STACK, outcome: 'no-changes' });
  const after = await releasedStacks(stateDir);
  expect(after).toEqual({ prod: before, test: undefined });
});

test('a rejected approval stops the release before production: the test stack stays for inspection', async () => {
  const { stateDir, reportDir } = await releasedStateCopy(workDir(), released);
  const before = expectReleasedState(await releasedStacks(stateDir));

  // The same Source as the first release: --release-change, so that the pipeline runs up to the approval.
  const summary = await release({ stateDir, reportDir, approve: false, releaseChange: true });

  expect(summary.succeeded).toBe(false);
  expect(statuses(summary)).toMatchObject({
    DeployTestStack: 'Succeeded',
    AutomatedLiveTest: 'Succeeded',
    LiveTestApproval: 'Stopped',
    LiveTestCleanup: 'Skipped',
    DeployToProduction: 'Skipped',
  });
  expect(summary.outputVariables.DeployToProduction).toBeUndefined();
  expect(summary.executions.map((e) => e.action)).toEqual(['DeployTestStack', 'PlanProduction']);
  const after = await releasedStacks(stateDir);
  // Nothing cleaned it up: the reviewer can still look at what was rejected.
  expect(after.test?.status).toBe('CREATE_COMPLETE');
  expect(after.test?.outputs).toMatchObject({ RawBucketName: summary.outputVariables.DeployTestStack?.RawBucketName });
  expect(after.prod).toEqual(before);
});
