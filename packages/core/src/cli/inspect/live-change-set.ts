import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type { CloudFormationClient, DescribeChangeSetCommandOutput } from '@aws-sdk/client-cloudformation';
import { parseTemplateBody, type TemplateDocument } from '../../template/parse-template';
import { CliInputError } from '../errors';
import type { StackTemplates } from './inspection';
import { MAX_NESTING, stackKey, type LabelledPage, type StackChangeSet } from './change-set-pages';

// Required when a live change set is read, not when the CLI starts: inspecting a file never loads the SDK.
const sdk = (): typeof CloudFormation => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-cloudformation') as typeof CloudFormation;
};

// The only SDK calls of @glue-cd/core: what `glue-cd inspect --stack-name --change-set-name` reads.
// IAM: cloudformation:DescribeChangeSet, cloudformation:GetTemplate, cloudformation:DescribeStacks.

export interface LiveChangeSetName {
  stackName?: string;
  changeSetName: string;
}

export interface LiveReadOptions {
  sleep: (ms: number) => Promise<void>;
  /** Told once when the change set is still being created. */
  onWait?: (message: string) => void;
  /** How long to wait for CREATE_PENDING / CREATE_IN_PROGRESS to end. */
  waitMs?: number;
}

/** A change set is computed asynchronously; CloudFormation's own waiter polls every 30 s, a person waits less. */
const POLL_MS = 2_000;
const DEFAULT_WAIT_MS = 10 * 60_000;
const CREATING = new Set(['CREATE_PENDING', 'CREATE_IN_PROGRESS']);

/** Names the call and the SDK error so the user sees what was asked and what AWS answered. */
const failed = (what: string, error: unknown): CliInputError => {
  const { name, message } = error as Error;
  const hint = /Region is missing/i.test(message) ? ' (set AWS_REGION or --region)' : '';
  return new CliInputError(`${what}: ${name}: ${message}${hint}`, { cause: error });
};

const describe = async (
  cfn: CloudFormationClient,
  input: { ChangeSetName: string; StackName?: string; NextToken?: string },
): Promise<DescribeChangeSetCommandOutput> => {
  try {
    return await cfn.send(new (sdk().DescribeChangeSetCommand)(input));
  } catch (error) {
    throw failed(
      `DescribeChangeSet ${input.ChangeSetName}${input.StackName ? ` of stack ${input.StackName}` : ''}`,
      error,
    );
  }
};

/** The first page once the change set is no longer being created. */
const firstPage = async (
  cfn: CloudFormationClient,
  name: LiveChangeSetName,
  options: LiveReadOptions,
): Promise<DescribeChangeSetCommandOutput> => {
  const request = { ChangeSetName: name.changeSetName, ...(name.stackName ? { StackName: name.stackName } : {}) };
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  let waited = 0;
  for (;;) {
    const page = await describe(cfn, request);
    if (!CREATING.has(page.Status ?? '')) return page;
    if (waited >= waitMs) {
      throw new CliInputError(`change set ${name.changeSetName} is still ${page.Status} after ${waitMs / 1000} s`);
    }
    if (waited === 0) options.onWait?.(`waiting for change set ${name.changeSetName} (${page.Status})`);
    await options.sleep(POLL_MS);
    waited += POLL_MS;
  }
};

const allPages = async (
  cfn: CloudFormationClient,
  changeSetName: string,
  first: DescribeChangeSetCommandOutput,
  stackName?: string,
): Promise<LabelledPage[]> => {
  const pages: LabelledPage[] = [{ label: `DescribeChangeSet ${changeSetName} page 1`, page: first }];
  let token = first.NextToken;
  while (token !== undefined) {
    const page = await describe(cfn, {
      ChangeSetName: changeSetName,
      NextToken: token,
      ...(stackName ? { StackName: stackName } : {}),
    });
    pages.push({ label: `DescribeChangeSet ${changeSetName} page ${pages.length + 1}`, page });
    token = page.NextToken;
  }
  return pages;
};

/**
 * Every page of a change set and of each nested change set it names (IncludeNestedStacks), read the way the deploy
 * state machine reads them; `assembleChangeSet` puts them together.
 */
export const readLiveChangeSet = async (
  cfn: CloudFormationClient,
  name: LiveChangeSetName,
  options: LiveReadOptions,
): Promise<LabelledPage[]> => {
  const first = await firstPage(cfn, name, options);
  const pages = await allPages(cfn, name.changeSetName, first, name.stackName);
  const queue = [{ pages, depth: 0 }];
  const all = [...pages];
  while (queue.length > 0) {
    const { pages: parentPages, depth } = queue.shift()!;
    const children = parentPages
      .flatMap((p) => p.page.Changes ?? [])
      .map((change) => change.ResourceChange)
      .filter((r) => r?.ResourceType === 'AWS::CloudFormation::Stack' && r.ChangeSetId !== undefined);
    for (const child of children) {
      if (depth + 1 > MAX_NESTING) {
        throw new CliInputError(
          `nested stacks deeper than ${MAX_NESTING} levels under change set ${name.changeSetName}`,
        );
      }
      const id = child!.ChangeSetId!;
      const childPages = await allPages(cfn, id, await describe(cfn, { ChangeSetName: id }));
      all.push(...childPages);
      queue.push({ pages: childPages, depth: depth + 1 });
    }
  }
  return all;
};

const getTemplate = async (
  cfn: CloudFormationClient,
  request: { StackName?: string; ChangeSetName?: string },
  label: string,
): Promise<TemplateDocument> => {
  try {
    const { TemplateBody } = await cfn.send(new (sdk().GetTemplateCommand)({ ...request, TemplateStage: 'Original' }));
    return parseTemplateBody(
      typeof TemplateBody === 'string' ? TemplateBody : JSON.stringify(TemplateBody ?? {}),
      label,
    );
  } catch (error) {
    throw failed(`GetTemplate (${label})`, error);
  }
};

/** A stack a CREATE change set made is REVIEW_IN_PROGRESS and has no current template. */
const isNewStack = async (cfn: CloudFormationClient, stackId: string): Promise<boolean> => {
  try {
    const { Stacks } = await cfn.send(new (sdk().DescribeStacksCommand)({ StackName: stackId }));
    return Stacks?.[0]?.StackStatus === 'REVIEW_IN_PROGRESS';
  } catch (error) {
    throw failed(`DescribeStacks ${stackId}`, error);
  }
};

/** The current template of each stack of the tree (none for a new stack) and the change set's template. */
export const readLiveTemplates = async (
  cfn: CloudFormationClient,
  stacks: StackChangeSet[],
): Promise<Map<string, StackTemplates>> => {
  const templates = new Map<string, StackTemplates>();
  for (const stack of stacks) {
    const where =
      stack.stackPath.length === 0
        ? `stack ${stack.stackName ?? stack.stackId}`
        : `nested stack ${stack.stackPath.join(' > ')}`;
    if (stack.changeSetId === undefined || stack.stackId === undefined) continue;
    const currentId = stack.parent === undefined ? stack.stackId : (stack.parent.PhysicalResourceId ?? stack.stackId);
    const isNew = stack.parent === undefined ? await isNewStack(cfn, stack.stackId) : stack.parent.Action === 'Add';
    const current = isNew ? {} : await getTemplate(cfn, { StackName: currentId }, `current template of ${where}`);
    const proposed = await getTemplate(
      cfn,
      { StackName: stack.stackId, ChangeSetName: stack.changeSetId },
      `template of change set ${stack.changeSetName ?? stack.changeSetId} of ${where}`,
    );
    templates.set(stackKey(stack.stackPath), { current, proposed });
  }
  return templates;
};
