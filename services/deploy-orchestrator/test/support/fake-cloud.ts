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
  GetStackPolicyCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  SetStackPolicyCommand,
  UpdateTerminationProtectionCommand,
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
  terminationProtection?: boolean;
  stackPolicy?: string;
  /** The ClientRequestToken of the CreateStack that made it. */
  createToken?: string;
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
  type: 'CREATE' | 'UPDATE';
  template: string;
  clientToken?: string;
  executeToken?: string;
}

export interface Script {
  /** DescribeStacks calls an operation stays *_IN_PROGRESS. */
  inProgressChecks: number;
  /** What CreateStack ends in. */
  create: 'succeed' | 'rollback';
  /** What an executed change set ends in. */
  update: 'succeed' | 'rollback';
  /** What DeleteStack ends in: DELETE_FAILED keeps the stack (e.g. a bucket that is not empty). */
  delete: 'succeed' | 'fail';
  /** The next change set's changes; [] means CloudFormation finds nothing to change. */
  changeSetChanges: Change[];
  /** Nested change sets by ChangeSetId. */
  nestedChangeSets: Record<string, Change[]>;
  /** GetTemplate of nested stacks and nested change sets, by physical stack id or ChangeSetId. */
  nestedTemplates: Record<string, string>;
  /** DescribeChangeSet page size. */
  changeSetPageSize: number;
  /** Times CreateChangeSet answers Throttling before working. */
  throttleCreateChangeSet: number;
  /** The next change set fails with this reason (not an empty change set). */
  changeSetFailure?: string;
  failureReason: string;
  deleteFailureReason: string;
}

const notFound = (what: string): Error =>
  Object.assign(new Error(`Stack with id ${what} does not exist`), { name: 'ValidationError' });
const changeSetNotFound = (what: string): Error =>
  Object.assign(new Error(`ChangeSet [${what}] does not exist`), { name: 'ChangeSetNotFoundException' });

