import type {
  DescribeStackEventsInput,
  DescribeStackEventsOutput,
  DescribeStackResourceInput,
  DescribeStackResourceOutput,
  DescribeStackResourcesInput,
  DescribeStackResourcesOutput,
  DescribeStacksInput,
  DescribeStacksOutput,
  GetTemplateInput,
  GetTemplateOutput,
  ListExportsInput,
  ListExportsOutput,
  ListStackResourcesInput,
  ListStackResourcesOutput,
  ListStacksInput,
  ListStacksOutput,
  StackStatus,
  ValidateTemplateInput,
  ValidateTemplateOutput,
} from '@aws-sdk/client-cloudformation';
import { validationError } from '../errors';
import { requiredCapabilities, resourceDependencies } from '../model/analysis';
import { outputText } from '../model/intrinsics';
import { parseTemplate } from '../model/template';
import { templateBody } from '../sources';
import type { StackRecord } from '../store/records';
import { type ApiContext, isProtected, LIST_PAGE_SIZE, required } from './context';
import { page, toEvent, toStack } from './views';

const NOT_CHECKED = { StackResourceDriftStatus: 'NOT_CHECKED' } as const;

export async function describeStacks(ctx: ApiContext, input: DescribeStacksInput = {}): Promise<DescribeStacksOutput> {
  const stacks = input.StackName
    ? [ctx.store.requireStack(input.StackName, true)]
    : ctx.store.stacks.filter((s) => s.status !== 'DELETE_COMPLETE').reverse();
  const { items, nextToken } = page(stacks, input.NextToken, LIST_PAGE_SIZE, 'DescribeStacks');
  return {
    Stacks: items.map((s) => toStack(s, isProtected(ctx, s))),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export async function listStacks(ctx: ApiContext, input: ListStacksInput = {}): Promise<ListStacksOutput> {
  const filter = new Set(input.StackStatusFilter ?? []);
  const stacks = ctx.store.stacks.filter((s) => filter.size === 0 || filter.has(s.status as StackStatus)).reverse();
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

export async function describeStackEvents(
  ctx: ApiContext,
  input: DescribeStackEventsInput,
): Promise<DescribeStackEventsOutput> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), true);
  const events = [...stack.events].reverse();
  const { items, nextToken } = page(events, input.NextToken, LIST_PAGE_SIZE, `Events:${stack.stackId}`);
  return { StackEvents: items.map((e) => toEvent(stack, e)), ...(nextToken ? { NextToken: nextToken } : {}) };
}

export async function describeStackResources(
  ctx: ApiContext,
  input: DescribeStackResourcesInput,
): Promise<DescribeStackResourcesOutput> {
  let stack: StackRecord | undefined;
  if (input.StackName) stack = ctx.store.requireStack(input.StackName, true);
  else if (input.PhysicalResourceId) {
    stack = ctx.store.stacks.find((s) =>
      Object.values(s.resources).some((r) => r.physicalId === input.PhysicalResourceId),
    );
    if (!stack) throw validationError(`Stack for ${input.PhysicalResourceId} does not exist`);
  } else throw validationError('Either StackName or PhysicalResourceId must be specified.');
  const found = stack;
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
      DriftInformation: NOT_CHECKED,
    })),
  };
}

export async function listStackResources(
  ctx: ApiContext,
  input: ListStackResourcesInput,
): Promise<ListStackResourcesOutput> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), true);
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
      DriftInformation: NOT_CHECKED,
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export async function describeStackResource(
  ctx: ApiContext,
  input: DescribeStackResourceInput,
): Promise<DescribeStackResourceOutput> {
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), true);
  const logicalId = required(input.LogicalResourceId, 'logicalResourceId');
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
      DriftInformation: NOT_CHECKED,
    },
  };
}

export async function getTemplate(ctx: ApiContext, input: GetTemplateInput): Promise<GetTemplateOutput> {
  if (input.ChangeSetName) {
    const changeSet = ctx.store.findChangeSet(input.ChangeSetName, input.StackName);
    return { TemplateBody: changeSet.templateBody, StagesAvailable: ['Original', 'Processed'] };
  }
  const stack = ctx.store.requireStack(required(input.StackName, 'stackName'), true);
  return { TemplateBody: stack.templateBody, StagesAvailable: ['Original', 'Processed'] };
}

export async function validateTemplate(ctx: ApiContext, input: ValidateTemplateInput): Promise<ValidateTemplateOutput> {
  const template = parseTemplate(await templateBody(ctx.deps.objects, input));
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

export async function listExports(ctx: ApiContext, input: ListExportsInput = {}): Promise<ListExportsOutput> {
  const { items, nextToken } = page(ctx.store.exportList(), input.NextToken, LIST_PAGE_SIZE, 'Exports');
  return {
    Exports: items.map((e) => ({ ExportingStackId: e.stackId, Name: e.name, Value: e.value })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}
