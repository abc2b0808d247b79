// `pnpm start` end to end: the packaged pipeline run on the local cloud. One cold release in beforeAll builds the
// state every other test starts from (production created, the test stack cleaned up); each test releases on its
// own copy of that state, after checking the state is what it relies on, so no test depends on another's run.
import { approveAll, copyLocalCloudState } from './release-helpers';
import { DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  formatSummary,
  localSkipList,
  parseBuildspec,
  PHASES,
  ReleaseReportSchema,
  runRelease,
  silentProgress,
  skipRuleFor,
  startReleaseCloud,
  type CloudClients,
  type ReleaseSummary,
} from '@glue-cd/release';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './harness';

// Each run also installs and packages inside the Build buildspec; shared machines are slow.
jest.setTimeout(900_000);

const SAMPLE = path.resolve(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');
const TEST_STACK = 'glue-cd-glue-etl-test';
const PROD_STACK = 'glue-cd-glue-etl-prod';

let workDir: string;
/** The cold release of beforeAll, its state folder, and a snapshot of that state: every other test's start. */
let first: ReleaseSummary;
let firstReportDir: string;
let firstState: string;
let releasedState: string;
let copies = 0;

const release = (options: {
  stateDir: string;
  reportDir: string;
  approve: boolean;
  sourceEdits?: Record<string, string>;
}) =>
  runRelease({
    ...(options.sourceEdits ? { sourceEdits: options.sourceEdits } : {}),
    repoRoot: REPO_ROOT,
    stateDir: options.stateDir,
    reportDir: options.reportDir,
    approver: approveAll(options.approve),
    progress: silentProgress,
    sampleFile: SAMPLE,
    pollIntervalMs: 20,
  });

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-release-'));
  firstState = path.join(workDir, 'first', 'state');
  firstReportDir = path.join(workDir, 'first', 'reports');
  first = await release({ stateDir: firstState, reportDir: firstReportDir, approve: true });
  // Copied before anyone reads it: the first test inspects its own folder, the others copies of the snapshot.
  releasedState = path.join(workDir, 'released', 'state');
  await copyLocalCloudState(firstState, releasedState);
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A copy of the state the first release left, for one test to release on (and its own report folder). */
const releasedStateCopy = async () => {
  copies += 1;
  const dir = path.join(workDir, `test-${copies}`);
  await copyLocalCloudState(releasedState, path.join(dir, 'state'));
  return { stateDir: path.join(dir, 'state'), reportDir: path.join(dir, 'reports') };
};

/** Reads a state folder through the local cloud, as a user would after the release. */
const inspect = async <T>(stateDir: string, read: (clients: CloudClients) => Promise<T>): Promise<T> => {
  const cloud = await startReleaseCloud({ stateDir });
  try {
    return await read(cloud.clients);
  } finally {
    await cloud.close();
  }
};

interface StackView {
  status: string | undefined;
  outputs: Record<string, string>;
  template: unknown;
}
const stackView = async (clients: CloudClients, stackName: string): Promise<StackView | undefined> => {
  let stack: Stack | undefined;
  try {
    stack = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
  const { TemplateBody } = await clients.cloudFormation.send(new GetTemplateCommand({ StackName: stackName }));
  return {
    status: stack?.StackStatus,
    outputs: Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
    template: JSON.parse(TemplateBody ?? 'null') as unknown,
  };
};
const bucketKeys = async (clients: CloudClients, bucket: string): Promise<string[] | undefined> => {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
  const { Contents } = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (Contents ?? []).map((object) => object.Key ?? '');
};

/** Production and the test stack as the first release leaves them: the precondition of every warm test. */
const releasedStacks = (stateDir: string) =>
  inspect(stateDir, async (clients) => ({
    prod: await stackView(clients, PROD_STACK),
    test: await stackView(clients, TEST_STACK),
  }));
const expectReleasedState = (stacks: Awaited<ReturnType<typeof releasedStacks>>) => {
  expect({ prod: stacks.prod?.status, test: stacks.test?.status }).toEqual({
    prod: 'CREATE_COMPLETE',
    test: undefined,
  });
  return stacks.prod!;
};

/** Files of services/glue-etl as a developer edits them; the Source artifact carries the edits. */
const glueEtlEdit = async (from: string, to: string, name = 'serverless.yml'): Promise<Record<string, string>> => {
  const file = `services/glue-etl/${name}`;
  const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
  expect(text).toContain(from);
  return { [file]: text.replace(from, to) };
};

const statuses = (summary: ReleaseSummary) => Object.fromEntries(summary.actions.map((a) => [a.action, a.status]));
const actionNamed = (summary: ReleaseSummary, name: string) => summary.actions.find((a) => a.action === name);

test('the first run deploys the test stack, live-tests it, cleans it up and creates production', async () => {
  const summary = first;
  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.outputVariables.DeployTestStack).toMatchObject({ stackName: TEST_STACK, outcome: 'created' });
  const trips = (await readFile(SAMPLE, 'utf8')).split(/\r?\n/).filter((line) => line.length > 0).length - 1;
  expect(summary.liveTest?.passed).toBe(true);
  expect(summary.liveTest?.counts).toEqual({ seeded: trips, raw: trips, transformed: trips, rejected: 0 });
  expect(summary.outputVariables.LiveTestCleanup).toMatchObject({ stackName: TEST_STACK, outcome: 'deleted' });
  expect(summary.outputVariables.DeployToProduction).toMatchObject({ stackName: PROD_STACK, outcome: 'created' });
  expect(summary.executions.map((e) => [e.action, e.status])).toEqual([
    ['DeployTestStack', 'SUCCEEDED'],
    ['PlanProduction', 'SUCCEEDED'],
    ['LiveTestCleanup', 'SUCCEEDED'],
    ['DeployToProduction', 'SUCCEEDED'],
  ]);
  const stacks = await releasedStacks(firstState);
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
    JSON.parse(await readFile(path.join(firstReportDir, 'latest.json'), 'utf8')),
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
  const { stateDir, reportDir } = await releasedStateCopy();
  const before = expectReleasedState(await releasedStacks(stateDir));

  const summary = await release({ stateDir, reportDir, approve: true });

  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.outputVariables.DeployToProduction).toMatchObject({ stackName: PROD_STACK, outcome: 'no-changes' });
  const after = await releasedStacks(stateDir);
  expect(after).toEqual({ prod: before, test: undefined });
});

