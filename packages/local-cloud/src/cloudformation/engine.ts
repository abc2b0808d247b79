import { randomUUID } from 'node:crypto';
import type {
  Change,
  CreateChangeSetInput,
  CreateChangeSetOutput,
  CreateStackInput,
  CreateStackOutput,
  DeleteChangeSetInput,
  DeleteChangeSetOutput,
  DeleteStackInput,
  DescribeChangeSetInput,
  DescribeChangeSetOutput,
  DescribeStackEventsInput,
  DescribeStackEventsOutput,
  DescribeStackResourceInput,
  DescribeStackResourceOutput,
  DescribeStackResourcesInput,
  DescribeStackResourcesOutput,
  DescribeStacksInput,
  DescribeStacksOutput,
  ExecuteChangeSetInput,
  ExecuteChangeSetOutput,
  GetTemplateInput,
  GetTemplateOutput,
  ListChangeSetsInput,
  ListChangeSetsOutput,
  ListExportsInput,
  ListExportsOutput,
  ListStackResourcesInput,
  ListStackResourcesOutput,
  ListStacksInput,
  ListStacksOutput,
  Parameter,
  StackStatus,
  Tag,
  UpdateStackInput,
  UpdateStackOutput,
  ValidateTemplateInput,
  ValidateTemplateOutput,
} from '@aws-sdk/client-cloudformation';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../contracts';
import { checkCapabilities, requiredCapabilities, resourceDependencies } from './analysis';
import { computeResourceChanges, deepEqual, type DiffSide, propertyChangeRequirement } from './changes';
import { currentDeployment, type Deployment, prepareDeployment } from './deployment';
import { CloudFormationError, errorMessage, validationError } from './errors';
import { collectImports, type ResolveContext, resolveValue } from './intrinsics';
import {
  customPhysicalName,
  type ProvisionedResource,
  type Provisioner,
  provisionerFor,
  type ProvisionerDeps,
  type ResourceContext,
} from './resources';
import { type NestedStackHost, nestedStackParameters, nestedStackProvisioner } from './resources/nested-stack';
import { randomSuffix } from './resources/types';
import {
  type ChangeSetRecord,
  failedStatusFor,
  type OutputRecord,
  type ResourceRecord,
  type StackRecord,
  StateFile,
} from './state';
import { parseTemplate, parseTemplateUrl, type ResourceDeclaration } from './template';
import { outputText, page, parameterList, toEvent, toStack } from './views';

export interface CloudFormationServiceDeps extends ProvisionerDeps {
  stateDir: string;
  /** Changes per DescribeChangeSet page (AWS: 100). */
  changeSetPageSize?: number;
  /** Delay between the asynchronous status steps of stack operations and change sets (default 20 ms). */
  stepDelayMs?: number;
}

/** One resource of a stack as the engine holds it (for tests and the local release). */
export interface StackResourceView {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  properties: Record<string, unknown>;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';
const LIST_PAGE_SIZE = 100;
const EMPTY_CHANGE_SET_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";
const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;
// Statuses from which only DeleteStack helps.
const NOT_UPDATABLE = new Set([
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'CREATE_FAILED',
  'DELETE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_FAILED',
]);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const now = (): string => new Date().toISOString();
const clone = <T>(value: T): T => structuredClone(value);

const stackArn = (stackName: string): string =>
  `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${stackName}/${randomUUID()}`;
const changeSetArn = (name: string): string =>
  `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:changeSet/${name}/${randomUUID()}`;

const isInProgress = (status: string): boolean => status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';

/** Fn::GetAtt of a nested stack: `Outputs.<key>`. */
const nestedAttributes = (nested: StackRecord): Record<string, unknown> =>
  Object.fromEntries(nested.outputs.map((o) => [`Outputs.${o.key}`, o.value]));

/** A resource failed; the operation rolls back. */
class OperationFailure extends Error {}

/**
 * The local CloudFormation: stacks, change sets and exports, provisioned through the local S3, Lambda and Step
 * Functions services. Every public method is one CloudFormation action; operations run in the background like AWS's.
 */
export class CloudFormationEngine {
  private readonly stateFile: StateFile;
  private readonly stacks: StackRecord[];
  private readonly changeSets: ChangeSetRecord[];
  private readonly running = new Set<Promise<void>>();
  private readonly pageSize: number;
  private readonly stepDelayMs: number;
  private eventCounter = 0;
  private readonly nestedStacks: Provisioner;

  constructor(private readonly deps: CloudFormationServiceDeps) {
    this.stateFile = new StateFile(deps.stateDir);
    const state = this.stateFile.load();
    this.stacks = state.stacks;
    this.changeSets = state.changeSets;
    this.pageSize = deps.changeSetPageSize ?? 100;
    this.stepDelayMs = deps.stepDelayMs ?? 20;
    this.nestedStacks = nestedStackProvisioner(this.nestedStackHost());
    this.persist();
  }

  // ---- stacks -----------------------------------------------------------------------------------------------------

