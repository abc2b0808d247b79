// What a fault case works with: the e2e harness (the real trigger and deploy state machine, sls-packaged, on the local
// cloud), the cloud's fault injector, and the checks every case shares (what was deleted, what rows are left).
import { ListStacksCommand, type StackSummary } from '@aws-sdk/client-cloudformation';
import { ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createFaultInjector, type FaultInjector, type FaultRule } from '@glue-cd/local-cloud';
import { startReleaseCloud, type InvokeActionOutcome } from '@glue-cd/release';
import { cpSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { dataTemplate, harnessOver, REPO_ROOT, startHarness, type Harness } from '../test/e2e/harness';

export { dataTemplate };

/** The environment the cases deploy to: the packaged orchestrator has a CloudFormation role for it. */
export const ENVIRONMENT = 'test';

/** The real NYC TLC sample (7,500 rows): the rows a case must not lose. */
export const SAMPLE_FILE = path.join(
  REPO_ROOT,
  'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv',
);
export const SAMPLE_ROWS = 7500;

/**
 * Every application bucket and stack a case makes carries this prefix: the inventory watches only these. It lies inside
 * the environment's IAM scope (config/environments.js: `glue-cd-glue-etl-<env>-*`), the only names the orchestrator's
 * roles may touch, in the local cloud as on AWS.
 */
const BUCKET_PREFIX = `glue-cd-glue-etl-${ENVIRONMENT}-fault-`;
const STACK_PREFIX = BUCKET_PREFIX;

export interface Names {
  stackName: string;
  bucketName: string;
  databaseName: string;
}

/** Stacks (not deleted) and objects (key → size) of the cases' own buckets. */
export interface Inventory {
  stacks: Map<string, string>;
  objects: Map<string, number>;
}

/** Closing waits for running stack operations: a case that left a huge one must not hold the suite. */
const CLOSE_WAIT_MS = 60_000;
const boundedClose = (close: () => Promise<void>): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLOSE_WAIT_MS);
    close()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });

export class FaultContext {
  harness!: Harness;
  faults: FaultInjector;
  /** State folders of clouds a restart left behind (removed by close). */
  private readonly leftovers: string[] = [];
  /** Faults injected by the injectors of clouds already restarted. */
  private retiredFaults = 0;

  private constructor() {
    this.faults = this.newInjector();
  }

  static async start(): Promise<FaultContext> {
    const context = new FaultContext();
    context.harness = await startHarness({ faults: context.faults });
    return context;
  }

  private newInjector(): FaultInjector {
    // This process is the suite itself: an in-process `kill` only makes the cloud drop every request (a real kill is
    // process-kill-mid-deploy's separate `pnpm cloud`).
    return createFaultInjector({ onKill: () => undefined });
  }

  /** A fault a separate cloud process injected (its own plan, e.g. a kill seen by its exit signal). */
  countExternalFault(): void {
    this.retiredFaults += 1;
  }

  /** Faults injected so far, over every cloud this context ran. */
  injectedCount(): number {
    return this.retiredFaults + this.faults.injected().length;
  }

  /** The rules for what follows (replacing the previous case's). */
  inject(rules: FaultRule[]): void {
    this.faults.setRules(rules);
  }

  names(label: string): Names {
    const id = randomUUID().slice(0, 8);
    return {
      stackName: `${STACK_PREFIX}${label}-${id}`,
      bucketName: `${BUCKET_PREFIX}${label}-${id}`,
      databaseName: `${BUCKET_PREFIX}${label}-${id}`.replace(/-/g, '_'),
    };
  }

  /** One deploy action (a new pipeline execution) with `template` as the artifact's templates/app.json. */
  deploy(stackName: string, template: unknown, extra: Record<string, unknown> = {}): Promise<InvokeActionOutcome> {
    return this.harness.runAction(
      {
        'deploy/app.json': {
          environmentName: ENVIRONMENT,
          stackName,
          template: { artifactPath: 'templates/app.json' },
          ...extra,
        },
        'templates/app.json': template,
      },
      { inputFile: 'deploy/app.json' },
    );
  }

  deleteStack(stackName: string): Promise<InvokeActionOutcome> {
    return this.harness.runAction(
      { 'deploy/cleanup.json': { environmentName: ENVIRONMENT, stackName, action: 'delete' } },
      { inputFile: 'deploy/cleanup.json' },
    );
  }

