// A small in-memory CloudFormation and S3 behind aws-sdk-client-mock, scripted per test: how many checks an
// operation stays in progress, whether it rolls back, what a change set contains.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Change,
  type StackEvent,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { useAwsClients } from '../../src/clients';

export interface FakeStack {
  stackName: string;
  stackId: string;
  status: string;
  statusReason?: string;
  /** Statuses the next DescribeStacks calls move through (one per call). */
  upcoming: string[];
  lastUpdatedTime?: Date;
  /** DescribeStacks calls that still show the status from before ExecuteChangeSet. */
  staleChecks?: number;
  updateStartsAt?: Date;
  outputs: Record<string, string>;
  events: StackEvent[];
  resources: StackResourceSummary[];
  template: string;
}

export interface FakeChangeSet {
  id: string;
  name: string;
  stackName: string;
  status: string;
  statusReason?: string;
  upcoming: string[];
  changes: Change[];
  executed: boolean;
}

export interface Script {
  /** DescribeStacks calls an operation stays *_IN_PROGRESS. */
  inProgressChecks: number;
  /** What CreateStack ends in. */
  create: 'succeed' | 'rollback';
  /** What an executed change set ends in. */
  update: 'succeed' | 'rollback';
  /** The next change set's changes; [] means CloudFormation finds nothing to change. */
  changeSetChanges: Change[];
  /** Nested change sets by ChangeSetId. */
  nestedChangeSets: Record<string, Change[]>;
  /** DescribeChangeSet page size. */
  changeSetPageSize: number;
  /** Times CreateChangeSet answers Throttling before working. */
  throttleCreateChangeSet: number;
  failureReason: string;
}

const notFound = (what: string): Error =>
  Object.assign(new Error(`Stack with id ${what} does not exist`), { name: 'ValidationError' });
const uuid = (n: number): string => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

export class FakeCloud {
  readonly cfn = mockClient(CloudFormationClient);
  readonly s3 = mockClient(S3Client);
  readonly stacks: FakeStack[] = [];
  readonly changeSets: FakeChangeSet[] = [];
  /** bucket → key → versions */
  readonly buckets = new Map<string, Map<string, string[]>>();
  readonly objects = new Map<string, Uint8Array>();
  readonly calls: string[] = [];
  private counter = 0;
  script: Script = {
    inProgressChecks: 1,
    create: 'succeed',
    update: 'succeed',
    changeSetChanges: [],
    nestedChangeSets: {},
    changeSetPageSize: 100,
    throttleCreateChangeSet: 0,
    failureReason: 'Resource handler returned message: "Invalid input"',
  };

  constructor() {
    useAwsClients({
      cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
    });
    this.wireCloudFormation();
    this.wireS3();
  }

  restore(): void {
    this.cfn.restore();
    this.s3.restore();
  }

  /** The live (not deleted) stack of that name. */
  live(stackName: string): FakeStack | undefined {
    return this.stacks.find((s) => s.stackName === stackName && s.status !== 'DELETE_COMPLETE');
  }

