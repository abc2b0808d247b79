// The local cloud's CloudFormation and S3, started in this process, as the one CloudFormation the orchestrator's
// tests run against: the real SDK clients of the tasks are pointed at it, and a fault the cloud cannot produce on its
// own (throttling) goes through its fault hook.
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetStackPolicyCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  ListStacksCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  type Parameter,
  type Stack,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createClientFactory } from '@glue-cd/lambda-edge';
import {
  createFaultInjector,
  localRetryStrategy,
  startLocalCloud,
  type FaultInjector,
  type FaultRule,
  type LocalCloud,
} from '@glue-cd/local-cloud';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SDK_DEADLINES, useAwsClients } from '../../src/clients';
import { STAGING_BUCKET } from './run-deploy';

/**
 * The local CloudFormation's pause per status step in these tests: 2 ms, not the cloud's default 20. A dozen resources
 * still keep a stack busy for dozens of sequential timer turns (the busy-stack tests); the other tests wait a tenth as
 * long. A test that must catch a change set mid-computation (two steps) asks for longer steps (`stepDelay`).
 */
export const STACK_STEP_MS = 2;

/** The bucket test artifacts (template zips) are uploaded to. */
export const ARTIFACT_BUCKET = 'glue-cd-orchestrator-test-artifacts';

export type Template = Record<string, unknown>;

export interface GivenStack {
  /** What the stack is made to be before the test: created (the default), or created then updated. */
  status?: 'CREATE_COMPLETE' | 'UPDATE_COMPLETE';
  parameters?: Record<string, string>;
  tags?: Record<string, string>;
  terminationProtection?: boolean;
  stackPolicy?: string;
}

