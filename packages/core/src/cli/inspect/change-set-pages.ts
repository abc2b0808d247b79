import type { Change, ResourceChange } from '@aws-sdk/client-cloudformation';
import { z } from 'zod';
import { isEmptyChangeSet } from '../../change-set/empty-change-set';
import type { ChangeSetTree } from '../../change-set/verdict';
import { CliInputError } from '../errors';
import type { IncompleteChangeSet } from './report-schema';

/** The fields of a DescribeChangeSet page (API or `aws cloudformation describe-change-set` output) read here. */
export interface ChangeSetPage {
  ChangeSetId?: string | undefined;
  ChangeSetName?: string | undefined;
  StackId?: string | undefined;
  StackName?: string | undefined;
  Status?: string | undefined;
  StatusReason?: string | undefined;
  NextToken?: string | undefined;
  Changes?: Change[] | undefined;
}

/** A page and where it came from (`file.json[2]`, `DescribeChangeSet <id> page 3`), for messages. */
export interface LabelledPage {
  label: string;
  page: ChangeSetPage;
}

/** One change set of the tree: the root or a nested stack's. */
export interface StackChangeSet {
  /** Logical ids of the nested stack resources leading here; [] for the root. */
  stackPath: string[];
  changeSetId?: string;
  changeSetName?: string;
  stackId?: string;
  stackName?: string;
  /** The nested stack resource's change in its parent (undefined for the root): Add means no current template. */
  parent?: ResourceChange;
  changes: Change[];
}

export interface AssembledChangeSet {
  tree: ChangeSetTree;
  /** Root first, then the nested change sets depth-first. */
  stacks: StackChangeSet[];
  incomplete: IncompleteChangeSet[];
}

/** Map key of a stack path (templates and diff sections are kept per stack). */
export const stackKey = (stackPath: string[]): string => JSON.stringify(stackPath);

/** Nested stacks deeper than this are refused (the orchestrator's limit too). */
export const MAX_NESTING = 10;

// Each change only has to be an object (what is read from it is read defensively): a record schema per change cost
// more than judging them, at 10,000 changes.
const ChangeSchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'must be an object',
);

const PageSchema = z.looseObject({
  Changes: z.array(ChangeSchema),
  ChangeSetId: z.string().optional(),
  ChangeSetName: z.string().optional(),
  StackId: z.string().optional(),
  StackName: z.string().optional(),
  Status: z.string().optional(),
  StatusReason: z.string().optional(),
  NextToken: z.string().optional(),
});

