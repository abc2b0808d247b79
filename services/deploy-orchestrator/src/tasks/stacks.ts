import { errorMessage, errorName } from '@glue-cd/core';
import {
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type CloudFormationClient,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';

/** DescribeStacks for one stack; undefined when CloudFormation says it does not exist. */
export const describeStack = async (cfn: CloudFormationClient, stackNameOrId: string): Promise<Stack | undefined> => {
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackNameOrId }));
    return Stacks?.[0];
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error))) return undefined;
    throw error;
  }
};

const MAX_EVENT_PAGES = 10;

/**
 * Why an operation failed: the stack's own reason and the first resource that failed after `since`,
 * e.g. `GlueJob (AWS::Glue::Job) CREATE_FAILED: Invalid input ...`. Events arrive newest first.
 */
export const stackFailureReason = async (
  cfn: CloudFormationClient,
  stackId: string,
  since: string,
  stackStatusReason?: string,
): Promise<string> => {
  const sinceTime = Date.parse(since);
  const events: StackEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_EVENT_PAGES; page += 1) {
    const response = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: nextToken }));
    const pageEvents = response.StackEvents ?? [];
    events.push(...pageEvents);
    nextToken = response.NextToken;
    const reachedStart = pageEvents.some((e) => e.Timestamp !== undefined && e.Timestamp.getTime() < sinceTime);
    if (nextToken === undefined || reachedStart) break;
  }
  const failures = events
    .filter((e) => e.Timestamp === undefined || Number.isNaN(sinceTime) || e.Timestamp.getTime() >= sinceTime)
    .filter((e) => (e.ResourceStatus ?? '').endsWith('_FAILED') && e.ResourceStatusReason)
    // Resources cancelled because another failed are noise: the first real failure is the cause.
    .filter((e) => !/cancelled/i.test(e.ResourceStatusReason ?? ''))
    .reverse();
  const first = failures.find((e) => e.PhysicalResourceId !== stackId) ?? failures[0];
  const resourceReason =
    first !== undefined
      ? `${first.LogicalResourceId ?? '?'} (${first.ResourceType ?? '?'}) ${first.ResourceStatus ?? ''}: ${first.ResourceStatusReason ?? ''}`
      : undefined;
  return (
    [resourceReason, stackStatusReason].filter((part) => part !== undefined && part !== '').join('; ') ||
    'no failure reason in the stack events'
  );
};

/** The stack's Outputs as a plain record. */
export const stackOutputs = (stack: Stack | undefined): Record<string, string> =>
  Object.fromEntries(
    (stack?.Outputs ?? [])
      .filter((o) => o.OutputKey !== undefined && o.OutputValue !== undefined)
      .map((o) => [o.OutputKey as string, o.OutputValue as string]),
  );

const MAX_TOKEN_EVENT_PAGES = 5;

/**
 * True when an operation of the stack was started with this ClientRequestToken (CloudFormation stamps it on every
 * event of that operation): a retried task whose first call took effect finds its own work this way.
 */
export const stackHasOperationWithToken = async (
  cfn: CloudFormationClient,
  stackNameOrId: string,
  token: string,
): Promise<boolean> => {
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TOKEN_EVENT_PAGES; page += 1) {
    let response;
    try {
      response = await cfn.send(new DescribeStackEventsCommand({ StackName: stackNameOrId, NextToken: nextToken }));
    } catch (error) {
      if (errorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error))) return false;
      throw error;
    }
    if ((response.StackEvents ?? []).some((event) => event.ClientRequestToken === token)) return true;
    nextToken = response.NextToken;
    if (nextToken === undefined) return false;
  }
  return false;
};