const ROLLBACK_STATUSES = new Set(['ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);
const SETTLED = /(_COMPLETE|_FAILED)$/;

/** `Operation target` of a CloudFormation call, as the tests assert on them (`DescribeChangeSet <id>`). */
const describeCall = (operation: string, input: Record<string, unknown>): string => {
  const target = input.ChangeSetName ?? input.StackName;
  const extra = operation === 'UpdateTerminationProtection' ? ` ${String(input.EnableTerminationProtection)}` : '';
  return `${operation} ${String(target ?? '')}${extra}`;
};

export class OrchestratorCloud {
  /** The CloudFormation calls since the last reset (the test's own set-up excluded). */
  readonly calls: string[] = [];
  /** Nesting depth of `quietly`: calls are recorded at depth 0 only. */
  private quiet = 0;
  /** Stacks (deleted ones too) that existed before the test. */
  private earlier = new Set<string>();
  /** What happens elsewhere when the cloud receives a CloudFormation call (another writer, at that moment). */
  private readonly onCall = new Map<string, () => Promise<void>>();

  private constructor(
    readonly cloud: LocalCloud,
    readonly faults: FaultInjector,
    readonly cfn: CloudFormationClient,
    readonly s3: S3Client,
    private readonly stateDir: string,
  ) {}

  /** One local cloud for a suite (beforeAll); the tasks' module clients are pointed at it. */
  static async start(options: { changeSetPageSize?: number } = {}): Promise<OrchestratorCloud> {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'orchestrator-cloud-'));
    const faults = createFaultInjector();
    // The hook is built before the object it reports to.
    const ref: { self?: OrchestratorCloud } = {};
    const cloud = await startLocalCloud({
      stateDir,
      port: 0,
      faults,
      stackStepMs: STACK_STEP_MS,
      ...options,
      authorize: async ({ service, operation, input }) => {
        const self = ref.self;
        if (service !== 'cloudformation' || self === undefined || self.quiet > 0) return;
        self.calls.push(describeCall(operation, input));
        const meanwhile = self.onCall.get(operation);
        self.onCall.delete(operation);
        await meanwhile?.();
      },
    });
    const env = cloud.environment();
    // The factory the tasks use, with the cloud's endpoint and operator key instead of the Lambda role's chain.
    const factory = createClientFactory({
      deadlines: SDK_DEADLINES,
      region: env.AWS_REGION!,
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    });
    const cfn = factory.create(CloudFormationClient);
    const s3 = factory.s3(S3Client);
    const self = new OrchestratorCloud(cloud, faults, cfn, s3, stateDir);
    ref.self = self;
    await s3.send(new CreateBucketCommand({ Bucket: STAGING_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: ARTIFACT_BUCKET }));
    // The tasks' CloudFormation client retries as the SDK decides, SDK_DEADLINES.maxAttempts times, but with the local
    // pauses instead of the SDK's backoff (a throttled call spent ~1.5 s per invocation in it).
    const retryStrategy = localRetryStrategy(SDK_DEADLINES.maxAttempts);
    useAwsClients({
      cloudFormation: factory.create(CloudFormationClient, { retryStrategy }),
      s3: factory.s3(S3Client),
    });
    return self;
  }

  async close(): Promise<void> {
    await this.cloud.close();
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** Fault rules for the next calls (the cloud's fault hook, as `pnpm faults` uses it). */
  inject(rules: FaultRule[]): void {
    this.faults.setRules(rules);
  }

  /** The pause per status step of the stack operations and change sets that follow, in this test. */
  stepDelay(ms: number): void {
    this.cloud.cloudFormation.setStepDelay(ms);
  }

  /** Runs `work` once, when the cloud next receives `operation` (before it executes). */
  when(operation: string, work: () => Promise<void>): void {
    this.onCall.set(operation, work);
  }

  /** Runs set-up or inspection calls without recording them. */
  async quietly<T>(work: () => Promise<T>): Promise<T> {
    this.quiet += 1;
    try {
      return await work();
    } finally {
      this.quiet -= 1;
    }
  }

  /** Deletes every stack and staged object and forgets calls and faults: each test starts from an empty cloud. */
  async reset(): Promise<void> {
    this.faults.setRules([]);
    this.cloud.cloudFormation.setStepDelay(STACK_STEP_MS);
    this.onCall.clear();
    await this.quietly(async () => {
      await this.cloud.cloudFormation.waitForIdle();
      const { StackSummaries = [] } = await this.cfn.send(new ListStacksCommand({}));
      const live = StackSummaries.filter((s) => s.StackStatus !== 'DELETE_COMPLETE' && s.ParentId === undefined);
      for (const summary of live) {
        const id = summary.StackId!;
        const stack = await this.stack(id);
        if (stack?.EnableTerminationProtection === true) {
          await this.cfn.send(
            new UpdateTerminationProtectionCommand({ StackName: id, EnableTerminationProtection: false }),
          );
        }
        for (const resource of this.cloud.cloudFormation.stackResources(id)) {
          if (resource.type === 'AWS::S3::Bucket' && resource.physicalId) await this.emptyBucket(resource.physicalId);
        }
        await this.cfn.send(new DeleteStackCommand({ StackName: id }));
      }
      await this.cloud.cloudFormation.waitForIdle();
      // Retained buckets outlive their stacks: gone too, so that no test sees another's.
      for (const { name } of await this.cloud.objects.listBuckets()) {
        await this.emptyBucket(name);
        if (name !== STAGING_BUCKET && name !== ARTIFACT_BUCKET)
          await this.s3.send(new DeleteBucketCommand({ Bucket: name }));
      }
    });
    this.calls.length = 0;
    const { StackSummaries = [] } = await this.quietly(() => this.cfn.send(new ListStacksCommand({})));
    this.earlier = new Set(StackSummaries.map((s) => s.StackId!));
  }

  /** A stack made through CloudFormation itself (CreateStack, then an UpdateStack for UPDATE_COMPLETE). */
  async givenStack(stackName: string, template: Template, options: GivenStack = {}): Promise<Stack> {
    return this.quietly(async () => {
      const parameters = toParameters(options.parameters ?? { Stage: 'test' });
      const tags = Object.entries(options.tags ?? { application: 'glue-cd' }).map(([Key, Value]) => ({ Key, Value }));
      await this.cfn.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: JSON.stringify(options.status === 'UPDATE_COMPLETE' ? withMarker(template) : template),
          Parameters: parameters,
          Tags: tags,
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
          ...(options.terminationProtection === true ? { EnableTerminationProtection: true } : {}),
          ...(options.stackPolicy !== undefined ? { StackPolicyBody: options.stackPolicy } : {}),
        }),
      );
      await this.settled(stackName, 'CREATE_COMPLETE');
      if (options.status === 'UPDATE_COMPLETE') {
        await this.cfn.send(
          new UpdateStackCommand({
            StackName: stackName,
            TemplateBody: JSON.stringify(template),
            Parameters: parameters,
            Tags: tags,
            Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
          }),
        );
        await this.settled(stackName, 'UPDATE_COMPLETE');
      }
      return (await this.stack(stackName))!;
    });
  }

  /** Starts an UpdateStack and returns while it runs: the stack is UPDATE_IN_PROGRESS for another caller. */
  async startUpdate(stackName: string, template: Template, parameters: Record<string, string> = { Stage: 'test' }) {
    await this.quietly(() =>
      this.cfn.send(
        new UpdateStackCommand({
          StackName: stackName,
          TemplateBody: JSON.stringify(template),
          Parameters: toParameters(parameters),
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        }),
      ),
    );
  }

  /** A stack whose first create rolled back (a bucket name S3 refuses): ROLLBACK_COMPLETE, as AWS leaves it. */
  async givenRolledBackStack(stackName: string, options: GivenStack = {}): Promise<Stack> {
    return this.quietly(async () => {
      await this.cfn.send(
        new CreateStackCommand({
          StackName: stackName,
          TemplateBody: JSON.stringify(failingTemplate()),
          ...(options.terminationProtection === true ? { EnableTerminationProtection: true } : {}),
        }),
      );
      return this.settled(stackName, 'ROLLBACK_COMPLETE');
    });
  }

  /** Waits for the stack's operation to end and checks it ended as expected. */
  async settled(stackName: string, expected: StackStatus | string): Promise<Stack> {
    await this.cloud.cloudFormation.waitForIdle();
    const stack = await this.stack(stackName);
    if (
      stack?.StackStatus !== expected &&
      !(expected === 'ROLLBACK_COMPLETE' && ROLLBACK_STATUSES.has(String(stack?.StackStatus)))
    ) {
      throw new Error(
        `set-up: stack ${stackName} is ${stack?.StackStatus} (${stack?.StackStatusReason}), not ${expected}`,
      );
    }
    return stack!;
  }

  /** DescribeStacks by name (live stacks) or StackId (deleted ones too); undefined when there is none. */
  async stack(nameOrId: string): Promise<Stack | undefined> {
    return this.quietly(async () => {
      await this.cloud.cloudFormation.waitForIdle();
      try {
        const { Stacks } = await this.cfn.send(new DescribeStacksCommand({ StackName: nameOrId }));
        return Stacks?.[0];
      } catch (error) {
        if (/does not exist/.test((error as Error).message)) return undefined;
        throw error;
      }
    });
  }

  /** The stack's status once its operations have settled. */
  async statusOf(nameOrId: string): Promise<string | undefined> {
    const stack = await this.stack(nameOrId);
    if (stack !== undefined && !SETTLED.test(String(stack.StackStatus)) && stack.StackStatus !== 'REVIEW_IN_PROGRESS') {
      throw new Error(`stack ${nameOrId} is still ${stack.StackStatus}`);
    }
    return stack?.StackStatus;
  }

  /** Every stack made under this name since the test began (deleted ones included), oldest first. */
  async stacksNamed(stackName: string): Promise<{ id: string; status: string }[]> {
    return this.quietly(async () => {
      const { StackSummaries = [] } = await this.cfn.send(new ListStacksCommand({}));
      return StackSummaries.filter((s) => s.StackName === stackName && !this.earlier.has(s.StackId!))
        .map((s) => ({ id: s.StackId!, status: String(s.StackStatus), created: s.CreationTime!.getTime() }))
        .sort((a, b) => a.created - b.created)
        .map(({ id, status }) => ({ id, status }));
    });
  }

  async templateOf(nameOrId: string): Promise<unknown> {
    return this.quietly(async () => {
      const { TemplateBody } = await this.cfn.send(new GetTemplateCommand({ StackName: nameOrId }));
      return JSON.parse(TemplateBody ?? 'null') as unknown;
    });
  }

  async stackPolicyOf(nameOrId: string): Promise<string | undefined> {
    return this.quietly(async () => {
      const { StackPolicyBody } = await this.cfn.send(new GetStackPolicyCommand({ StackName: nameOrId }));
      return StackPolicyBody;
    });
  }

  /** The change sets the stack still has. */
  async changeSetsOf(nameOrId: string): Promise<string[]> {
    return this.quietly(async () => {
      if ((await this.stack(nameOrId)) === undefined) return [];
      const { Summaries = [] } = await this.cfn.send(new ListChangeSetsCommand({ StackName: nameOrId }));
      return Summaries.map((s) => s.ChangeSetName!);
    });
  }

  /** The physical id of a stack's resource. */
  physicalId(stackName: string, logicalId: string): string {
    const resource = this.cloud.cloudFormation.stackResources(stackName).find((r) => r.logicalId === logicalId);
    if (resource?.physicalId === undefined) throw new Error(`no resource ${logicalId} in ${stackName}`);
    return resource.physicalId;
  }

  /** Uploads a template for a nested stack; its TemplateURL. */
  async templateUrl(key: string, template: Template): Promise<string> {
    await this.putObject(ARTIFACT_BUCKET, key, JSON.stringify(template));
    return `https://${ARTIFACT_BUCKET}.s3.us-east-1.amazonaws.com/${key}`;
  }

  async putObject(bucket: string, key: string, body: Uint8Array | string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  /** The keys of a bucket, or undefined when the bucket does not exist. */
  async bucketKeys(bucket: string): Promise<string[] | undefined> {
    const buckets = await this.cloud.objects.listBuckets();
    if (!buckets.some((b) => b.name === bucket)) return undefined;
    return (await this.cloud.objects.listObjects(bucket)).map((o) => o.key);
  }

  /** The text of an object by its s3:// URL (verdicts, plans). */
  async text(url: string): Promise<string> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
    if (match === null) throw new Error(`not an s3:// URL: ${url}`);
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    return Body!.transformToString();
  }

  async json<T = Record<string, unknown>>(url: string): Promise<T> {
    return JSON.parse(await this.text(url)) as T;
  }

  private async emptyBucket(bucket: string): Promise<void> {
    for (const key of (await this.bucketKeys(bucket)) ?? []) await this.cloud.objects.deleteObject(bucket, key);
  }
}

const toParameters = (parameters: Record<string, string>): Parameter[] =>
  Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

/** The template with one more resource, so that the UpdateStack to the template itself changes something. */
const withMarker = (template: Template): Template => {
  const resources = (template.Resources ?? {}) as Record<string, unknown>;
  return {
    ...template,
    Resources: { ...resources, SetUpMarker: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
  };
};

/** A template whose create fails: S3 refuses the bucket name, and the stack rolls back. */
export const failingTemplate = (): Template => ({
  Resources: {
    DataBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'Not_A_Bucket_Name' } },
  },
});