  async createStack(input: CreateStackInput): Promise<CreateStackOutput> {
    const stackName = this.checkStackName(input.StackName);
    if (this.activeStack(stackName))
      throw new CloudFormationError('AlreadyExistsException', `Stack [${stackName}] already exists`);
    const templateBody = await this.templateBody(input);
    const identity = { stackName, stackId: stackArn(stackName) };
    const deployment = prepareDeployment(identity, templateBody, input.Parameters);
    checkCapabilities(deployment.resources, input.Capabilities);
    this.checkImports(deployment, identity.stackId);
    const stack: StackRecord = {
      ...identity,
      status: 'CREATE_IN_PROGRESS',
      createdAt: now(),
      templateBody,
      ...(deployment.template.Description === undefined ? {} : { description: deployment.template.Description }),
      parameters: deployment.parameters.values,
      noEcho: deployment.parameters.noEcho,
      capabilities: [...(input.Capabilities ?? [])],
      tags: this.checkTags(input.Tags),
      ...(input.RoleARN ? { roleArn: input.RoleARN } : {}),
      disableRollback: input.DisableRollback ?? input.OnFailure === 'DO_NOTHING',
      resources: {},
      outputs: [],
      imports: [],
      events: [],
    };
    this.stacks.push(stack);
    this.stackEvent(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    this.track(this.runCreate(stack, deployment), stack);
    return { StackId: stack.stackId };
  }

  async updateStack(input: UpdateStackInput): Promise<UpdateStackOutput> {
    const stack = this.stackForUpdate(input.StackName);
    const templateBody = input.UsePreviousTemplate
      ? this.previousTemplate(stack, input)
      : await this.templateBody(input);
    const deployment = prepareDeployment(stack, templateBody, input.Parameters, stack.parameters);
    checkCapabilities(deployment.resources, input.Capabilities);
    this.checkImports(deployment, stack.stackId);
    const tags = input.Tags === undefined ? stack.tags : this.checkTags(input.Tags);
    const changes = this.diff(stack, deployment);
    if (changes.length === 0 && !this.outputsOrTagsChanged(stack, deployment, tags))
      throw validationError('No updates are to be performed.');
    this.applyStackSettings(stack, input.Capabilities, tags, input.RoleARN);
    this.stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
    this.track(this.runUpdate(stack, deployment), stack);
    return { StackId: stack.stackId };
  }

  async deleteStack(input: DeleteStackInput): Promise<void> {
    if (!input.StackName)
      throw validationError(
        "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
      );
    const stack = this.findStack(input.StackName, { includeDeleted: true, missingOk: true });
    // Deleting a stack that does not exist (or is already gone) succeeds, as on AWS.
    if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS') return;
    if (isInProgress(stack.status))
      throw validationError(`Stack [${stack.stackName}] cannot be deleted while in status ${stack.status}`);
    const retain = new Set(input.RetainResources ?? []);
    if (retain.size > 0 && stack.status !== 'DELETE_FAILED') {
      throw validationError(
        'Invalid operation on stack ' +
          stack.stackId +
          '. RetainResources can only be specified when the stack is in the DELETE_FAILED state',
      );
    }
    this.stackEvent(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
    this.track(this.runDelete(stack, retain), stack);
  }

  async describeStacks(input: DescribeStacksInput = {}): Promise<DescribeStacksOutput> {
    const stacks = input.StackName
      ? [this.findStack(input.StackName, { includeDeleted: true })!]
      : this.stacks.filter((s) => s.status !== 'DELETE_COMPLETE').reverse();
    const { items, nextToken } = page(stacks, input.NextToken, LIST_PAGE_SIZE, 'DescribeStacks');
    return { Stacks: items.map((s) => toStack(s)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  async listStacks(input: ListStacksInput = {}): Promise<ListStacksOutput> {
    const filter = new Set(input.StackStatusFilter ?? []);
    const stacks = this.stacks.filter((s) => filter.size === 0 || filter.has(s.status as StackStatus)).reverse();
    const { items, nextToken } = page(stacks, input.NextToken, LIST_PAGE_SIZE, 'ListStacks');
    return {
      StackSummaries: items.map((s) => ({
        StackId: s.stackId,
        StackName: s.stackName,
        TemplateDescription: s.description,
        CreationTime: new Date(s.createdAt),
        LastUpdatedTime: s.updatedAt ? new Date(s.updatedAt) : undefined,
        DeletionTime: s.deletedAt ? new Date(s.deletedAt) : undefined,
        StackStatus: s.status as StackStatus,
        StackStatusReason: s.reason,
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  async describeStackEvents(input: DescribeStackEventsInput): Promise<DescribeStackEventsOutput> {
    const stack = this.findStack(this.required(input.StackName, 'stackName'), { includeDeleted: true })!;
    const events = [...stack.events].reverse();
    const { items, nextToken } = page(events, input.NextToken, LIST_PAGE_SIZE, `Events:${stack.stackId}`);
    return { StackEvents: items.map((e) => toEvent(stack, e)), ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  async describeStackResources(input: DescribeStackResourcesInput): Promise<DescribeStackResourcesOutput> {
    let stack: StackRecord | undefined;
    if (input.StackName) stack = this.findStack(input.StackName, { includeDeleted: true });
    else if (input.PhysicalResourceId) {
      stack = this.stacks.find((s) =>
        Object.values(s.resources).some((r) => r.physicalId === input.PhysicalResourceId),
      );
      if (!stack) throw validationError(`Stack for ${input.PhysicalResourceId} does not exist`);
    } else throw validationError('Either StackName or PhysicalResourceId must be specified.');
    const found = stack!;
    const resources = Object.values(found.resources).filter(
      (r) =>
        (!input.LogicalResourceId || r.logicalId === input.LogicalResourceId) &&
        (!input.PhysicalResourceId || r.physicalId === input.PhysicalResourceId),
    );
    return {
      StackResources: resources.map((r) => ({
        StackName: found.stackName,
        StackId: found.stackId,
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId || undefined,
        ResourceType: r.type,
        Timestamp: new Date(r.updatedAt),
        ResourceStatus: r.status as never,
        ResourceStatusReason: r.reason,
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      })),
    };
  }

  async listStackResources(input: ListStackResourcesInput): Promise<ListStackResourcesOutput> {
    const stack = this.findStack(this.required(input.StackName, 'stackName'), { includeDeleted: true })!;
    const { items, nextToken } = page(
      Object.values(stack.resources),
      input.NextToken,
      LIST_PAGE_SIZE,
      `Resources:${stack.stackId}`,
    );
    return {
      StackResourceSummaries: items.map((r) => ({
        LogicalResourceId: r.logicalId,
        PhysicalResourceId: r.physicalId || undefined,
        ResourceType: r.type,
        LastUpdatedTimestamp: new Date(r.updatedAt),
        ResourceStatus: r.status as never,
        ResourceStatusReason: r.reason,
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  async describeStackResource(input: DescribeStackResourceInput): Promise<DescribeStackResourceOutput> {
    const stack = this.findStack(this.required(input.StackName, 'stackName'), { includeDeleted: true })!;
    const logicalId = this.required(input.LogicalResourceId, 'logicalResourceId');
    const resource = stack.resources[logicalId];
    if (!resource) throw validationError(`Resource ${logicalId} does not exist for stack ${stack.stackName}`);
    return {
      StackResourceDetail: {
        StackName: stack.stackName,
        StackId: stack.stackId,
        LogicalResourceId: logicalId,
        PhysicalResourceId: resource.physicalId || undefined,
        ResourceType: resource.type,
        LastUpdatedTimestamp: new Date(resource.updatedAt),
        ResourceStatus: resource.status as never,
        ResourceStatusReason: resource.reason,
        DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
      },
    };
  }

  async getTemplate(input: GetTemplateInput): Promise<GetTemplateOutput> {
    if (input.ChangeSetName) {
      const changeSet = this.findChangeSet(input.ChangeSetName, input.StackName);
      return { TemplateBody: changeSet.templateBody, StagesAvailable: ['Original', 'Processed'] };
    }
    const stack = this.findStack(this.required(input.StackName, 'stackName'), { includeDeleted: true })!;
    return { TemplateBody: stack.templateBody, StagesAvailable: ['Original', 'Processed'] };
  }

  async validateTemplate(input: ValidateTemplateInput): Promise<ValidateTemplateOutput> {
    const body = await this.templateBody(input);
    const template = parseTemplate(body);
    // Validation needs no parameter values: references are checked against every declared name.
    const allTrue = Object.fromEntries(Object.keys(template.Conditions ?? {}).map((name) => [name, true]));
    resourceDependencies(template, template.Resources, allTrue);
    const { capabilities, types } = requiredCapabilities(template.Resources);
    return {
      Parameters: Object.entries(template.Parameters ?? {}).map(([key, declaration]) => ({
        ParameterKey: key,
        DefaultValue: declaration.Default === undefined ? undefined : outputText(declaration.Default),
        NoEcho: declaration.NoEcho === true || declaration.NoEcho === 'true',
        Description: declaration.Description,
      })),
      Description: template.Description,
      Capabilities: capabilities as never,
      ...(types.length > 0
        ? { CapabilitiesReason: `The following resource(s) require capabilities: [${types.join(', ')}]` }
        : {}),
      DeclaredTransforms: [],
    };
  }

  async listExports(input: ListExportsInput = {}): Promise<ListExportsOutput> {
    const all = this.exportList();
    const { items, nextToken } = page(all, input.NextToken, LIST_PAGE_SIZE, 'Exports');
    return {
      Exports: items.map((e) => ({ ExportingStackId: e.stackId, Name: e.name, Value: e.value })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  // ---- change sets ------------------------------------------------------------------------------------------------

  async createChangeSet(input: CreateChangeSetInput): Promise<CreateChangeSetOutput> {
    const stackName = this.checkStackName(input.StackName);
    const changeSetName = this.required(input.ChangeSetName, 'changeSetName');
    if (!CHANGE_SET_NAME.test(changeSetName) || changeSetName.length > 128) {
      throw validationError(
        `1 validation error detected: Value '${changeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    }
    const type = input.ChangeSetType ?? 'UPDATE';
    if (type !== 'CREATE' && type !== 'UPDATE')
      throw validationError(`ChangeSetType ${type} is not supported by the local cloud (CREATE or UPDATE)`);
    let stack = this.activeStack(stackName);
    if (type === 'CREATE' && stack && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw validationError(
        `Stack [${stackName}] already exists and cannot be created again with the changeSet [${changeSetName}].`,
      );
    }
    if (type === 'UPDATE') {
      if (!stack) throw validationError(`Stack [${stackName}] does not exist`);
      this.assertUpdatable(stack);
    }
    if (stack && this.changeSets.some((c) => c.stackId === stack!.stackId && c.changeSetName === changeSetName)) {
      throw new CloudFormationError('AlreadyExistsException', `ChangeSet [${changeSetName}] already exists`);
    }
    const templateBody =
      input.UsePreviousTemplate && stack ? this.previousTemplate(stack, input) : await this.templateBody(input);
    const identity = stack ?? { stackName, stackId: stackArn(stackName) };
    const deployment = prepareDeployment(
      identity,
      templateBody,
      input.Parameters,
      type === 'UPDATE' ? stack!.parameters : undefined,
    );
    checkCapabilities(deployment.resources, input.Capabilities);
    if (!stack) {
      stack = {
        ...identity,
        status: 'REVIEW_IN_PROGRESS',
        createdAt: now(),
        templateBody: '',
        parameters: {},
        noEcho: [],
        capabilities: [],
        tags: [],
        disableRollback: false,
        resources: {},
        outputs: [],
        imports: [],
        events: [],
      };
      this.stacks.push(stack);
      this.stackEvent(stack, 'REVIEW_IN_PROGRESS', 'User Initiated');
    }
    const changeSet: ChangeSetRecord = {
      changeSetId: changeSetArn(changeSetName),
      changeSetName,
      stackId: stack.stackId,
      stackName,
      changeSetType: type,
      status: 'CREATE_PENDING',
      executionStatus: 'UNAVAILABLE',
      createdAt: now(),
      ...(input.Description === undefined ? {} : { description: input.Description }),
      templateBody,
      parameters: deployment.parameters.values,
      noEcho: deployment.parameters.noEcho,
      capabilities: [...(input.Capabilities ?? [])],
      tags: input.Tags === undefined ? stack.tags : this.checkTags(input.Tags),
      ...(input.RoleARN ? { roleArn: input.RoleARN } : {}),
      includeNestedStacks: input.IncludeNestedStacks ?? false,
      changes: [],
    };
    this.changeSets.push(changeSet);
    this.persist();
    this.track(this.computeChangeSet(stack, changeSet, deployment));
    return { Id: changeSet.changeSetId, StackId: stack.stackId };
  }

  async describeChangeSet(input: DescribeChangeSetInput): Promise<DescribeChangeSetOutput> {
    const changeSet = this.findChangeSet(this.required(input.ChangeSetName, 'changeSetName'), input.StackName);
    const { items, nextToken } = page(changeSet.changes, input.NextToken, this.pageSize, changeSet.changeSetId);
    return {
      ChangeSetName: changeSet.changeSetName,
      ChangeSetId: changeSet.changeSetId,
      StackId: changeSet.stackId,
      StackName: changeSet.stackName,
      Description: changeSet.description,
      Parameters: parameterList(changeSet.parameters, changeSet.noEcho),
      CreationTime: new Date(changeSet.createdAt),
      ExecutionStatus: changeSet.executionStatus as never,
      Status: changeSet.status as never,
      StatusReason: changeSet.statusReason,
      NotificationARNs: [],
      RollbackConfiguration: {},
      Capabilities: changeSet.capabilities as never,
      Tags: changeSet.tags,
      Changes: items,
      IncludeNestedStacks: changeSet.includeNestedStacks,
      ParentChangeSetId: changeSet.parentChangeSetId,
      RootChangeSetId: changeSet.rootChangeSetId,
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  async listChangeSets(input: ListChangeSetsInput): Promise<ListChangeSetsOutput> {
    const stack = this.findStack(this.required(input.StackName, 'stackName'), { includeDeleted: false })!;
    const all = this.changeSets.filter((c) => c.stackId === stack.stackId);
    const { items, nextToken } = page(all, input.NextToken, LIST_PAGE_SIZE, `ChangeSets:${stack.stackId}`);
    return {
      Summaries: items.map((c) => ({
        StackId: c.stackId,
        StackName: c.stackName,
        ChangeSetId: c.changeSetId,
        ChangeSetName: c.changeSetName,
        ExecutionStatus: c.executionStatus as never,
        Status: c.status as never,
        StatusReason: c.statusReason,
        CreationTime: new Date(c.createdAt),
        Description: c.description,
        IncludeNestedStacks: c.includeNestedStacks,
      })),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
  }

  async executeChangeSet(input: ExecuteChangeSetInput): Promise<ExecuteChangeSetOutput> {
    const changeSet = this.findChangeSet(this.required(input.ChangeSetName, 'changeSetName'), input.StackName);
    if (changeSet.rootChangeSetId !== undefined) {
      throw new CloudFormationError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSet.changeSetId}] is a nested change set; execute its root change set [${changeSet.rootChangeSetId}]`,
      );
    }
    if (changeSet.executionStatus !== 'AVAILABLE') {
      throw new CloudFormationError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSet.changeSetId}] cannot be executed in its current status of [${changeSet.status}] and execution status of [${changeSet.executionStatus}]`,
      );
    }
    const stack = this.stacks.find((s) => s.stackId === changeSet.stackId)!;
    if (changeSet.changeSetType === 'UPDATE') this.assertUpdatable(stack);
    const deployment = prepareDeployment(
      stack,
      changeSet.templateBody,
      Object.entries(changeSet.parameters).map(([key, value]) => ({
        ParameterKey: key,
        ParameterValue: Array.isArray(value) ? value.join(',') : value,
      })),
    );
    this.checkImports(deployment, stack.stackId);
    changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
    // Executing one change set makes the stack's other change sets obsolete; AWS deletes them.
    for (const other of this.changeSets.filter((c) => c.stackId === stack.stackId && c !== changeSet))
      this.changeSets.splice(this.changeSets.indexOf(other), 1);
    stack.lastChangeSetId = changeSet.changeSetId;
    this.applyStackSettings(stack, changeSet.capabilities, changeSet.tags, changeSet.roleArn);
    if (input.DisableRollback !== undefined) stack.disableRollback = input.DisableRollback;
    const run = async (): Promise<void> => {
      const succeeded = await (
        changeSet.changeSetType === 'CREATE' ? this.runCreate(stack, deployment) : this.runUpdate(stack, deployment)
      ).catch((error: unknown) => {
        changeSet.executionStatus = 'EXECUTE_FAILED';
        throw error;
      });
      changeSet.executionStatus = succeeded ? 'EXECUTE_COMPLETE' : 'EXECUTE_FAILED';
      for (const nested of this.changeSets.filter(
        (c) => c.rootChangeSetId === changeSet.changeSetId && c.executionStatus === 'AVAILABLE',
      )) {
        nested.executionStatus = changeSet.executionStatus;
      }
      this.persist();
    };
    if (changeSet.changeSetType === 'CREATE') {
      stack.noEcho = deployment.parameters.noEcho;
      stack.parameters = deployment.parameters.values;
      stack.templateBody = deployment.templateBody;
      if (deployment.template.Description !== undefined) stack.description = deployment.template.Description;
      this.stackEvent(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    } else this.stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
    this.track(run(), stack);
    return {};
  }

  async deleteChangeSet(input: DeleteChangeSetInput): Promise<DeleteChangeSetOutput> {
    const changeSet = this.findChangeSet(this.required(input.ChangeSetName, 'changeSetName'), input.StackName);
    if (changeSet.executionStatus === 'EXECUTE_IN_PROGRESS') {
      throw new CloudFormationError(
        'InvalidChangeSetStatus',
        `Cannot delete ChangeSet [${changeSet.changeSetId}] while it is executing`,
      );
    }
    for (const doomed of this.changeSets.filter(
      (c) => c === changeSet || c.rootChangeSetId === changeSet.changeSetId,
    )) {
      this.changeSets.splice(this.changeSets.indexOf(doomed), 1);
    }
    this.persist();
    return {};
  }

  // ---- views for tests and the local release ------------------------------------------------------------------

  stackResources(stackName: string): StackResourceView[] {
    const stack = this.findStack(stackName, { includeDeleted: true })!;
    return Object.values(stack.resources).map((r) => ({
      logicalId: r.logicalId,
      type: r.type,
      physicalId: r.physicalId,
      status: r.status,
      properties: clone(r.properties),
    }));
  }

  exports(): Record<string, string> {
    return Object.fromEntries(this.exportList().map((e) => [e.name, e.value]));
  }

  /** Resolves when no stack operation or change set computation is running. */
  async waitForIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  // ---- background operations -------------------------------------------------------------------------------------

  /** Runs an operation in the background; if it crashes, its stack does not stay in progress forever. */
  private track(operation: Promise<unknown>, stack?: StackRecord): void {
    const tracked: Promise<void> = operation
      .then(
        () => undefined,
        (error: unknown) => {
          console.error(
            JSON.stringify({
              service: 'cloudformation',
              event: 'operation-crashed',
              stackName: stack?.stackName,
              error: errorMessage(error),
            }),
          );
          const failed = stack ? failedStatusFor(stack.status) : undefined;
          if (stack && failed)
            this.stackEvent(stack, failed, `Internal error in the local CloudFormation: ${errorMessage(error)}`);
        },
      )
      .finally(() => {
        this.running.delete(tracked);
        this.persist();
      });
    this.running.add(tracked);
  }

  private async step(): Promise<void> {
    if (this.stepDelayMs > 0) await sleep(this.stepDelayMs);
  }

  private async computeChangeSet(
    stack: StackRecord,
    changeSet: ChangeSetRecord,
    deployment: Deployment,
  ): Promise<void> {
    await this.step();
    changeSet.status = 'CREATE_IN_PROGRESS';
    this.persist();
    await this.step();
    try {
      this.checkImports(deployment, stack.stackId);
      const direct = this.diff(stack, deployment);
      const changes =
        changeSet.changeSetType === 'CREATE'
          ? direct
          : await this.withNestedChanges(stack, deployment, changeSet, direct);
      changeSet.changes = changes;
      if (
        changes.length === 0 &&
        (changeSet.changeSetType === 'CREATE' || !this.outputsOrTagsChanged(stack, deployment, changeSet.tags))
      ) {
        changeSet.status = 'FAILED';
        changeSet.statusReason = EMPTY_CHANGE_SET_REASON;
      } else {
        changeSet.status = 'CREATE_COMPLETE';
        changeSet.executionStatus = 'AVAILABLE';
      }
    } catch (error) {
      changeSet.status = 'FAILED';
      changeSet.statusReason = errorMessage(error);
    }
    this.persist();
  }

  private async runCreate(stack: StackRecord, deployment: Deployment): Promise<boolean> {
    const imports = new Set<string>();
    let failed: string | undefined;
    let failure = '';
    for (const logicalId of deployment.order) {
      await this.step();
      try {
        await this.createResource(stack, deployment, logicalId, imports);
      } catch (error) {
        failed = logicalId;
        failure = errorMessage(error);
        break;
      }
    }
    if (!failed) {
      try {
        await this.step();
        stack.outputs = this.resolveOutputs(stack, deployment, imports);
        stack.imports = [...imports];
        this.stackEvent(stack, 'CREATE_COMPLETE');
        return true;
      } catch (error) {
        failure = errorMessage(error);
      }
    }
    const reason = failed ? `The following resource(s) failed to create: [${failed}]. ` : `${failure} `;
    if (stack.disableRollback) {
      this.stackEvent(stack, 'CREATE_FAILED', reason.trim());
      return false;
    }
    const rollbackReason = `${reason}Rollback requested by user.`;
    this.stackEvent(stack, 'ROLLBACK_IN_PROGRESS', rollbackReason);
    let rollbackFailed = false;
    for (const logicalId of [...deployment.order].reverse()) {
      const record = stack.resources[logicalId];
      if (!record) continue;
      if (record.status === 'CREATE_FAILED') {
        this.resourceEvent(stack, record, 'DELETE_COMPLETE');
        continue;
      }
      await this.step();
      try {
        await this.deleteResource(stack, record, deployment.resources[logicalId], { onCreateRollback: true });
      } catch {
        rollbackFailed = true;
      }
    }
    stack.outputs = [];
    this.stackEvent(stack, rollbackFailed ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE', rollbackReason);
    return false;
  }

  private async runUpdate(stack: StackRecord, deployment: Deployment): Promise<boolean> {
    const before = currentDeployment(stack, stack.templateBody, stack.parameters);
    const snapshot = {
      resources: clone(stack.resources),
      templateBody: stack.templateBody,
      parameters: stack.parameters,
      noEcho: stack.noEcho,
      outputs: stack.outputs,
      imports: stack.imports,
      description: stack.description,
    };
    stack.templateBody = deployment.templateBody;
    stack.parameters = deployment.parameters.values;
    stack.noEcho = deployment.parameters.noEcho;
    stack.updatedAt = now();
    const journal: { kind: 'created' | 'updated' | 'replaced'; logicalId: string; record: ResourceRecord }[] = [];
    const imports = new Set<string>();
    let failure: string | undefined;
    for (const logicalId of deployment.order) {
      const declaration = deployment.resources[logicalId]!;
      const previous = snapshot.resources[logicalId];
      try {
        if (!previous || previous.status === 'DELETE_COMPLETE') {
          await this.step();
          journal.push({
            kind: 'created',
            logicalId,
            record: await this.createResource(stack, deployment, logicalId, imports),
          });
          continue;
        }
        const properties = this.resolveProperties(stack, deployment, declaration, imports);
        // A nested stack's template may have changed behind an unchanged TemplateURL: it is always re-evaluated.
        if (
          previous.type === declaration.Type &&
          declaration.Type !== STACK_TYPE &&
          deepEqual(previous.properties, properties)
        )
          continue;
        await this.step();
        const replace =
          previous.type !== declaration.Type ||
          propertyChangeRequirement(declaration.Type, previous.properties, properties) === 'yes';
        if (replace) {
          const customName = customPhysicalName(declaration.Type, properties);
          if (customName !== undefined && customName === customPhysicalName(previous.type, previous.properties)) {
            throw new Error(
              `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${customName} and update the stack again.`,
            );
          }
          this.resourceEvent(
            stack,
            previous,
            'UPDATE_IN_PROGRESS',
            'Requested update requires the creation of a new physical resource; hence creating one.',
          );
          const created = await this.provision(stack, logicalId, declaration.Type, properties, 'UPDATE');
          journal.push({ kind: 'replaced', logicalId, record: created });
        } else {
          journal.push({ kind: 'updated', logicalId, record: previous });
          this.resourceEvent(stack, previous, 'UPDATE_IN_PROGRESS');
          await this.provision(stack, logicalId, declaration.Type, properties, 'UPDATE', previous);
        }
      } catch (error) {
        failure = `The following resource(s) failed to update: [${logicalId}]. `;
        if (!(error instanceof OperationFailure)) {
          const record = stack.resources[logicalId] ?? { ...previous!, status: 'UPDATE_FAILED' };
          this.resourceEvent(stack, record, previous ? 'UPDATE_FAILED' : 'CREATE_FAILED', errorMessage(error));
        }
        if (!previous) failure = `The following resource(s) failed to create: [${logicalId}]. `;
        break;
      }
    }
    let outputs: OutputRecord[] = [];
    if (failure === undefined) {
      try {
        outputs = this.resolveOutputs(stack, deployment, imports);
        this.checkExportsInUse(stack, outputs);
      } catch (error) {
        failure = `${errorMessage(error)} `;
      }
    }
    if (failure !== undefined) return this.rollbackUpdate(stack, snapshot, journal, `${failure}`);
    stack.outputs = outputs;
    stack.imports = [...imports];
    if (deployment.template.Description !== undefined) stack.description = deployment.template.Description;
    else delete stack.description;
    this.stackEvent(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    // Cleanup: replaced physical resources, then resources no longer in the template (dependents first).
    for (const entry of journal.filter((e) => e.kind === 'replaced')) {
      const old = snapshot.resources[entry.logicalId]!;
      await this.step();
      await this.deleteResource(
        stack,
        old,
        {
          Type: old.type,
          ...(deployment.resources[entry.logicalId]?.UpdateReplacePolicy === 'Retain'
            ? { DeletionPolicy: 'Retain' as const }
            : {}),
        },
        { keepRecord: true },
      ).catch(() => undefined);
    }
    for (const logicalId of [...before.order].reverse()) {
      if (logicalId in deployment.resources) continue;
      const old = stack.resources[logicalId];
      if (!old || old.status === 'DELETE_COMPLETE') continue;
      await this.step();
      await this.deleteResource(stack, old, before.resources[logicalId]).then(
        () => delete stack.resources[logicalId],
        () => delete stack.resources[logicalId],
      );
    }
    this.stackEvent(stack, 'UPDATE_COMPLETE');
    return true;
  }

  private async rollbackUpdate(
    stack: StackRecord,
    snapshot: {
      resources: Record<string, ResourceRecord>;
      templateBody: string;
      parameters: StackRecord['parameters'];
      noEcho: string[];
      outputs: OutputRecord[];
      imports: string[];
      description?: string | undefined;
    },
    journal: { kind: 'created' | 'updated' | 'replaced'; logicalId: string; record: ResourceRecord }[],
    reason: string,
  ): Promise<boolean> {
    this.stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', `${reason}`.trim());
    let rollbackFailed = false;
    const restored = clone(snapshot.resources);
    for (const entry of [...journal].reverse().filter((e) => e.kind === 'updated')) {
      const previous = restored[entry.logicalId]!;
      const current = stack.resources[entry.logicalId] ?? previous;
      await this.step();
      try {
        this.resourceEvent(stack, current, 'UPDATE_IN_PROGRESS');
        const result = await this.provisionerFor(previous.type).update(
          this.resourceContext(stack, entry.logicalId, previous.type),
          current,
          previous.properties,
        );
        restored[entry.logicalId] = {
          ...previous,
          attributes: result.attributes,
          status: 'UPDATE_COMPLETE',
          updatedAt: now(),
        };
        this.resourceEvent(stack, restored[entry.logicalId]!, 'UPDATE_COMPLETE');
      } catch (error) {
        rollbackFailed = true;
        this.resourceEvent(stack, current, 'UPDATE_FAILED', errorMessage(error));
      }
    }
    for (const entry of journal.filter((e) => e.kind === 'replaced')) {
      const previous = restored[entry.logicalId]!;
      this.resourceEvent(stack, previous, 'UPDATE_COMPLETE');
    }
    stack.templateBody = snapshot.templateBody;
    stack.parameters = snapshot.parameters;
    stack.noEcho = snapshot.noEcho;
    stack.outputs = snapshot.outputs;
    stack.imports = snapshot.imports;
    if (snapshot.description !== undefined) stack.description = snapshot.description;
    this.stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    // The resources this update created (new ones and replacements) go away; the previous ones stay.
    const createdRecords = journal.filter((e) => e.kind !== 'updated').map((e) => e.record);
    const failedCreations = Object.values(stack.resources).filter(
      (r) => r.status === 'CREATE_FAILED' && !(r.logicalId in snapshot.resources),
    );
    stack.resources = restored;
    for (const record of [...createdRecords].reverse()) {
      await this.step();
      try {
        await this.deleteResource(stack, record, { Type: record.type }, { keepRecord: true, onCreateRollback: true });
      } catch {
        rollbackFailed = true;
      }
    }
    for (const record of failedCreations) this.resourceEvent(stack, record, 'DELETE_COMPLETE');
    this.stackEvent(stack, rollbackFailed ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE', reason.trim());
    return false;
  }

  private async runDelete(stack: StackRecord, retain: Set<string>): Promise<void> {
    const inUse = stack.outputs
      .filter((o) => o.exportName !== undefined)
      .map((o) => [o.exportName!, this.importers(o.exportName!, stack.stackId)] as const)
      .find(([, importers]) => importers.length > 0);
    await this.step();
    if (inUse) {
      this.stackEvent(
        stack,
        'DELETE_FAILED',
        `Export ${inUse[0]} cannot be deleted as it is in use by ${inUse[1].join(', ')}`,
      );
      return;
    }
    let order: string[] = Object.keys(stack.resources);
    let declarations: Record<string, ResourceDeclaration> = {};
    if (stack.templateBody) {
      try {
        const current = currentDeployment(stack, stack.templateBody, stack.parameters);
        order = [...current.order, ...order.filter((id) => !current.order.includes(id))];
        declarations = current.resources;
      } catch {
        // An unreadable template still lets the stack go: delete in the recorded order.
      }
    }
    const failed: string[] = [];
    for (const logicalId of [...order].reverse()) {
      const record = stack.resources[logicalId];
      if (!record || record.status === 'DELETE_COMPLETE' || record.status === 'DELETE_SKIPPED' || !record.physicalId)
        continue;
      await this.step();
      const declaration = declarations[logicalId] ?? { Type: record.type };
      try {
        await this.deleteResource(
          stack,
          record,
          retain.has(logicalId) ? { ...declaration, DeletionPolicy: 'Retain' } : declaration,
        );
      } catch {
        failed.push(logicalId);
      }
    }
    if (failed.length > 0) {
      this.stackEvent(stack, 'DELETE_FAILED', `The following resource(s) failed to delete: [${failed.join(', ')}]. `);
      return;
    }
    stack.deletedAt = now();
    stack.outputs = [];
    stack.imports = [];
    for (const changeSet of this.changeSets.filter((c) => c.stackId === stack.stackId))
      this.changeSets.splice(this.changeSets.indexOf(changeSet), 1);
    this.stackEvent(stack, 'DELETE_COMPLETE');
  }

  // ---- resources ---------------------------------------------------------------------------------------------------

  private provisionerFor(resourceType: string): Provisioner {
    return resourceType === STACK_TYPE ? this.nestedStacks : provisionerFor(resourceType);
  }

  // ---- nested stacks ------------------------------------------------------------------------------------------

  private nestedStackHost(): NestedStackHost {
    const nestedOrFail = (stackId: string): StackRecord => {
      const nested = this.stacks.find((s) => s.stackId === stackId && s.status !== 'DELETE_COMPLETE');
      if (!nested) throw new Error(`Embedded stack ${stackId} does not exist`);
      return nested;
    };
    return {
      createNestedStack: async (ctx, templateUrl, parameters) => {
        const parent = this.activeStack(ctx.stackName)!;
        const suffix = randomSuffix();
        const stackName = `${parent.stackName.slice(0, 128 - suffix.length - ctx.logicalId.length - 2)}-${ctx.logicalId}-${suffix}`;
        const identity = { stackName, stackId: stackArn(stackName) };
        const deployment = prepareDeployment(
          identity,
          await this.templateBody({ TemplateURL: templateUrl }),
          parameters,
        );
        this.checkImports(deployment, identity.stackId);
        const nested: StackRecord = {
          ...identity,
          status: 'CREATE_IN_PROGRESS',
          createdAt: now(),
          templateBody: deployment.templateBody,
          ...(deployment.template.Description === undefined ? {} : { description: deployment.template.Description }),
          parameters: deployment.parameters.values,
          noEcho: deployment.parameters.noEcho,
          capabilities: parent.capabilities,
          tags: parent.tags,
          disableRollback: parent.disableRollback,
          resources: {},
          outputs: [],
          imports: [],
          events: [],
          parentId: parent.stackId,
          rootId: parent.rootId ?? parent.stackId,
        };
        this.stacks.push(nested);
        this.stackEvent(nested, 'CREATE_IN_PROGRESS', 'User Initiated');
        if (!(await this.runCreate(nested, deployment))) {
          const reason = `Embedded stack ${nested.stackId} was not successfully created: ${nested.reason ?? nested.status}`;
          // The parent's rollback removes the failed nested stack, as AWS does.
          this.stackEvent(nested, 'DELETE_IN_PROGRESS', 'Parent stack rollback');
          await this.runDelete(nested, new Set());
          throw new Error(reason);
        }
        return { physicalId: nested.stackId, attributes: nestedAttributes(nested) };
      },
      updateNestedStack: async (_ctx, stackId, templateUrl, parameters): Promise<ProvisionedResource> => {
        const nested = nestedOrFail(stackId);
        const deployment = prepareDeployment(
          nested,
          await this.templateBody({ TemplateURL: templateUrl }),
          parameters,
          nested.parameters,
        );
        this.checkImports(deployment, nested.stackId);
        const unchanged =
          this.diff(nested, deployment).length === 0 && !this.outputsOrTagsChanged(nested, deployment, nested.tags);
        if (!unchanged) {
          this.stackEvent(nested, 'UPDATE_IN_PROGRESS', 'User Initiated');
          if (!(await this.runUpdate(nested, deployment))) {
            throw new Error(
              `Embedded stack ${stackId} was not successfully updated. Currently in ${nested.status} with reason: ${nested.reason ?? ''}`,
            );
          }
        }
        return { physicalId: nested.stackId, attributes: nestedAttributes(nested) };
      },
      deleteNestedStack: async (_ctx, stackId) => {
        const nested = this.stacks.find((s) => s.stackId === stackId && s.status !== 'DELETE_COMPLETE');
        if (!nested) return;
        this.stackEvent(nested, 'DELETE_IN_PROGRESS', 'User Initiated');
        await this.runDelete(nested, new Set());
        if (nested.status !== 'DELETE_COMPLETE')
          throw new Error(`Embedded stack ${stackId} was not successfully deleted: ${nested.reason ?? nested.status}`);
      },
    };
  }

  /**
   * The nested change sets of a change set's AWS::CloudFormation::Stack resources: each existing nested stack is
   * diffed against its (possibly new) template; a nested stack with changes is a Modify of the parent's resource.
   */
  private async withNestedChanges(
    stack: StackRecord,
    deployment: Deployment,
    changeSet: ChangeSetRecord,
    changes: Change[],
  ): Promise<Change[]> {
    const result = [...changes];
    const ctx = this.resolveContext(stack, deployment, undefined, true);
    for (const [logicalId, declaration] of Object.entries(deployment.resources)) {
      if (declaration.Type !== STACK_TYPE) continue;
      const existing = stack.resources[logicalId];
      const nested = existing?.physicalId
        ? this.stacks.find((s) => s.stackId === existing.physicalId && s.status !== 'DELETE_COMPLETE')
        : undefined;
      if (!nested) continue;
      const properties = resolveValue(declaration.Properties ?? {}, ctx) as Record<string, unknown>;
      if (typeof properties.TemplateURL !== 'string') continue;
      // A parameter that depends on a parent resource keeps its previous value in the preview.
      const parameters: Parameter[] = Object.entries((properties.Parameters ?? {}) as Record<string, unknown>).map(
        ([key, value]) =>
          typeof value === 'object' && value !== null && !Array.isArray(value)
            ? { ParameterKey: key, UsePreviousValue: true }
            : { ParameterKey: key, ParameterValue: Array.isArray(value) ? value.join(',') : String(value) },
      );
      nestedStackParameters(this.resourceContext(stack, logicalId, STACK_TYPE), properties); // rejects a Parameters that is not a map
      const nestedDeployment = prepareDeployment(
        nested,
        await this.templateBody({ TemplateURL: properties.TemplateURL }),
        parameters,
        nested.parameters,
      );
      const name = `${changeSet.changeSetName.slice(0, 60)}-${logicalId.slice(0, 50)}-${randomSuffix()}`;
      const nestedChangeSet: ChangeSetRecord = {
        changeSetId: changeSetArn(name),
        changeSetName: name,
        stackId: nested.stackId,
        stackName: nested.stackName,
        changeSetType: 'UPDATE',
        status: 'CREATE_COMPLETE',
        executionStatus: 'AVAILABLE',
        createdAt: now(),
        templateBody: nestedDeployment.templateBody,
        parameters: nestedDeployment.parameters.values,
        noEcho: nestedDeployment.parameters.noEcho,
        capabilities: changeSet.capabilities,
        tags: nested.tags,
        includeNestedStacks: true,
        changes: [],
        parentChangeSetId: changeSet.changeSetId,
        rootChangeSetId: changeSet.rootChangeSetId ?? changeSet.changeSetId,
      };
      nestedChangeSet.changes = await this.withNestedChanges(
        nested,
        nestedDeployment,
        nestedChangeSet,
        this.diff(nested, nestedDeployment),
      );
      const nestedChanged =
        nestedChangeSet.changes.length > 0 || this.outputsOrTagsChanged(nested, nestedDeployment, nested.tags);
      if (!nestedChanged) {
        nestedChangeSet.status = 'FAILED';
        nestedChangeSet.executionStatus = 'UNAVAILABLE';
        nestedChangeSet.statusReason = EMPTY_CHANGE_SET_REASON;
      }
      if (changeSet.includeNestedStacks) this.changeSets.push(nestedChangeSet);
      const parentChange = result.find((c) => c.ResourceChange?.LogicalResourceId === logicalId)?.ResourceChange;
      const link = changeSet.includeNestedStacks ? { ChangeSetId: nestedChangeSet.changeSetId } : {};
      if (parentChange) Object.assign(parentChange, link);
      else if (nestedChanged) {
        result.push({
          Type: 'Resource',
          HookInvocationCount: 0,
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: logicalId,
            PhysicalResourceId: nested.stackId,
            ResourceType: STACK_TYPE,
            Replacement: 'False',
            Scope: ['Properties'],
            ...link,
            Details: [
              {
                Target: { Attribute: 'Properties', RequiresRecreation: 'Never' },
                Evaluation: 'Dynamic',
                ChangeSource: 'Automatic',
              },
            ],
          },
        });
      }
    }
    return result;
  }

  private resourceContext(stack: StackRecord, logicalId: string, resourceType: string): ResourceContext {
    return {
      stackName: stack.stackName,
      logicalId,
      resourceType,
      deps: this.deps,
    };
  }

  private resolveContext(
    stack: StackRecord,
    deployment: Deployment,
    imports?: Set<string>,
    partial = false,
  ): ResolveContext {
    return {
      stackName: stack.stackName,
      stackId: stack.stackId,
      parameters: deployment.parameters.values,
      conditions: deployment.conditions,
      mappings: deployment.template.Mappings,
      resourceIds: new Set(Object.keys(deployment.resources)),
      partial,
      resourceRef: (logicalId) => this.liveResource(stack, logicalId).physicalId,
      resourceAttribute: (logicalId, attribute) => {
        const record = this.liveResource(stack, logicalId);
        const value = record.attributes[attribute];
        if (value === undefined) {
          throw validationError(
            `Template error: attribute ${attribute} of ${logicalId} (${record.type}) is not available in the local cloud`,
          );
        }
        return value;
      },
      importValue: (name) => {
        const found = this.exportList().find((e) => e.name === name && e.stackId !== stack.stackId);
        if (!found) throw validationError(`No export named ${name} found.`);
        imports?.add(name);
        return found.value;
      },
    };
  }

  private liveResource(stack: StackRecord, logicalId: string): ResourceRecord {
    const record = stack.resources[logicalId];
    if (!record || !record.physicalId || record.status === 'DELETE_COMPLETE' || record.status === 'CREATE_FAILED') {
      throw validationError(`Template error: resource ${logicalId} is referenced before it exists`);
    }
    return record;
  }

  private resolveProperties(
    stack: StackRecord,
    deployment: Deployment,
    declaration: ResourceDeclaration,
    imports: Set<string>,
  ): Record<string, unknown> {
    return resolveValue(declaration.Properties ?? {}, this.resolveContext(stack, deployment, imports)) as Record<
      string,
      unknown
    >;
  }

  /** Creates one resource; a failure is recorded (CREATE_FAILED with the reason) and rethrown as OperationFailure. */
  private async createResource(
    stack: StackRecord,
    deployment: Deployment,
    logicalId: string,
    imports: Set<string>,
  ): Promise<ResourceRecord> {
    const declaration = deployment.resources[logicalId]!;
    const pending: ResourceRecord = {
      logicalId,
      type: declaration.Type,
      physicalId: '',
      status: 'CREATE_IN_PROGRESS',
      properties: {},
      attributes: {},
      updatedAt: now(),
    };
    stack.resources[logicalId] = pending;
    this.resourceEvent(stack, pending, 'CREATE_IN_PROGRESS');
    let properties: Record<string, unknown>;
    try {
      properties = this.resolveProperties(stack, deployment, declaration, imports);
    } catch (error) {
      pending.status = 'CREATE_FAILED';
      pending.reason = errorMessage(error);
      this.resourceEvent(stack, pending, 'CREATE_FAILED', pending.reason);
      throw new OperationFailure(pending.reason);
    }
    return this.provision(stack, logicalId, declaration.Type, properties, 'CREATE');
  }

  /** Runs the provisioner (create, or update when `existing` is given) and records the outcome with its events. */
  private async provision(
    stack: StackRecord,
    logicalId: string,
    type: string,
    properties: Record<string, unknown>,
    phase: 'CREATE' | 'UPDATE',
    existing?: ResourceRecord,
  ): Promise<ResourceRecord> {
    const ctx = this.resourceContext(stack, logicalId, type);
    const provisioner = this.provisionerFor(type);
    const failedStatus = `${phase}_FAILED`;
    try {
      const result = existing
        ? await provisioner.update(ctx, existing, properties)
        : await provisioner.create(ctx, properties);
      const record: ResourceRecord = {
        logicalId,
        type,
        physicalId: result.physicalId,
        status: `${phase}_COMPLETE`,
        properties,
        attributes: result.attributes,
        updatedAt: now(),
      };
      stack.resources[logicalId] = record;
      this.resourceEvent(stack, record, `${phase}_COMPLETE`, undefined, properties);
      return record;
    } catch (error) {
      const reason = errorMessage(error);
      const record: ResourceRecord = existing
        ? { ...existing, status: failedStatus, reason, updatedAt: now() }
        : {
            logicalId,
            type,
            physicalId: stack.resources[logicalId]?.physicalId ?? '',
            status: failedStatus,
            reason,
            properties,
            attributes: {},
            updatedAt: now(),
          };
      if (!existing && phase === 'UPDATE') {
        // A failed replacement leaves the previous physical resource in place.
        this.resourceEvent(
          stack,
          { ...record, physicalId: stack.resources[logicalId]?.physicalId ?? '' },
          failedStatus,
          reason,
        );
      } else {
        stack.resources[logicalId] = record;
        this.resourceEvent(stack, record, failedStatus, reason);
      }
      throw new OperationFailure(reason);
    }
  }

  /** Deletes one resource, honouring DeletionPolicy; throws after recording DELETE_FAILED. */
  private async deleteResource(
    stack: StackRecord,
    record: ResourceRecord,
    declaration: Pick<ResourceDeclaration, 'Type' | 'DeletionPolicy'> | undefined,
    options: { onCreateRollback?: boolean; keepRecord?: boolean } = {},
  ): Promise<void> {
    const policy = declaration?.DeletionPolicy;
    const retained =
      policy === 'Retain' || policy === 'Snapshot' || (policy === 'RetainExceptOnCreate' && !options.onCreateRollback);
    const target = options.keepRecord ? { ...record } : record;
    if (retained) {
      target.status = 'DELETE_SKIPPED';
      this.resourceEvent(stack, target, 'DELETE_SKIPPED');
      return;
    }
    if (!record.physicalId) return;
    target.status = 'DELETE_IN_PROGRESS';
    this.resourceEvent(stack, target, 'DELETE_IN_PROGRESS');
    try {
      await this.provisionerFor(record.type).delete(this.resourceContext(stack, record.logicalId, record.type), record);
    } catch (error) {
      target.status = 'DELETE_FAILED';
      target.reason = errorMessage(error);
      this.resourceEvent(stack, target, 'DELETE_FAILED', target.reason);
      throw error;
    }
    target.status = 'DELETE_COMPLETE';
    delete target.reason;
    target.updatedAt = now();
    this.resourceEvent(stack, target, 'DELETE_COMPLETE');
  }

  private resolveOutputs(stack: StackRecord, deployment: Deployment, imports: Set<string>): OutputRecord[] {
    const ctx = this.resolveContext(stack, deployment, imports);
    const outputs: OutputRecord[] = [];
    for (const [key, output] of Object.entries(deployment.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !deployment.conditions[output.Condition]) continue;
      const record: OutputRecord = { key, value: outputText(resolveValue(output.Value, ctx)) };
      if (output.Description !== undefined) record.description = output.Description;
      if (output.Export) {
        const exportName = outputText(resolveValue(output.Export.Name, ctx));
        const owner = this.exportList().find((e) => e.name === exportName && e.stackId !== stack.stackId);
        if (owner)
          throw validationError(`Export with name ${exportName} is already exported by stack ${owner.stackName}`);
        record.exportName = exportName;
      }
      outputs.push(record);
    }
    return outputs;
  }

  // ---- exports -----------------------------------------------------------------------------------------------------

  private exportList(): { name: string; value: string; stackId: string; stackName: string }[] {
    return this.stacks
      .filter((s) => s.status !== 'DELETE_COMPLETE')
      .flatMap((s) =>
        s.outputs
          .filter((o) => o.exportName !== undefined)
          .map((o) => ({ name: o.exportName!, value: o.value, stackId: s.stackId, stackName: s.stackName })),
      );
  }

  private importers(exportName: string, exporterId: string): string[] {
    return this.stacks
      .filter((s) => s.status !== 'DELETE_COMPLETE' && s.stackId !== exporterId && s.imports.includes(exportName))
      .map((s) => s.stackName);
  }

  /** An export another stack imports may neither change value nor disappear (AWS's rule). */
  private checkExportsInUse(stack: StackRecord, outputs: OutputRecord[]): void {
    for (const previous of stack.outputs.filter((o) => o.exportName !== undefined)) {
      const importers = this.importers(previous.exportName!, stack.stackId);
      if (importers.length === 0) continue;
      const next = outputs.find((o) => o.exportName === previous.exportName);
      if (!next)
        throw validationError(
          `Export ${previous.exportName!} cannot be deleted as it is in use by ${importers.join(', ')}`,
        );
      if (next.value !== previous.value)
        throw validationError(
          `Cannot update export ${previous.exportName!} as it is in use by ${importers.join(', ')}`,
        );
    }
  }

  /** Fn::ImportValue of a literal name must name an existing export before anything is provisioned. */
  private checkImports(deployment: Deployment, stackId: string): void {
    const names = new Set<string>();
    for (const resource of Object.values(deployment.resources)) collectImports(resource.Properties ?? {}, names);
    collectImports(deployment.template.Outputs ?? {}, names);
    const exported = new Set(
      this.exportList()
        .filter((e) => e.stackId !== stackId)
        .map((e) => e.name),
    );
    const missing = [...names].find((name) => !exported.has(name));
    if (missing !== undefined) throw validationError(`No export named ${missing} found.`);
  }

  // ---- change computation --------------------------------------------------------------------------------------

  private diffSide(stack: StackRecord, deployment: Deployment): DiffSide {
    const ctx = this.resolveContext(stack, deployment, undefined, true);
    const resources: Record<string, ResourceDeclaration> = {};
    for (const [logicalId, declaration] of Object.entries(deployment.resources)) {
      resources[logicalId] = {
        ...declaration,
        Properties: resolveValue(declaration.Properties ?? {}, ctx) as Record<string, unknown>,
      };
    }
    const physicalIds = Object.fromEntries(
      Object.values(stack.resources)
        .filter((r) => r.physicalId)
        .map((r) => [r.logicalId, r.physicalId]),
    );
    return { resources, conditions: deployment.conditions, physicalIds };
  }

  /** The changes from what the stack runs now to a deployment (all Adds for a stack that holds no template yet). */
  private diff(stack: StackRecord, deployment: Deployment): Change[] {
    const before = stack.templateBody
      ? this.diffSide(stack, currentDeployment(stack, stack.templateBody, stack.parameters))
      : undefined;
    return computeResourceChanges(before, this.diffSide(stack, deployment));
  }

  private outputsOrTagsChanged(stack: StackRecord, deployment: Deployment, tags: Tag[]): boolean {
    if (!deepEqual(stack.tags, tags)) return true;
    const ctx = this.resolveContext(stack, deployment, undefined, true);
    const previous = currentDeployment(stack, stack.templateBody, stack.parameters);
    const previousCtx = this.resolveContext(stack, previous, undefined, true);
    return !deepEqual(
      resolveValue(previous.template.Outputs ?? {}, previousCtx),
      resolveValue(deployment.template.Outputs ?? {}, ctx),
    );
  }

  // ---- lookups and checks ------------------------------------------------------------------------------------------

  private activeStack(stackName: string): StackRecord | undefined {
    return this.stacks.find((s) => s.stackName === stackName && s.status !== 'DELETE_COMPLETE');
  }

  private findStack(
    nameOrId: string,
    options: { includeDeleted: boolean; missingOk?: boolean },
  ): StackRecord | undefined {
    const stack = nameOrId.startsWith('arn:')
      ? this.stacks.find((s) => s.stackId === nameOrId && (options.includeDeleted || s.status !== 'DELETE_COMPLETE'))
      : this.activeStack(nameOrId);
    if (!stack && !options.missingOk) throw validationError(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  private stackForUpdate(nameOrId: string | undefined): StackRecord {
    const stack = this.findStack(this.required(nameOrId, 'stackName'), { includeDeleted: false })!;
    this.assertUpdatable(stack);
    return stack;
  }

  private assertUpdatable(stack: StackRecord): void {
    if (stack.status === 'REVIEW_IN_PROGRESS') {
      throw validationError(`Stack [${stack.stackName}] does not exist`);
    }
    if (isInProgress(stack.status) || NOT_UPDATABLE.has(stack.status)) {
      throw validationError(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
    }
  }

  private findChangeSet(nameOrArn: string, stackName: string | undefined): ChangeSetRecord {
    let changeSet: ChangeSetRecord | undefined;
    if (nameOrArn.startsWith('arn:')) changeSet = this.changeSets.find((c) => c.changeSetId === nameOrArn);
    else {
      if (!stackName) throw validationError('StackName must be specified if ChangeSetName is not specified as an ARN.');
      const stack = this.findStack(stackName, { includeDeleted: false, missingOk: true });
      if (!stack) throw new CloudFormationError('ChangeSetNotFound', `ChangeSet [${nameOrArn}] does not exist`);
      changeSet = this.changeSets.find((c) => c.stackId === stack.stackId && c.changeSetName === nameOrArn);
    }
    if (!changeSet) throw new CloudFormationError('ChangeSetNotFound', `ChangeSet [${nameOrArn}] does not exist`);
    return changeSet;
  }

  private required(value: string | undefined, member: string): string {
    if (value === undefined || value === '') {
      throw validationError(
        `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  private checkStackName(stackName: string | undefined): string {
    const name = this.required(stackName, 'stackName');
    if (!STACK_NAME.test(name) || name.length > 128) {
      throw validationError(
        `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    }
    return name;
  }

  private checkTags(tags: Tag[] | undefined): Tag[] {
    for (const tag of tags ?? []) {
      if (!tag.Key || tag.Value === undefined) throw validationError('Every Tags member must have a Key and a Value');
    }
    return (tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
  }

  private applyStackSettings(
    stack: StackRecord,
    capabilities: readonly string[] | undefined,
    tags: Tag[],
    roleArn: string | undefined,
  ): void {
    stack.capabilities = [...(capabilities ?? [])];
    stack.tags = tags;
    if (roleArn) stack.roleArn = roleArn;
  }

  private previousTemplate(
    stack: StackRecord,
    input: { TemplateBody?: string | undefined; TemplateURL?: string | undefined },
  ): string {
    if (input.TemplateBody || input.TemplateURL)
      throw validationError('You cannot specify both usePreviousTemplate and Template Body/Template URL');
    if (!stack.templateBody) throw validationError(`Stack [${stack.stackName}] has no previous template`);
    return stack.templateBody;
  }

  private async templateBody(input: {
    TemplateBody?: string | undefined;
    TemplateURL?: string | undefined;
  }): Promise<string> {
    const hasBody = input.TemplateBody !== undefined && input.TemplateBody !== '';
    const hasUrl = input.TemplateURL !== undefined && input.TemplateURL !== '';
    if (hasBody === hasUrl) throw validationError('Exactly one of TemplateBody or TemplateUrl must be specified.');
    if (hasBody) return input.TemplateBody!;
    const { bucket, key } = parseTemplateUrl(input.TemplateURL!);
    const object = await this.deps.objects.getObject(bucket, key);
    if (object === undefined)
      throw validationError(
        `S3 error: the template ${input.TemplateURL!} does not exist (bucket ${bucket}, key ${key})`,
      );
    return Buffer.from(object).toString('utf8');
  }

  // ---- events and persistence ----------------------------------------------------------------------------------

  private stackEvent(stack: StackRecord, status: string, reason?: string): void {
    stack.status = status;
    if (reason === undefined) delete stack.reason;
    else stack.reason = reason;
    this.pushEvent(stack, {
      logicalId: stack.stackName,
      physicalId: stack.stackId,
      resourceType: STACK_TYPE,
      status,
      reason,
    });
  }

  private resourceEvent(
    stack: StackRecord,
    record: ResourceRecord,
    status: string,
    reason?: string,
    properties?: Record<string, unknown>,
  ): void {
    this.pushEvent(stack, {
      logicalId: record.logicalId,
      physicalId: record.physicalId,
      resourceType: record.type,
      status,
      reason,
      properties: properties === undefined ? undefined : JSON.stringify(properties),
    });
  }

  private pushEvent(
    stack: StackRecord,
    event: {
      logicalId: string;
      physicalId: string;
      resourceType: string;
      status: string;
      reason?: string | undefined;
      properties?: string | undefined;
    },
  ): void {
    this.eventCounter += 1;
    stack.events.push({
      eventId: `${event.logicalId}-${event.status}-${Date.now()}-${this.eventCounter}`,
      logicalId: event.logicalId,
      physicalId: event.physicalId,
      resourceType: event.resourceType,
      timestamp: now(),
      status: event.status,
      ...(event.reason === undefined ? {} : { reason: event.reason }),
      ...(event.properties === undefined ? {} : { properties: event.properties }),
    });
    this.persist();
  }

  private persist(): void {
    this.stateFile.save({ stacks: this.stacks, changeSets: this.changeSets });
  }
}
