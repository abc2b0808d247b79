import {
  DescribeChangeSetCommand,
  type Change,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { StackOperationFailedError, type ChangeSetTree } from '@glue-cd/core';

/** One change set of the tree being read: the root (entry 0) or a nested stack's. */
export interface ReadEntry {
  changeSetId: string;
  /** Logical ids of the nested stack resources leading here; empty for the root. */
  stackPath: string[];
  /** The nested stack's physical id (its current template); undefined for a nested stack being added. */
  physicalStackId?: string;
  changes: Change[];
}

/** Every change read so far; stored in S3 between invocations (the state only holds the cursor). */
export interface ReadProgress {
  entries: ReadEntry[];
}

/** Where reading stands: which entry, which page. */
export interface ReadPosition {
  entry: number;
  nextToken?: string;
  pagesRead: number;
}

export const MAX_NESTING = 10;

const isNestedStack = (change: Change): boolean =>
  change.ResourceChange?.ResourceType === 'AWS::CloudFormation::Stack' &&
  change.ResourceChange.ChangeSetId !== undefined;

const addPage = (progress: ReadProgress, entryIndex: number, page: DescribeChangeSetCommandOutput): void => {
  const entry = progress.entries[entryIndex] as ReadEntry;
  const changes = page.Changes ?? [];
  entry.changes.push(...changes);
  for (const change of changes.filter(isNestedStack)) {
    const resource = change.ResourceChange!;
    const stackPath = [...entry.stackPath, resource.LogicalResourceId ?? resource.ChangeSetId!];
    if (stackPath.length > MAX_NESTING) {
      throw new StackOperationFailedError(
        `change set ${entry.changeSetId}: nested stacks deeper than ${MAX_NESTING} levels (${stackPath.join(' > ')})`,
      );
    }
    const nested: ReadEntry = { changeSetId: resource.ChangeSetId!, stackPath, changes: [] };
    if (resource.Action !== 'Add' && resource.PhysicalResourceId) nested.physicalStackId = resource.PhysicalResourceId;
    progress.entries.push(nested);
  }
};

export interface ReadOptions {
  /** Stop before a page call once `now()` passes it (epoch ms). */
  deadline: number;
  now: () => number;
  /** The first page of the root, already fetched by the status check. */
  firstPage?: DescribeChangeSetCommandOutput;
}

/**
 * Reads DescribeChangeSet pages (root, then each nested change set as it is discovered) from `position` until every
 * page is read or the deadline passes (after at least one page). Mutates `progress`; `finished` says whether
 * anything is left.
 */
export const readChangeSetPages = async (
  cfn: CloudFormationClient,
  progress: ReadProgress,
  position: ReadPosition,
  options: ReadOptions,
): Promise<{ position: ReadPosition; finished: boolean }> => {
  let { entry, nextToken, pagesRead } = position;
  let prefetched = options.firstPage;
  let pagesThisCall = 0;
  while (entry < progress.entries.length) {
    // At least one page per call, so every invocation makes progress however little time it has.
    if (pagesThisCall > 0 && options.now() > options.deadline) {
      return { position: { entry, ...(nextToken !== undefined ? { nextToken } : {}), pagesRead }, finished: false };
    }
    const current = progress.entries[entry] as ReadEntry;
    const page =
      prefetched ??
      (await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: current.changeSetId, NextToken: nextToken })));
    prefetched = undefined;
    addPage(progress, entry, page);
    pagesRead += 1;
    pagesThisCall += 1;
    nextToken = page.NextToken;
    if (nextToken === undefined) entry += 1;
  }
  return { position: { entry, pagesRead }, finished: true };
};

/** The entries as core's ChangeSetTree (nested keyed by the nested stack's logical id). */
export const toChangeSetTree = (progress: ReadProgress): ChangeSetTree => {
  const root = progress.entries[0];
  if (root === undefined) return { changes: [] };
  const trees = progress.entries.map((entry): ChangeSetTree => ({ changes: entry.changes }));
  progress.entries.forEach((entry, index) => {
    if (index === 0) return;
    // The parent is the entry whose path is this one's minus the last logical id.
    const parentIndex = progress.entries.findIndex(
      (candidate) =>
        candidate.stackPath.length === entry.stackPath.length - 1 &&
        candidate.stackPath.every((id, i) => id === entry.stackPath[i]),
    );
    const parent = trees[parentIndex] ?? trees[0]!;
    parent.nested = { ...(parent.nested ?? {}), [entry.stackPath[entry.stackPath.length - 1]!]: trees[index]! };
  });
  return trees[0]!;
};
