import type { Change, Tag } from '@aws-sdk/client-cloudformation';
import { resolveContext } from '../executor/resolve';
import { currentDeployment, type Deployment } from '../model/deployment';
import { resolveValue } from '../model/intrinsics';
import type { ResourceDeclaration } from '../model/template';
import type { StackRecord } from '../store/records';
import type { StackStore } from '../store/store';
import { computeResourceChanges, deepEqual, type DiffSide } from './changes';

/** One side of a diff: the deployment's resources with everything resolvable resolved (resource references kept). */
export const diffSide = (store: StackStore, stack: StackRecord, deployment: Deployment): DiffSide => {
  const ctx = resolveContext(store, stack, deployment, undefined, true);
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
};

/** The changes from what the stack runs now to a deployment (all Adds for a stack that holds no template yet). */
export const diff = (store: StackStore, stack: StackRecord, deployment: Deployment): Change[] => {
  const before = stack.templateBody
    ? diffSide(store, stack, currentDeployment(stack, stack.templateBody, stack.parameters))
    : undefined;
  return computeResourceChanges(before, diffSide(store, stack, deployment));
};

/** Whether the tags or resolved outputs differ: an update with only these changes is still an update. */
export const outputsOrTagsChanged = (
  store: StackStore,
  stack: StackRecord,
  deployment: Deployment,
  tags: Tag[],
): boolean => {
  if (!deepEqual(stack.tags, tags)) return true;
  const ctx = resolveContext(store, stack, deployment, undefined, true);
  const previous = currentDeployment(stack, stack.templateBody, stack.parameters);
  const previousCtx = resolveContext(store, stack, previous, undefined, true);
  return !deepEqual(
    resolveValue(previous.template.Outputs ?? {}, previousCtx),
    resolveValue(deployment.template.Outputs ?? {}, ctx),
  );
};