/** The pages of a describe-change-set file: one page, or a JSON array of pages. */
export const parsePagesFile = (label: string, text: string): LabelledPage[] => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliInputError(`${label} is not JSON: ${(error as Error).message}`);
  }
  const pages = Array.isArray(json) ? json : [json];
  return pages.map((page, index) => {
    const where = Array.isArray(json) ? `${label}[${index}]` : label;
    const parsed = PageSchema.safeParse(page);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.join('.') : '';
      throw new CliInputError(
        field === 'Changes' || field === ''
          ? `${where} is not describe-change-set output: it has no "Changes" list`
          : `${where} is not describe-change-set output: ${field}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return { label: where, page: parsed.data as ChangeSetPage };
  });
};

// Pages without a ChangeSetId (hand-made or trimmed) belong to the root change set.
const ANONYMOUS = '';

const nameOf = (pages: LabelledPage[]): string => {
  const first = pages[0]?.page;
  const name = first?.ChangeSetName ?? first?.ChangeSetId;
  return name !== undefined ? `change set ${name}` : `change set in ${pages.map((p) => p.label).join(', ')}`;
};

/** Refuses pages that cannot be judged: a failed change set (other than an empty one) or one not created yet. */
const checkStatus = (pages: LabelledPage[]): void => {
  for (const { label, page } of pages) {
    const { Status, StatusReason } = page;
    if (Status === undefined || Status === 'CREATE_COMPLETE') continue;
    if (Status === 'FAILED') {
      if (isEmptyChangeSet(page)) continue;
      throw new CliInputError(`${nameOf(pages)} (${label}) FAILED: ${StatusReason ?? 'no reason given'}`);
    }
    if (Status === 'CREATE_PENDING' || Status === 'CREATE_IN_PROGRESS') {
      throw new CliInputError(`${nameOf(pages)} (${label}) is ${Status}: describe it again once it is CREATE_COMPLETE`);
    }
    throw new CliInputError(`${nameOf(pages)} (${label}) is ${Status}: it cannot be inspected`);
  }
};

const isNestedStack = (change: Change): boolean =>
  (change.Type === undefined || change.Type === 'Resource') &&
  change.ResourceChange?.ResourceType === 'AWS::CloudFormation::Stack';

const describeCommand = (changeSetId: string): string =>
  `aws cloudformation describe-change-set --change-set-name ${changeSetId}`;

/**
 * Puts DescribeChangeSet pages together into the change set tree the verdict reads: pages grouped by ChangeSetId,
 * nested change sets hung under the nested stack resource that names them. What is missing — a nested change set
 * whose pages were not given, a change set whose last page still has a NextToken, a nested stack previewed without
 * IncludeNestedStacks — is listed as incomplete rather than silently judged safe.
 */
export const assembleChangeSet = (pages: LabelledPage[]): AssembledChangeSet => {
  const groups = new Map<string, LabelledPage[]>();
  for (const page of pages) {
    const id = page.page.ChangeSetId ?? ANONYMOUS;
    groups.set(id, [...(groups.get(id) ?? []), page]);
  }
  for (const group of groups.values()) checkStatus(group);

  const referenced = new Set(
    [...groups.values()]
      .flatMap((group) => group.flatMap((p) => p.page.Changes ?? []))
      .filter(isNestedStack)
      .flatMap((change) =>
        change.ResourceChange?.ChangeSetId !== undefined ? [change.ResourceChange.ChangeSetId] : [],
      ),
  );
  const roots = [...groups.keys()].filter((id) => id !== ANONYMOUS && !referenced.has(id));
  if (roots.length > 1) {
    throw new CliInputError(
      `pages of ${roots.length} unrelated change sets were given (${roots.map((id) => nameOf(groups.get(id)!)).join('; ')}): inspect one change set, with its nested change sets, at a time`,
    );
  }
  const rootId = roots[0] ?? ANONYMOUS;
  if (rootId !== ANONYMOUS && groups.has(ANONYMOUS)) {
    groups.set(rootId, [...groups.get(rootId)!, ...groups.get(ANONYMOUS)!]);
    groups.delete(ANONYMOUS);
  }
  if (!groups.has(rootId)) {
    // Every change set given is somebody's child and none is the root: a cycle of ids, not CloudFormation output.
    throw new CliInputError('the pages given have no root change set (every change set is nested in another)');
  }

  const stacks: StackChangeSet[] = [];
  const incomplete: IncompleteChangeSet[] = [];
  const visited = new Set<string>();

  const visit = (id: string, stackPath: string[], parent?: ResourceChange): ChangeSetTree => {
    visited.add(id);
    const group = groups.get(id)!;
    const first = group[0]!.page;
    const changes = group.flatMap((p) => p.page.Changes ?? []);
    stacks.push({
      stackPath,
      ...(first.ChangeSetId !== undefined ? { changeSetId: first.ChangeSetId } : {}),
      ...(first.ChangeSetName !== undefined ? { changeSetName: first.ChangeSetName } : {}),
      ...(first.StackId !== undefined ? { stackId: first.StackId } : {}),
      ...(first.StackName !== undefined ? { stackName: first.StackName } : {}),
      ...(parent !== undefined ? { parent } : {}),
      changes,
    });
    // A complete change set has a last page without NextToken.
    if (group.every((p) => p.page.NextToken !== undefined)) {
      incomplete.push({
        stackPath,
        ...(first.ChangeSetId !== undefined ? { changeSetId: first.ChangeSetId } : {}),
        reason: `every page given has a NextToken: the next page was not given (${group.map((p) => p.label).join(', ')})`,
      });
    }
    const tree: ChangeSetTree = {
      changes,
      ...(first.StackName !== undefined ? { stackName: first.StackName } : {}),
      ...(first.ChangeSetName !== undefined ? { changeSetName: first.ChangeSetName } : {}),
    };
    for (const change of changes.filter(isNestedStack)) {
      const resource = change.ResourceChange!;
      const childId = resource.ChangeSetId;
      const path = [...stackPath, resource.LogicalResourceId ?? childId ?? '(unknown logical id)'];
      if (childId === undefined) {
        // Without IncludeNestedStacks CloudFormation shows a nested stack update as one opaque Modify.
        if (resource.Action === 'Modify' || resource.Action === 'Dynamic') {
          incomplete.push({
            stackPath: path,
            reason:
              'the change set was created without IncludeNestedStacks: the nested stack changes but its own changes were not previewed',
          });
        }
        continue;
      }
      if (!groups.has(childId)) {
        incomplete.push({
          stackPath: path,
          changeSetId: childId,
          reason: `its nested change set was not given: add the output of \`${describeCommand(childId)}\``,
        });
        continue;
      }
      if (visited.has(childId)) throw new CliInputError(`nested change set ${childId} appears twice in the tree`);
      if (path.length > MAX_NESTING) {
        throw new CliInputError(`nested stacks deeper than ${MAX_NESTING} levels (${path.join(' > ')})`);
      }
      tree.nested = { ...(tree.nested ?? {}), [path[path.length - 1]!]: visit(childId, path, resource) };
    }
    return tree;
  };

  const tree = visit(rootId, []);
  const unused = [...groups.keys()].filter((id) => !visited.has(id));
  if (unused.length > 0) {
    throw new CliInputError(
      `pages of ${unused.map((id) => nameOf(groups.get(id)!)).join('; ')} are not nested in ${nameOf(groups.get(rootId)!)}`,
    );
  }
  return { tree, stacks, incomplete };
};
