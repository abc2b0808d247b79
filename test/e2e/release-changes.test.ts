// `pnpm start` end to end, as release.test.ts (the same cold release, release-fixture.ts): template changes on their
// way to production, a safe one applied in place, a destructive one refused, and one only planned (--plan).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { formatSummary } from '@glue-cd/release';
import {
  actionNamed,
  bucketKeys,
  expectReleasedState,
  firstRelease,
  glueEtlEdit,
  inspect,
  PROD_STACK,
  release,
  releasedStacks,
  releasedStateCopy,
  statuses,
  useWorkDir,
  type FirstRelease,
} from './release-fixture';

// Each run also installs and packages inside the Build buildspec; shared machines are slow.
jest.setTimeout(900_000);

// A safe change (a crawler's description), applied by one test and only planned by another: the same edit, so the
// second Build finds both stages' packages and the cfn-lint pass in the run's package cache instead of redoing them.
const SAFE_EDIT: [string, string] = [
  'Description: Catalogues the raw NYC yellow taxi CSV.',
  'Description: Catalogues the raw NYC yellow taxi CSV as landed by the producers.',
];

const workDir = useWorkDir();
let released: FirstRelease;
beforeAll(async () => {
  released = await firstRelease(workDir());
});

test('after a safe template change, production is updated in place', async () => {
  const { stateDir, reportDir } = await releasedStateCopy(workDir(), released);
  const before = expectReleasedState(await releasedStacks(stateDir));
  expect(JSON.stringify(before.template)).not.toContain('as landed by the producers');

  const summary = await release({ stateDir, reportDir, approve: true, sourceEdits: await glueEtlEdit(...SAFE_EDIT) });

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
  const { stateDir, reportDir } = await releasedStateCopy(workDir(), released);
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
  // The reviewer was shown it before approving: the plan counts the replacements (the bucket, and its policy, which
  // names it) and says a deploy would be refused.
  expect(summary.report.plans?.[0]).toMatchObject({ verdict: 'refused-destructive', counts: { replaced: 2 } });
  expect(actionNamed(summary, 'LiveTestApproval')?.detail).toContain('2 replaced');
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
  const { stateDir, reportDir } = await releasedStateCopy(workDir(), released);
  const before = expectReleasedState(await releasedStacks(stateDir));

  const summary = await release({
    stateDir,
    reportDir,
    approve: true,
    sourceEdits: await glueEtlEdit(...SAFE_EDIT),
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
