// The release tests' shared start (release.test.ts, release-changes.test.ts, split so jest's workers run them side by
// side): one cold release per jest run, made by whichever file asks first and snapshotted, and the helpers the tests
// read stacks with. Each test releases on its own copy of the snapshot, after checking it is what it relies on.
import { approveAll, copyLocalCloudState } from './release-helpers';
import { DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  runRelease,
  silentProgress,
  startReleaseCloud,
  withFolderLock,
  type CloudClients,
  type ReleaseSummary,
} from '@glue-cd/release';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEST_RUN_DIR } from '../support/run-dir';
import { REPO_ROOT } from './harness';

export const SAMPLE = path.resolve(
  REPO_ROOT,
  'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv',
);
export const TEST_STACK = 'glue-cd-glue-etl-test';
export const PROD_STACK = 'glue-cd-glue-etl-prod';

export const release = (options: {
  stateDir: string;
  reportDir: string;
  approve: boolean;
  sourceEdits?: Record<string, string>;
  /** `pnpm start -- --plan`: stop at the production plan. */
  planOnly?: boolean;
  /** `pnpm start -- --release-change`: run the pipeline on an unchanged Source too. */
  releaseChange?: boolean;
}) =>
  runRelease({
    ...(options.sourceEdits ? { sourceEdits: options.sourceEdits } : {}),
    ...(options.planOnly ? { planOnly: true } : {}),
    ...(options.releaseChange ? { releaseChange: true } : {}),
    repoRoot: REPO_ROOT,
    stateDir: options.stateDir,
    reportDir: options.reportDir,
    approver: approveAll(options.approve),
    progress: silentProgress,
    // No pollIntervalMs: pnpm start's re-invoke delay, cut short as the deploy execution ends (20 ms: ~60 invocations).
  });

/** The cold release every release test starts from: its summary, state and reports, and the snapshot of its state. */
export interface FirstRelease {
  summary: ReleaseSummary;
  stateDir: string;
  reportDir: string;
  /** A copy of the state taken right after the release, before anyone read it: copy it again to release on. */
  releasedState: string;
}

/**
 * The run's cold release: made once per jest run under a lock in the run's folder (global-setup.ts), read back by
 * every later caller; without a run folder, made in the file's own temp folder.
 */
export const firstRelease = async (workDir: string): Promise<FirstRelease> => {
  const runDir = process.env[TEST_RUN_DIR];
  const shared = runDir ? path.join(runDir, 'first-release') : path.join(workDir, 'first-release');
  const first = {
    stateDir: path.join(shared, 'first', 'state'),
    reportDir: path.join(shared, 'first', 'reports'),
    releasedState: path.join(shared, 'released', 'state'),
  };
  const done = path.join(shared, 'summary.json');
  await mkdir(shared, { recursive: true });
  return withFolderLock(path.join(shared, '.lock'), async () => {
    if (existsSync(done)) return { ...first, summary: JSON.parse(await readFile(done, 'utf8')) as ReleaseSummary };
    const summary = await release({ stateDir: first.stateDir, reportDir: first.reportDir, approve: true });
    // Copied before anyone reads it: the first test inspects its own folder, the others copies of the snapshot.
    await copyLocalCloudState(first.stateDir, first.releasedState);
    await writeFile(done, JSON.stringify(summary));
    return { ...first, summary };
  });
};

/** A temp folder for a test file's own state copies, removed after its tests. */
export const useWorkDir = (): (() => string) => {
  let workDir: string | undefined;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-release-'));
  });
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
  return () => {
    if (!workDir) throw new Error('no work folder (see beforeAll)');
    return workDir;
  };
};

let copies = 0;
/** A copy of the state the first release left, for one test to release on (and its own report folder). */
export const releasedStateCopy = async (workDir: string, released: FirstRelease) => {
  copies += 1;
  const dir = path.join(workDir, `test-${copies}`);
  await copyLocalCloudState(released.releasedState, path.join(dir, 'state'));
  return { stateDir: path.join(dir, 'state'), reportDir: path.join(dir, 'reports') };
};

/** Reads a state folder through the local cloud, as a user would after the release. */
export const inspect = async <T>(stateDir: string, read: (clients: CloudClients) => Promise<T>): Promise<T> => {
  const cloud = await startReleaseCloud({ stateDir });
  try {
    return await read(cloud.clients);
  } finally {
    await cloud.close();
  }
};

export interface StackView {
  status: string | undefined;
  outputs: Record<string, string>;
  template: unknown;
}
export const stackView = async (clients: CloudClients, stackName: string): Promise<StackView | undefined> => {
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
export const bucketKeys = async (clients: CloudClients, bucket: string): Promise<string[] | undefined> => {
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
export const releasedStacks = (stateDir: string) =>
  inspect(stateDir, async (clients) => ({
    prod: await stackView(clients, PROD_STACK),
    test: await stackView(clients, TEST_STACK),
  }));
export const expectReleasedState = (stacks: Awaited<ReturnType<typeof releasedStacks>>) => {
  expect({ prod: stacks.prod?.status, test: stacks.test?.status }).toEqual({
    prod: 'CREATE_COMPLETE',
    test: undefined,
  });
  return stacks.prod!;
};

/** Files of services/glue-etl as a developer edits them; the Source artifact carries the edits. */
export const glueEtlEdit = async (
  from: string,
  to: string,
  name = 'serverless.yml',
): Promise<Record<string, string>> => {
  const file = `services/glue-etl/${name}`;
  const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
  expect(text).toContain(from);
  return { [file]: text.replace(from, to) };
};

export const statuses = (summary: ReleaseSummary) =>
  Object.fromEntries(summary.actions.map((a) => [a.action, a.status]));
export const actionNamed = (summary: ReleaseSummary, name: string) => summary.actions.find((a) => a.action === name);
