import type { Parameter, Stack, StackEvent, StackStatus } from '@aws-sdk/client-cloudformation';
import { validationError } from '../errors';
import type { StackEventRecord, StackRecord } from '../store/records';

// Records as the CloudFormation API shows them, and the opaque NextToken of its paginated actions.

const encodeToken = (offset: number, scope: string): string =>
  Buffer.from(JSON.stringify({ offset, scope })).toString('base64url');
const decodeToken = (token: string | undefined, scope: string): number => {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset?: unknown;
      scope?: unknown;
    };
    if (
      typeof parsed.offset === 'number' &&
      Number.isInteger(parsed.offset) &&
      parsed.offset >= 0 &&
      parsed.scope === scope
    )
      return parsed.offset;
  } catch {
    // fall through to the error below
  }
  throw validationError(`Invalid NextToken: ${token}`);
};

export const page = <T>(
  items: T[],
  token: string | undefined,
  size: number,
  scope: string,
): { items: T[]; nextToken?: string } => {
  const offset = decodeToken(token, scope);
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length
    ? { items: slice, nextToken: encodeToken(offset + size, scope) }
    : { items: slice };
};

/** Parameter values as DescribeStacks shows them: NoEcho ones masked. */
export const parameterList = (values: StackRecord['parameters'], noEcho: string[]): Parameter[] =>
  Object.entries(values).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: noEcho.includes(key) ? '****' : Array.isArray(value) ? value.join(',') : value,
  }));

/** A stack as DescribeStacks shows it; `terminationProtection` is the effective one (a nested stack has its root's). */
export const toStack = (stack: StackRecord, terminationProtection: boolean): Stack => {
  return {
    StackId: stack.stackId,
    StackName: stack.stackName,
    ChangeSetId: stack.lastChangeSetId,
    Description: stack.description,
    Parameters: parameterList(stack.parameters, stack.noEcho),
    CreationTime: new Date(stack.createdAt),
    DeletionTime: stack.deletedAt ? new Date(stack.deletedAt) : undefined,
    LastUpdatedTime: stack.updatedAt ? new Date(stack.updatedAt) : undefined,
    RollbackConfiguration: {},
    StackStatus: stack.status as StackStatus,
    StackStatusReason: stack.reason,
    DisableRollback: stack.disableRollback,
    NotificationARNs: [],
    Capabilities: stack.capabilities as never,
    Outputs: stack.outputs.map((o) => ({
      OutputKey: o.key,
      OutputValue: o.value,
      Description: o.description,
      ExportName: o.exportName,
    })),
    RoleARN: stack.roleArn,
    Tags: stack.tags,
    EnableTerminationProtection: terminationProtection,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
    ParentId: stack.parentId,
    RootId: stack.rootId,
  };
};

export const toEvent = (stack: StackRecord, event: StackEventRecord): StackEvent => {
  return {
    StackId: stack.stackId,
    EventId: event.eventId,
    StackName: stack.stackName,
    LogicalResourceId: event.logicalId,
    PhysicalResourceId: event.physicalId || undefined,
    ResourceType: event.resourceType,
    Timestamp: new Date(event.timestamp),
    ResourceStatus: event.status as never,
    ResourceStatusReason: event.reason,
    ResourceProperties: event.properties,
    ClientRequestToken: event.clientRequestToken,
  };
};