  addStack(stackName: string, status: string, extra: Partial<FakeStack> = {}): FakeStack {
    this.counter += 1;
    const stack: FakeStack = {
      stackName,
      stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/${uuid(this.counter)}`,
      status,
      upcoming: [],
      outputs: { DataBucketName: `${stackName}-data` },
      events: [],
      resources: [],
      template: '{"Resources":{}}',
      lastUpdatedTime: new Date('2026-01-01T00:00:00Z'),
      ...extra,
    };
    this.stacks.push(stack);
    return stack;
  }

  putObject(bucket: string, key: string, body: Uint8Array): void {
    this.objects.set(`${bucket}/${key}`, body);
  }

  addBucketObjects(bucket: string, keys: string[], versionsPerKey = 1): void {
    const store = this.buckets.get(bucket) ?? new Map<string, string[]>();
    for (const key of keys)
      store.set(
        key,
        Array.from({ length: versionsPerKey }, (_, i) => `v${i + 1}`),
      );
    this.buckets.set(bucket, store);
  }

  private find(nameOrId: string): FakeStack | undefined {
    return nameOrId.startsWith('arn:') ? this.stacks.find((s) => s.stackId === nameOrId) : this.live(nameOrId);
  }

  private settle(stack: FakeStack, finalStatus: string, through: string[]): void {
    const inProgress = through.flatMap((status) => Array<string>(this.script.inProgressChecks).fill(status));
    stack.upcoming = [...inProgress, finalStatus];
  }

  private event(stack: FakeStack, logicalId: string, type: string, status: string, reason?: string): void {
    stack.events.unshift({
      StackId: stack.stackId,
      StackName: stack.stackName,
      EventId: `e${stack.events.length}`,
      LogicalResourceId: logicalId,
      PhysicalResourceId: logicalId === stack.stackName ? stack.stackId : `${logicalId}-physical`,
      ResourceType: type,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
      Timestamp: new Date(Date.now() + stack.events.length),
    });
  }

  private wireCloudFormation(): void {
    this.cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      this.calls.push(`DescribeStacks ${input.StackName}`);
      const stack = this.find(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      const stale = (stack.staleChecks ?? 0) > 0;
      if (stale) stack.staleChecks = (stack.staleChecks ?? 0) - 1;
      else if (stack.updateStartsAt !== undefined) {
        stack.lastUpdatedTime = stack.updateStartsAt;
        delete stack.updateStartsAt;
      }
      const next = stale ? undefined : stack.upcoming.shift();
      if (next !== undefined) {
        stack.status = next;
        if (next === 'DELETE_COMPLETE' && !input.StackName.startsWith('arn:')) throw notFound(input.StackName);
      }
      return {
        Stacks: [
          {
            StackName: stack.stackName,
            StackId: stack.stackId,
            StackStatus: stack.status,
            StackStatusReason: stack.statusReason,
            CreationTime: new Date('2026-01-01T00:00:00Z'),
            LastUpdatedTime: stack.lastUpdatedTime,
            Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      };
    });
    this.cfn
      .on(CreateStackCommand)
      .callsFake((input: { StackName: string; TemplateBody?: string; TemplateURL?: string }) => {
        this.calls.push(`CreateStack ${input.StackName}`);
        if (this.live(input.StackName)) {
          throw Object.assign(new Error(`Stack [${input.StackName}] already exists`), {
            name: 'AlreadyExistsException',
          });
        }
        const stack = this.addStack(input.StackName, 'CREATE_IN_PROGRESS', { template: input.TemplateBody ?? '{}' });
        delete stack.lastUpdatedTime;
        this.event(stack, stack.stackName, 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 'User Initiated');
        if (this.script.create === 'succeed') {
          this.settle(stack, 'CREATE_COMPLETE', ['CREATE_IN_PROGRESS']);
        } else {
          this.event(stack, 'GlueJob', 'AWS::Glue::Job', 'CREATE_FAILED', this.script.failureReason);
          this.event(stack, 'DataBucket', 'AWS::S3::Bucket', 'CREATE_FAILED', 'Resource creation cancelled');
          stack.statusReason = 'The following resource(s) failed to create: [GlueJob, DataBucket].';
          this.settle(stack, 'ROLLBACK_COMPLETE', ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);
        }
        return { StackId: stack.stackId };
      });
    this.cfn.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
      this.calls.push(`DeleteStack ${input.StackName}`);
      const stack = this.find(input.StackName);
      if (stack !== undefined) this.settle(stack, 'DELETE_COMPLETE', ['DELETE_IN_PROGRESS']);
      return {};
    });
    this.cfn.on(CreateChangeSetCommand).callsFake((input: { StackName: string; ChangeSetName: string }) => {
      this.calls.push(`CreateChangeSet ${input.StackName} ${input.ChangeSetName}`);
      if (this.script.throttleCreateChangeSet > 0) {
        this.script.throttleCreateChangeSet -= 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $retryable: { throttling: true } });
      }
      const stack = this.live(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      const empty = this.script.changeSetChanges.length === 0;
      const changeSet: FakeChangeSet = {
        id: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${input.ChangeSetName}/${uuid(this.changeSets.length + 1)}`,
        name: input.ChangeSetName,
        stackName: input.StackName,
        status: 'CREATE_PENDING',
        upcoming: [
          ...Array<string>(this.script.inProgressChecks).fill('CREATE_IN_PROGRESS'),
          empty ? 'FAILED' : 'CREATE_COMPLETE',
        ],
        changes: this.script.changeSetChanges,
        executed: false,
      };
      if (empty)
        changeSet.statusReason =
          "The submitted information didn't contain changes. Submit different information to create a change set.";
      this.changeSets.push(changeSet);
      return { Id: changeSet.id, StackId: stack.stackId };
    });
    this.cfn.on(DescribeChangeSetCommand).callsFake((input: { ChangeSetName: string; NextToken?: string }) => {
      this.calls.push(`DescribeChangeSet ${input.ChangeSetName}${input.NextToken ? ` ${input.NextToken}` : ''}`);
      const nested = this.script.nestedChangeSets[input.ChangeSetName];
      const changeSet = this.changeSets.find((c) => c.id === input.ChangeSetName);
      if (nested === undefined && changeSet === undefined) {
        throw Object.assign(new Error(`ChangeSet [${input.ChangeSetName}] does not exist`), {
          name: 'ChangeSetNotFoundException',
        });
      }
      if (changeSet !== undefined && input.NextToken === undefined) {
        const next = changeSet.upcoming.shift();
        if (next !== undefined) changeSet.status = next;
      }
      const changes = nested ?? changeSet?.changes ?? [];
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const end = start + this.script.changeSetPageSize;
      return {
        ChangeSetId: input.ChangeSetName,
        ChangeSetName: changeSet?.name ?? 'nested',
        StackName: changeSet?.stackName ?? 'nested-stack',
        Status: changeSet?.status ?? 'CREATE_COMPLETE',
        StatusReason: changeSet?.statusReason,
        ExecutionStatus:
          changeSet?.status === 'CREATE_COMPLETE'
            ? changeSet.executed
              ? 'EXECUTE_IN_PROGRESS'
              : 'AVAILABLE'
            : 'UNAVAILABLE',
        Changes: changes.slice(start, end),
        NextToken: end < changes.length ? String(end) : undefined,
      };
    });
    this.cfn.on(ExecuteChangeSetCommand).callsFake((input: { ChangeSetName: string }) => {
      this.calls.push(`ExecuteChangeSet ${input.ChangeSetName}`);
      const changeSet = this.changeSets.find((c) => c.id === input.ChangeSetName);
      const stack = changeSet && this.live(changeSet.stackName);
      if (changeSet === undefined || stack === undefined) throw new Error(`unknown change set ${input.ChangeSetName}`);
      changeSet.executed = true;
      if (this.script.update === 'succeed') {
        this.settle(stack, 'UPDATE_COMPLETE', ['UPDATE_IN_PROGRESS']);
      } else {
        this.event(stack, 'GlueJob', 'AWS::Glue::Job', 'UPDATE_FAILED', this.script.failureReason);
        stack.statusReason = 'The following resource(s) failed to update: [GlueJob].';
        this.settle(stack, 'UPDATE_ROLLBACK_COMPLETE', ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS']);
      }
      // Like CloudFormation, the stack still shows its previous (complete) status for a check before the update starts.
      stack.staleChecks = 1;
      stack.updateStartsAt = new Date('2026-06-01T00:00:00Z');
      return {};
    });
    this.cfn.on(DeleteChangeSetCommand).callsFake((input: { ChangeSetName: string }) => {
      this.calls.push(`DeleteChangeSet ${input.ChangeSetName}`);
      const index = this.changeSets.findIndex((c) => c.id === input.ChangeSetName);
      if (index < 0) throw Object.assign(new Error('not found'), { name: 'ChangeSetNotFoundException' });
      this.changeSets.splice(index, 1);
      return {};
    });
    this.cfn.on(DescribeStackEventsCommand).callsFake((input: { StackName: string }) => {
      const stack = this.find(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      return { StackEvents: stack.events };
    });
    this.cfn.on(ListStackResourcesCommand).callsFake((input: { StackName: string }) => {
      const stack = this.find(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      return { StackResourceSummaries: stack.resources };
    });
    this.cfn.on(GetTemplateCommand).callsFake((input: { StackName: string }) => {
      const stack = this.find(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      return { TemplateBody: stack.template };
    });
  }

  private wireS3(): void {
    this.s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      const body = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (body === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return { Body: { transformToByteArray: async () => body } };
    });
    this.s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) => {
      this.objects.set(`${input.Bucket}/${input.Key}`, new TextEncoder().encode(input.Body));
      return {};
    });
    this.s3.on(ListObjectVersionsCommand).callsFake((input: { Bucket: string }) => {
      const store = this.buckets.get(input.Bucket);
      if (store === undefined)
        throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
      const versions = [...store.entries()].flatMap(([Key, ids]) => ids.map((VersionId) => ({ Key, VersionId })));
      return {
        Versions: versions.slice(0, 1000),
        IsTruncated: versions.length > 1000,
        NextKeyMarker: 'k',
        NextVersionIdMarker: 'v',
      };
    });
    this.s3
      .on(DeleteObjectsCommand)
      .callsFake((input: { Bucket: string; Delete: { Objects: { Key: string; VersionId?: string }[] } }) => {
        const store = this.buckets.get(input.Bucket);
        for (const object of input.Delete.Objects) {
          const remaining = (store?.get(object.Key) ?? []).filter((v) => v !== object.VersionId);
          if (remaining.length === 0) store?.delete(object.Key);
          else store?.set(object.Key, remaining);
        }
        return {};
      });
  }
}
