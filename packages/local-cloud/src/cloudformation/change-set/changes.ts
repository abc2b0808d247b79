import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { Change, ResourceChange, ResourceChangeDetail } from '@aws-sdk/client-cloudformation';
import { collectReferences } from '../model/intrinsics';
import { type ReplacementRequirement, replacementForPath } from '../model/spec';
import type { ResourceDeclaration } from '../model/template';

/** One side of a change-set diff: the active resources with parameters, conditions and mappings already resolved. */
export interface DiffSide {
  resources: Record<string, ResourceDeclaration>;
  conditions: Record<string, boolean>;
  physicalIds: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => deepEqual(a[key], b[key]));
  }
  return false;
};

/** The property paths whose values differ (`[['DatabaseInput', 'Name']]`); a list of another length is one change. */
export const changedPaths = (before: unknown, after: unknown, prefix: string[] = []): string[][] => {
  if (deepEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => changedPaths(before[key], after[key], [...prefix, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((value, index) => changedPaths(value, after[index], [...prefix, String(index)]));
  }
  return [prefix];
};

const RANK: Record<ReplacementRequirement, number> = { no: 0, maybe: 1, yes: 2 };
const strongest = (values: ReplacementRequirement[]): ReplacementRequirement =>
  values.reduce<ReplacementRequirement>((a, b) => (RANK[b] > RANK[a] ? b : a), 'no');

const fromImpact = (impact: ResourceImpact | undefined): ReplacementRequirement =>
  impact === ResourceImpact.WILL_REPLACE ? 'yes' : impact === ResourceImpact.MAY_REPLACE ? 'maybe' : 'no';

const RECREATION = { yes: 'Always', maybe: 'Conditionally', no: 'Never' } as const;
const REPLACEMENT = { yes: 'True', maybe: 'Conditional', no: 'False' } as const;

/** Whether changing these properties replaces the resource: the resource specification, nested paths included. */
export const propertyChangeRequirement = (
  resourceType: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ReplacementRequirement =>
  strongest(changedPaths(before, after).map((path) => replacementForPath(resourceType, path) ?? 'no'));

const replacementPolicyAction = (declaration: ResourceDeclaration | undefined): ResourceChange['PolicyAction'] =>
  declaration?.UpdateReplacePolicy === 'Retain'
    ? 'ReplaceAndRetain'
    : declaration?.UpdateReplacePolicy === 'Snapshot'
      ? 'ReplaceAndSnapshot'
      : 'ReplaceAndDelete';

const removalPolicyAction = (declaration: ResourceDeclaration | undefined): ResourceChange['PolicyAction'] => {
  const policy = declaration?.DeletionPolicy;
  return policy === 'Retain' || policy === 'RetainExceptOnCreate'
    ? 'Retain'
    : policy === 'Snapshot'
      ? 'Snapshot'
      : 'Delete';
};

const resourceChange = (change: ResourceChange): Change => ({
  Type: 'Resource',
  HookInvocationCount: 0,
  ResourceChange: change,
});

/** Loads the template diff and its resource table (~0.1 CPU-s on first use) by diffing two one-bucket templates. */
export const warmTemplateDiff = (): void => {
  const bucket = (name: string) => ({
    Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: name } } },
  });
  fullDiff(bucket('before'), bucket('after'));
};

/**
 * The ResourceChanges CloudFormation would report between two templates: fullDiff of @aws-cdk/cloudformation-diff,
 * nested property paths upgraded from the resource specification, and resources whose properties refer to a
 * replaced resource reported as dynamic modifications.
 */
