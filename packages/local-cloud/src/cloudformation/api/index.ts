import type { ApiContext } from './context';
import { createChangeSet, deleteChangeSet, describeChangeSet, executeChangeSet, listChangeSets } from './change-sets';
import {
  describeStackEvents,
  describeStackResource,
  describeStackResources,
  describeStacks,
  getTemplate,
  listExports,
  listStackResources,
  listStacks,
  validateTemplate,
} from './read';
import { getStackPolicy, setStackPolicy } from './stack-policy';
import { createStack, deleteStack, updateStack, updateTerminationProtection } from './stacks';

export type ApiAction = (ctx: ApiContext, input: never) => Promise<unknown>;

/** The CloudFormation actions the local engine serves, each one function (validate, move status, hand off). */
export const ACTIONS = {
  CreateStack: createStack,
  UpdateStack: updateStack,
  DeleteStack: deleteStack,
  UpdateTerminationProtection: updateTerminationProtection,
  SetStackPolicy: setStackPolicy,
  GetStackPolicy: getStackPolicy,
  DescribeStacks: describeStacks,
  ListStacks: listStacks,
  DescribeStackEvents: describeStackEvents,
  DescribeStackResources: describeStackResources,
  ListStackResources: listStackResources,
  DescribeStackResource: describeStackResource,
  GetTemplate: getTemplate,
  ValidateTemplate: validateTemplate,
  CreateChangeSet: createChangeSet,
  DescribeChangeSet: describeChangeSet,
  ListChangeSets: listChangeSets,
  ExecuteChangeSet: executeChangeSet,
  DeleteChangeSet: deleteChangeSet,
  ListExports: listExports,
} satisfies Record<string, ApiAction>;

export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(ACTIONS);

export type { ApiContext } from './context';