/** The change set's ExecutionStatus, from its stack: executing until the stack settles. */
const executionStatusOf = (changeSet: FakeChangeSet, stack: FakeStack | undefined): string => {
  if (changeSet.status !== 'CREATE_COMPLETE') return 'UNAVAILABLE';
  if (!changeSet.executed) return 'AVAILABLE';
  if (stack === undefined || stack.upcoming.length > 0 || (stack.staleChecks ?? 0) > 0) return 'EXECUTE_IN_PROGRESS';
  return stack.status === 'UPDATE_COMPLETE' || stack.status === 'CREATE_COMPLETE'
    ? 'EXECUTE_COMPLETE'
    : 'EXECUTE_FAILED';
};
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
    delete: 'succeed',
    changeSetChanges: [],
    nestedChangeSets: {},
    nestedTemplates: {},
    changeSetPageSize: 100,
    throttleCreateChangeSet: 0,
    failureReason: 'Resource handler returned message: "Invalid input"',
    deleteFailureReason: 'The bucket you tried to delete is not empty (Service: S3, Status Code: 409)',
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

  /** The text of an object by its s3:// URL (verdicts, plans). */
  text(url: string): string {
    const body = this.objects.get(url.replace(/^s3:\/\//, ''));
    if (body === undefined) throw new Error(`no object ${url}`);
    return new TextDecoder().decode(body);
  }

  json<T = Record<string, unknown>>(url: string): T {
    return JSON.parse(this.text(url)) as T;
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

  private event(
    stack: FakeStack,
    logicalId: string,
    type: string,
    status: string,
    reason?: string,
    clientRequestToken?: string,
  ): void {
    stack.events.unshift({
      StackId: stack.stackId,
      StackName: stack.stackName,
      EventId: `e${stack.events.length}`,
      LogicalResourceId: logicalId,
      PhysicalResourceId: logicalId === stack.stackName ? stack.stackId : `${logicalId}-physical`,
      ResourceType: type,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
      ...(clientRequestToken !== undefined ? { ClientRequestToken: clientRequestToken } : {}),
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
            EnableTerminationProtection: stack.terminationProtection === true,
            Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      };
    });
    this.cfn
      .on(CreateStackCommand)
      .callsFake(
        (input: {
          StackName: string;
          TemplateBody?: string;
          TemplateURL?: string;
          ClientRequestToken?: string;
          StackPolicyBody?: string;
          EnableTerminationProtection?: boolean;
        }) => {
          this.calls.push(`CreateStack ${input.StackName}`);
          const existing = this.live(input.StackName);
          // Like CloudFormation, a retried CreateStack with the same token is answered with the same stack.
          if (
            existing !== undefined &&
            input.ClientRequestToken !== undefined &&
            existing.createToken === input.ClientRequestToken
          ) {
            return { StackId: existing.stackId };
          }
          if (existing) {
            throw Object.assign(new Error(`Stack [${input.StackName}] already exists`), {
              name: 'AlreadyExistsException',
            });
          }
          const stack = this.addStack(input.StackName, 'CREATE_IN_PROGRESS', { template: input.TemplateBody ?? '{}' });
          delete stack.lastUpdatedTime;
          if (input.ClientRequestToken !== undefined) stack.createToken = input.ClientRequestToken;
          if (input.StackPolicyBody !== undefined) stack.stackPolicy = input.StackPolicyBody;
          if (input.EnableTerminationProtection === true) stack.terminationProtection = true;
          this.event(
            stack,
            stack.stackName,
            'AWS::CloudFormation::Stack',
            'CREATE_IN_PROGRESS',
            'User Initiated',
            input.ClientRequestToken,
          );
          if (this.script.create === 'succeed') {
            this.settle(stack, 'CREATE_COMPLETE', ['CREATE_IN_PROGRESS']);
          } else {
            this.event(stack, 'GlueJob', 'AWS::Glue::Job', 'CREATE_FAILED', this.script.failureReason);
            this.event(stack, 'DataBucket', 'AWS::S3::Bucket', 'CREATE_FAILED', 'Resource creation cancelled');
            stack.statusReason = 'The following resource(s) failed to create: [GlueJob, DataBucket].';
            this.settle(stack, 'ROLLBACK_COMPLETE', ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);
          }
          return { StackId: stack.stackId };
        },
      );
    this.cfn.on(DeleteStackCommand).callsFake((input: { StackName: string; ClientRequestToken?: string }) => {
      this.calls.push(`DeleteStack ${input.StackName}`);
      const stack = this.find(input.StackName);
      if (stack?.terminationProtection === true) {
        throw Object.assign(
          new Error(`Stack [${stack.stackName}] cannot be deleted while TerminationProtection is enabled`),
          { name: 'ValidationError' },
        );
      }
      if (stack !== undefined && stack.status !== 'DELETE_COMPLETE') {
        this.event(
          stack,
          stack.stackName,
          'AWS::CloudFormation::Stack',
          'DELETE_IN_PROGRESS',
          'User Initiated',
          input.ClientRequestToken,
        );
        if (this.script.delete === 'fail') {
          this.event(stack, 'DataBucket', 'AWS::S3::Bucket', 'DELETE_FAILED', this.script.deleteFailureReason);
          stack.statusReason = 'The following resource(s) failed to delete: [DataBucket].';
          this.settle(stack, 'DELETE_FAILED', ['DELETE_IN_PROGRESS']);
          return {};
        }
        this.settle(stack, 'DELETE_COMPLETE', ['DELETE_IN_PROGRESS']);
        for (const changeSet of this.changeSets.filter((c) => c.stackName === stack.stackName)) {
          this.changeSets.splice(this.changeSets.indexOf(changeSet), 1);
        }
      }
      return {};
    });
    this.cfn
      .on(UpdateTerminationProtectionCommand)
      .callsFake((input: { StackName: string; EnableTerminationProtection: boolean }) => {
        this.calls.push(`UpdateTerminationProtection ${input.StackName} ${input.EnableTerminationProtection}`);
        const stack = this.find(input.StackName);
        if (stack === undefined) throw notFound(input.StackName);
        stack.terminationProtection = input.EnableTerminationProtection;
        return { StackId: stack.stackId };
      });
    this.cfn.on(GetStackPolicyCommand).callsFake((input: { StackName: string }) => {
      const stack = this.find(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      return stack.stackPolicy !== undefined ? { StackPolicyBody: stack.stackPolicy } : {};
    });
    this.cfn.on(SetStackPolicyCommand).callsFake((input: { StackName: string; StackPolicyBody: string }) => {
      this.calls.push(`SetStackPolicy ${input.StackName}`);
      const stack = this.find(input.StackName);
      if (stack === undefined) throw notFound(input.StackName);
      stack.stackPolicy = input.StackPolicyBody;
      return {};
    });
    this.cfn
      .on(CreateChangeSetCommand)
      .callsFake(
        (input: {
          StackName: string;
          ChangeSetName: string;
          ChangeSetType?: 'CREATE' | 'UPDATE';
          TemplateBody?: string;
          ClientToken?: string;
        }) => {
          this.calls.push(`CreateChangeSet ${input.StackName} ${input.ChangeSetName}`);
          if (this.script.throttleCreateChangeSet > 0) {
            this.script.throttleCreateChangeSet -= 1;
            throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $retryable: { throttling: true } });
          }
          const type = input.ChangeSetType ?? 'UPDATE';
          let stack = this.live(input.StackName);
          if (type === 'CREATE') {
            if (stack !== undefined && stack.status !== 'REVIEW_IN_PROGRESS') {
              throw Object.assign(new Error(`Stack [${input.StackName}] already exists and cannot be created again`), {
                name: 'ValidationError',
              });
            }
            stack ??= this.addStack(input.StackName, 'REVIEW_IN_PROGRESS', { template: '{}' });
            delete stack.lastUpdatedTime;
          } else if (stack === undefined || stack.status === 'REVIEW_IN_PROGRESS') {
            throw notFound(input.StackName);
          }
          const existing = this.changeSets.find(
            (c) => c.name === input.ChangeSetName && c.stackName === input.StackName,
          );
          if (existing !== undefined) {
            // The same ClientToken is answered with the same change set; another request for the name is refused.
            if (input.ClientToken !== undefined && existing.clientToken === input.ClientToken) {
              return { Id: existing.id, StackId: stack.stackId };
            }
            throw Object.assign(new Error(`ChangeSet [${input.ChangeSetName}] already exists`), {
              name: 'AlreadyExistsException',
            });
          }
          const empty = this.script.changeSetChanges.length === 0 && this.script.changeSetFailure === undefined;
          const failed = empty || this.script.changeSetFailure !== undefined;
          const changeSet: FakeChangeSet = {
            id: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${input.ChangeSetName}/${uuid(this.changeSets.length + 1)}`,
            name: input.ChangeSetName,
            stackName: input.StackName,
            status: 'CREATE_PENDING',
            upcoming: [
              ...Array<string>(this.script.inProgressChecks).fill('CREATE_IN_PROGRESS'),
              failed ? 'FAILED' : 'CREATE_COMPLETE',
            ],
            changes: this.script.changeSetChanges,
            executed: false,
            type,
            template: input.TemplateBody ?? '{}',
            ...(input.ClientToken !== undefined ? { clientToken: input.ClientToken } : {}),
          };
          if (empty)
            changeSet.statusReason =
              "The submitted information didn't contain changes. Submit different information to create a change set.";
          else if (this.script.changeSetFailure !== undefined) changeSet.statusReason = this.script.changeSetFailure;
          this.changeSets.push(changeSet);
          return { Id: changeSet.id, StackId: stack.stackId };
        },
      );
    this.cfn
      .on(DescribeChangeSetCommand)
      .callsFake((input: { ChangeSetName: string; StackName?: string; NextToken?: string }) => {
        this.calls.push(`DescribeChangeSet ${input.ChangeSetName}${input.NextToken ? ` ${input.NextToken}` : ''}`);
        const nested = this.script.nestedChangeSets[input.ChangeSetName];
        const changeSet = this.changeSets.find(
          (c) => c.id === input.ChangeSetName || (c.name === input.ChangeSetName && c.stackName === input.StackName),
        );
        if (nested === undefined && changeSet === undefined) throw changeSetNotFound(input.ChangeSetName);
        if (changeSet !== undefined && input.NextToken === undefined) {
          const next = changeSet.upcoming.shift();
          if (next !== undefined) changeSet.status = next;
        }
        const changes = nested ?? changeSet?.changes ?? [];
        const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
        const end = start + this.script.changeSetPageSize;
        const stack = changeSet !== undefined ? this.live(changeSet.stackName) : undefined;
        return {
          ChangeSetId: changeSet?.id ?? input.ChangeSetName,
          ChangeSetName: changeSet?.name ?? 'nested',
          StackName: changeSet?.stackName ?? 'nested-stack',
          StackId: stack?.stackId,
          Status: changeSet?.status ?? 'CREATE_COMPLETE',
          StatusReason: changeSet?.statusReason,
          ExecutionStatus: changeSet !== undefined ? executionStatusOf(changeSet, stack) : 'AVAILABLE',
          Changes: changes.slice(start, end),
          NextToken: end < changes.length ? String(end) : undefined,
        };
      });
    this.cfn.on(ExecuteChangeSetCommand).callsFake((input: { ChangeSetName: string; ClientRequestToken?: string }) => {
      this.calls.push(`ExecuteChangeSet ${input.ChangeSetName}`);
      const changeSet = this.changeSets.find((c) => c.id === input.ChangeSetName);
      const stack = changeSet && this.live(changeSet.stackName);
      if (changeSet === undefined || stack === undefined) throw changeSetNotFound(input.ChangeSetName);
      if (changeSet.executed) {
        throw Object.assign(
          new Error(
            `ChangeSet [${changeSet.id}] cannot be executed in its current status of [${executionStatusOf(changeSet, stack)}]`,
          ),
          { name: 'InvalidChangeSetStatusException' },
        );
      }
      changeSet.executed = true;
      if (input.ClientRequestToken !== undefined) changeSet.executeToken = input.ClientRequestToken;
      this.event(
        stack,
        stack.stackName,
        'AWS::CloudFormation::Stack',
        'UPDATE_IN_PROGRESS',
        'User Initiated',
        input.ClientRequestToken,
      );
      if (this.script.update === 'succeed') {
        stack.template = changeSet.template;
        this.settle(stack, 'UPDATE_COMPLETE', ['UPDATE_IN_PROGRESS']);
      } else {
        this.event(stack, 'GlueJob', 'AWS::Glue::Job', 'UPDATE_FAILED', this.script.failureReason);
        stack.statusReason = 'The following resource(s) failed to update: [GlueJob].';
        this.settle(stack, 'UPDATE_ROLLBACK_COMPLETE', ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS']);
      }
      // Like CloudFormation, the stack still shows its previous (complete) status for a check before the update starts.
      stack.staleChecks = 1;
      stack.updateStartsAt = new Date('2026-06-01T00:00:00Z');
      // Executing one change set removes the stack's other change sets.
      for (const other of this.changeSets.filter((c) => c.stackName === changeSet.stackName && c !== changeSet)) {
        this.changeSets.splice(this.changeSets.indexOf(other), 1);
      }
      return {};
    });
    this.cfn.on(DeleteChangeSetCommand).callsFake((input: { ChangeSetName: string }) => {
      this.calls.push(`DeleteChangeSet ${input.ChangeSetName}`);
      const index = this.changeSets.findIndex((c) => c.id === input.ChangeSetName);
      if (index < 0) throw changeSetNotFound(input.ChangeSetName);
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
    this.cfn.on(GetTemplateCommand).callsFake((input: { StackName?: string; ChangeSetName?: string }) => {
      if (input.ChangeSetName !== undefined) {
        const changeSet = this.changeSets.find((c) => c.id === input.ChangeSetName);
        const nested = this.script.nestedChangeSets[input.ChangeSetName];
        if (changeSet === undefined && nested === undefined) throw changeSetNotFound(input.ChangeSetName);
        return {
          TemplateBody: changeSet?.template ?? this.script.nestedTemplates[input.ChangeSetName] ?? '{"Resources":{}}',
        };
      }
      const stack = this.find(input.StackName ?? '');
      if (stack === undefined) {
        const nested = this.script.nestedTemplates[input.StackName ?? ''];
        if (nested !== undefined) return { TemplateBody: nested };
        throw notFound(input.StackName ?? '');
      }
      return { TemplateBody: stack.template };
    });
  }

  private wireS3(): void {
    this.s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      const body = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (body === undefined)
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      return {
        Body: {
          transformToByteArray: async () => body,
          transformToString: async () => new TextDecoder().decode(body),
        },
      };
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