export const computeResourceChanges = (before: DiffSide | undefined, after: DiffSide): Change[] => {
  const old = before?.resources ?? {};
  const diff = fullDiff({ Resources: old }, { Resources: after.resources });
  const changes = new Map<string, ResourceChange>();
  diff.resources.forEachDifference((logicalId, difference) => {
    const declared = after.resources[logicalId];
    const previous = old[logicalId];
    if (difference.isAddition) {
      changes.set(logicalId, {
        Action: 'Add',
        LogicalResourceId: logicalId,
        ResourceType: declared?.Type,
        Scope: [],
        Details: [],
      });
      return;
    }
    if (difference.isRemoval) {
      changes.set(logicalId, {
        Action: 'Remove',
        LogicalResourceId: logicalId,
        PhysicalResourceId: before?.physicalIds[logicalId],
        ResourceType: previous?.Type,
        PolicyAction: removalPolicyAction(previous),
        Scope: [],
        Details: [],
      });
      return;
    }
    if (!declared || !previous) return;
    const typeChanged = declared.Type !== previous.Type;
    const details: ResourceChangeDetail[] = [];
    const scope = new Set<'Properties' | 'Tags' | 'Metadata'>();
    const requirements: ReplacementRequirement[] = [typeChanged ? 'yes' : fromImpact(difference.changeImpact)];
    const oldProperties = previous.Properties ?? {};
    const newProperties = declared.Properties ?? {};
    for (const [name, update] of Object.entries(difference.propertyUpdates)) {
      const nested = changedPaths(oldProperties[name], newProperties[name], [name]).map(
        (path) => replacementForPath(declared.Type, path) ?? 'no',
      );
      const requirement = strongest([fromImpact(update.changeImpact), ...nested]);
      requirements.push(requirement);
      const attribute = name === 'Tags' ? 'Tags' : 'Properties';
      scope.add(attribute);
      details.push({
        Target: {
          Attribute: attribute,
          Name: name,
          RequiresRecreation: RECREATION[requirement],
          Path: `/Properties/${name}`,
        },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      });
    }
    if (!deepEqual(previous.Metadata, declared.Metadata)) {
      scope.add('Metadata');
      details.push({
        Target: { Attribute: 'Metadata', RequiresRecreation: 'Never' },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      });
    }
    if (details.length === 0 && !typeChanged) return;
    const requirement = strongest(requirements);
    changes.set(logicalId, {
      Action: 'Modify',
      LogicalResourceId: logicalId,
      PhysicalResourceId: before?.physicalIds[logicalId],
      ResourceType: declared.Type,
      Replacement: REPLACEMENT[requirement],
      ...(requirement === 'no' ? {} : { PolicyAction: replacementPolicyAction(declared) }),
      Scope: [...scope],
      Details: details,
    });
  });
  addDynamicChanges(changes, before, after);
  return [...changes.values()].map(resourceChange);
};

/** Resources that refer to a replaced resource get a new value at execution time: CloudFormation reports them too. */
const addDynamicChanges = (
  changes: Map<string, ResourceChange>,
  before: DiffSide | undefined,
  after: DiffSide,
): void => {
  if (!before) return;
  let grew = true;
  while (grew) {
    grew = false;
    const replaced = new Set(
      [...changes.values()]
        .filter((c) => c.Action === 'Modify' && c.Replacement !== 'False')
        .map((c) => c.LogicalResourceId!),
    );
    for (const [logicalId, declared] of Object.entries(after.resources)) {
      const previous = before.resources[logicalId];
      if (!previous) continue;
      for (const [name, value] of Object.entries(declared.Properties ?? {})) {
        const causes = [...collectReferences(value, after.conditions)].filter((id) => replaced.has(id));
        for (const cause of causes) {
          const existing = changes.get(logicalId);
          if (
            existing?.Action === 'Add' ||
            existing?.Details?.some((d) => d.CausingEntity === cause && d.Target?.Name === name)
          )
            continue;
          const requirement = replacementForPath(declared.Type, [name]) ?? 'no';
          const change: ResourceChange = existing ?? {
            Action: 'Modify',
            LogicalResourceId: logicalId,
            PhysicalResourceId: before.physicalIds[logicalId],
            ResourceType: declared.Type,
            Replacement: 'False',
            Scope: [],
            Details: [],
          };
          change.Details = [
            ...(change.Details ?? []),
            {
              Target: {
                Attribute: 'Properties',
                Name: name,
                RequiresRecreation: RECREATION[requirement],
                Path: `/Properties/${name}`,
              },
              Evaluation: 'Dynamic',
              ChangeSource: 'ResourceReference',
              CausingEntity: cause,
            },
          ];
          if (!change.Scope?.includes('Properties')) change.Scope = [...(change.Scope ?? []), 'Properties'];
          // The referenced value may or may not change: a property that would replace makes the replacement conditional.
          if (requirement !== 'no' && change.Replacement === 'False') {
            change.Replacement = 'Conditional';
            change.PolicyAction = replacementPolicyAction(declared);
            grew = true;
          }
          if (!existing) {
            changes.set(logicalId, change);
            grew = true;
          }
        }
      }
    }
  }
};