  /** Arrange, with no faults: the stack exists (CREATE_COMPLETE) and its bucket holds the sample's rows. */
  async givenStack(names: Names, template: unknown = dataTemplate(names)): Promise<void> {
    const rules = this.faults;
    rules.setRules([]);
    const created = await this.deploy(names.stackName, template);
    if (created.status !== 'Succeeded') {
      throw new Error(`arrange: creating ${names.stackName} failed: ${created.message ?? created.status}`);
    }
    await this.seedRows(names.bucketName);
  }

  /** The sample CSV as an object of the bucket: rows a destructive outcome would lose. */
  async seedRows(bucket: string, key = 'raw/yellow_tripdata/sample.csv'): Promise<void> {
    await this.harness.release.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(SAMPLE_FILE) }),
    );
  }

  async inventory(): Promise<Inventory> {
    const { cloudFormation, s3 } = this.harness.release.clients;
    const stacks = new Map<string, string>();
    let NextToken: string | undefined;
    do {
      const page = await cloudFormation.send(new ListStacksCommand({ NextToken }));
      for (const stack of page.StackSummaries ?? ([] as StackSummary[])) {
        if (stack.StackName?.startsWith(STACK_PREFIX) && stack.StackStatus !== 'DELETE_COMPLETE') {
          stacks.set(stack.StackName, stack.StackStatus ?? '?');
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    const objects = new Map<string, number>();
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    for (const bucket of Buckets ?? []) {
      if (!bucket.Name?.startsWith(BUCKET_PREFIX)) continue;
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket.Name, ContinuationToken }));
        for (const object of page.Contents ?? []) objects.set(`${bucket.Name}/${object.Key}`, object.Size ?? 0);
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
    }
    return { stacks, objects };
  }

  /**
   * Restarts the cloud on a copy of its state folder, as a process killed now (or stopped) would find it on disk:
   * `mutate` edits the copy first (e.g. a stack status), then a new cloud (with a fresh injector) serves it.
   */
  async restart(options: { mutate?: (stateDir: string) => void } = {}): Promise<void> {
    const old = this.harness;
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-faults-restart-'));
    this.snapshotInto(stateDir);
    options.mutate?.(stateDir);
    await this.retire(old);
    const release = await startReleaseCloud({ stateDir, waitScale: 0.001, faults: this.faults });
    this.harness = harnessOver(release, old.delivery, stateDir);
  }

  /** A copy of the cloud's state (its delivery services deployed) in a new folder that close() removes. */
  snapshot(): string {
    const stateDir = path.join(os.tmpdir(), `glue-cd-faults-copy-${randomUUID().slice(0, 8)}`);
    this.snapshotInto(stateDir);
    this.leftovers.push(stateDir, `${stateDir}.faults.json`);
    return stateDir;
  }

  private snapshotInto(stateDir: string): void {
    const from = this.harness.stateDir;
    cpSync(from, stateDir, {
      recursive: true,
      // The packaged services are inputs of the deploy, not cloud state. The folder lock is not copied: a killed
      // process's lock is stale and taken over, but the copy's holder would be this very process, still alive.
      filter: (source) => source !== path.join(from, 'build') && source !== path.join(from, '.lock'),
    });
  }

  /** The old process is gone: its answers are dropped from now on (a killed one already drops them). */
  private async retire(old: Harness): Promise<void> {
    this.faults.killNow();
    this.retiredFaults += this.faults.injected().length;
    await boundedClose(() => old.release.close());
    this.leftovers.push(old.stateDir);
    this.faults = this.newInjector();
  }

  async close(): Promise<void> {
    await boundedClose(() => this.harness.close());
    this.leftovers.push(this.harness.stateDir);
    await Promise.all(this.leftovers.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** "Succeeded (created)" / "Failed: <message>" */
export const describeOutcome = (outcome: InvokeActionOutcome): string =>
  outcome.status === 'Succeeded'
    ? `Succeeded (${outcome.outputVariables.outcome ?? '?'})`
    : `Failed: ${(outcome.message ?? '').split('\n')[0]?.slice(0, 160)}`;