test('a rejected approval stops the release before production: the test stack stays for inspection', async () => {
  const { stateDir, reportDir } = await releasedStateCopy();
  const before = expectReleasedState(await releasedStacks(stateDir));

  const summary = await release({ stateDir, reportDir, approve: false });

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

test('after a safe template change, production is updated in place', async () => {
  const { stateDir, reportDir } = await releasedStateCopy();
  const before = expectReleasedState(await releasedStacks(stateDir));
  const [from, to] = [
    'Description: Catalogues the raw NYC yellow taxi CSV.',
    'Description: Catalogues the raw NYC yellow taxi CSV as landed by the producers.',
  ];
  expect(JSON.stringify(before.template)).not.toContain('as landed by the producers');

  const summary = await release({ stateDir, reportDir, approve: true, sourceEdits: await glueEtlEdit(from, to) });

  expect(summary.actions.filter((s) => s.status !== 'Succeeded')).toEqual([]);
  expect(summary.outputVariables.DeployToProduction).toMatchObject({ stackName: PROD_STACK, outcome: 'updated' });
  const after = await releasedStacks(stateDir);
  expect(after.prod?.status).toBe('UPDATE_COMPLETE');
  expect(JSON.stringify(after.prod?.template)).toContain(
    'Catalogues the raw NYC yellow taxi CSV as landed by the producers.',
  );
  expect(after.prod?.outputs).toEqual(before.outputs);
});

test('after a destructive template change, production refuses it, lists the violations and is left untouched', async () => {
  const { stateDir, reportDir } = await releasedStateCopy();
  const before = expectReleasedState(await releasedStacks(stateDir));
  const rawBucket = before.outputs.RawBucketName!;
  // Production data the refused change would have destroyed with the bucket.
  await inspect(stateDir, (clients) =>
    clients.s3.send(
      new PutObjectCommand({ Bucket: rawBucket, Key: 'nyc-taxi/yellow_tripdata/keep.csv', Body: 'a\n1\n' }),
    ),
  );
  // A new raw bucket name replaces the bucket, and with it the data it holds.
  const edit = await glueEtlEdit(
    'name: sub(`\\${AWS::StackName}-raw-\\${AWS::AccountId}`)',
    'name: sub(`\\${AWS::StackName}-landing-\\${AWS::AccountId}`)',
    'resources.js',
  );

  const summary = await release({ stateDir, reportDir, approve: true, sourceEdits: edit });

  expect(summary.succeeded).toBe(false);
  // The test stack is created anew each run (cleanup deletes it), so only production meets the destructive change.
  expect(statuses(summary)).toMatchObject({
    DeployTestStack: 'Succeeded',
    LiveTestCleanup: 'Succeeded',
    DeployToProduction: 'Failed',
  });
  // The reviewer was shown it before approving: the plan counts the replacement and says a deploy would be refused.
  expect(summary.report.plans?.[0]).toMatchObject({ verdict: 'refused-destructive', counts: { replaced: 1 } });
  expect(actionNamed(summary, 'LiveTestApproval')?.detail).toContain('1 replaced');
  const production = actionNamed(summary, 'DeployToProduction');
  expect(production?.detail).toContain('UnsafeChangeSetError');
  expect(production?.detail).toContain('RESOURCES-BEING-DELETED-OR-REPLACED');
  expect(production?.detail).toMatch(/RawBucket \(AWS::S3::Bucket\)/);
  const refused = summary.executions.find((e) => e.action === 'DeployToProduction');
  expect(refused).toMatchObject({ status: 'FAILED', error: 'UnsafeChangeSetError' });
  expect(refused?.changeSet?.changes.map((c) => [c.logicalId, c.disposition])).toContainEqual(['RawBucket', 'refused']);
  const after = await releasedStacks(stateDir);
  expect(after).toEqual({ prod: before, test: undefined });
  await inspect(stateDir, async (clients) => {
    expect(await bucketKeys(clients, rawBucket)).toEqual(['nyc-taxi/yellow_tripdata/keep.csv']);
    expect(await bucketKeys(clients, rawBucket.replace('-raw-', '-landing-'))).toBeUndefined();
  });
});

test('pnpm start -- --plan plans production from the working tree and deploys nothing', async () => {
  const { stateDir, reportDir } = await releasedStateCopy();
  const before = expectReleasedState(await releasedStacks(stateDir));
  const [from, to] = [
    'Description: Catalogues the raw NYC yellow taxi CSV.',
    'Description: Catalogues the raw NYC yellow taxi CSV, planned only.',
  ];

  const summary = await runRelease({
    repoRoot: REPO_ROOT,
    stateDir,
    reportDir,
    approver: approveAll(true),
    progress: silentProgress,
    sampleFile: SAMPLE,
    pollIntervalMs: 20,
    sourceEdits: await glueEtlEdit(from, to),
    planOnly: true,
  });

  expect(summary.succeeded).toBe(true);
  expect(summary.report.mode).toBe('plan');
  expect(statuses(summary)).toEqual({
    Source: 'Succeeded',
    Build: 'Succeeded',
    DeployTestStack: 'Skipped',
    PlanProduction: 'Succeeded',
    AutomatedLiveTest: 'Skipped',
    LiveTestApproval: 'Skipped',
    LiveTestCleanup: 'Skipped',
    DeployToProduction: 'Skipped',
  });
  expect(summary.report.plans?.[0]).toMatchObject({
    stackName: PROD_STACK,
    verdict: 'accepted',
    counts: { added: 0, replaced: 0, removed: 0, broadening: 0 },
  });
  expect(summary.report.plans?.[0]?.counts.modified).toBeGreaterThan(0);
  expect(summary.executions.map((e) => e.action)).toEqual(['PlanProduction']);
  const lines = formatSummary(summary).map((line) => line.text);
  expect(lines).toContain('nothing was deployed (--plan): the production stack is as it was');
  expect(await releasedStacks(stateDir)).toEqual({ prod: before, test: undefined });
});
