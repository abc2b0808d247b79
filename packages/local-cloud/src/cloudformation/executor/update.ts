import { deepEqual, propertyChangeRequirement } from '../change-set/changes';
import { diff } from '../change-set/diff';
import { policyDecision, type StackPolicy, type UpdateAction, updateActionOf } from '../change-set/stack-policy';
import { errorMessage } from '../errors';
import { currentDeployment, type Deployment } from '../model/deployment';
import { customPhysicalName } from '../resources';
import type { OutputRecord, StackRecord } from '../store/records';
import { STACK_TYPE } from '../store/store';
import type { Executor } from './executor';
import { checkExportsInUse, resolveOutputs, resolveProperties } from './resolve';
import { deleteResource, OperationFailure, provision, createResource } from './resources';
import { rollbackUpdate, type UpdateJournalEntry, type UpdateSnapshot } from './rollback';

export interface UpdateOptions {
  /** The stack policy this update must respect (StackPolicyDuringUpdate, or the stack's own); none: all allowed. */
  policy?: StackPolicy;
}

const now = (): string => new Date().toISOString();

/** Resources the policy forbids changing as the computed changes say (nothing is touched when there is any). */
function deniedByPolicy(
  ex: Executor,
  stack: StackRecord,
  deployment: Deployment,
  policy: StackPolicy | undefined,
): { logicalId: string; reason: string }[] {
  if (!policy) return [];
  return diff(ex.store, stack, deployment).flatMap((change) => {
    const resourceChange = change.ResourceChange;
    const action = resourceChange ? updateActionOf(resourceChange) : undefined;
    if (!resourceChange?.LogicalResourceId || !action) return [];
    const decision = policyDecision(policy, {
      action,
      logicalId: resourceChange.LogicalResourceId,
      resourceType: resourceChange.ResourceType ?? '',
    });
    return decision.allowed ? [] : [{ logicalId: resourceChange.LogicalResourceId, reason: decision.reason }];
  });
}

/** Updates the stack's resources to a deployment: new ones created, changed ones updated or replaced, old ones removed. */
export async function runUpdate(
  ex: Executor,
  stack: StackRecord,
  deployment: Deployment,
  options: UpdateOptions = {},
): Promise<boolean> {
  const before = currentDeployment(stack, stack.templateBody, stack.parameters);
  const denied = deniedByPolicy(ex, stack, deployment, options.policy);
  const snapshot: UpdateSnapshot = {
    resources: structuredClone(stack.resources),
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
  const journal: UpdateJournalEntry[] = [];
  if (denied.length > 0) {
    await ex.step();
    for (const { logicalId, reason } of denied) {
      ex.store.resourceEvent(stack, snapshot.resources[logicalId]!, 'UPDATE_FAILED', reason);
    }
    const failed = denied.map((d) => d.logicalId).join(', ');
    return rollbackUpdate(ex, stack, snapshot, journal, `The following resource(s) failed to update: [${failed}]. `);
  }
  const imports = new Set<string>();
  let failure: string | undefined;
  for (const logicalId of deployment.order) {
    const declaration = deployment.resources[logicalId]!;
    const previous = snapshot.resources[logicalId];
    try {
      if (!previous || previous.status === 'DELETE_COMPLETE') {
        await ex.step();
        journal.push({
          kind: 'created',
          logicalId,
          record: await createResource(ex, stack, deployment, logicalId, imports),
        });
        continue;
      }
      const properties = resolveProperties(ex.store, stack, deployment, declaration, imports);
      const unchanged = previous.type === declaration.Type && deepEqual(previous.properties, properties);
      // A nested stack's template may have changed behind an unchanged TemplateURL: it is always re-evaluated.
      if (unchanged && declaration.Type !== STACK_TYPE) continue;
      await ex.step();
      const replace =
        previous.type !== declaration.Type ||
        propertyChangeRequirement(declaration.Type, previous.properties, properties) === 'yes';
      // A replacement the change set called Conditional is only known now: the policy is asked again.
      if (options.policy && !unchanged) checkPolicy(options.policy, logicalId, declaration.Type, replace);
      if (replace) {
        const customName = customPhysicalName(declaration.Type, properties);
        if (customName !== undefined && customName === customPhysicalName(previous.type, previous.properties)) {
          throw new Error(
            `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${customName} and update the stack again.`,
          );
        }
        ex.store.resourceEvent(
          stack,
          previous,
          'UPDATE_IN_PROGRESS',
          'Requested update requires the creation of a new physical resource; hence creating one.',
        );
        const created = await provision(ex, stack, logicalId, declaration.Type, properties, 'UPDATE');
        journal.push({ kind: 'replaced', logicalId, record: created });
      } else {
        journal.push({ kind: 'updated', logicalId, record: previous });
        ex.store.resourceEvent(stack, previous, 'UPDATE_IN_PROGRESS');
        await provision(ex, stack, logicalId, declaration.Type, properties, 'UPDATE', previous);
      }
    } catch (error) {
      failure = `The following resource(s) failed to update: [${logicalId}]. `;
      if (!(error instanceof OperationFailure)) {
        const record = stack.resources[logicalId] ?? { ...previous!, status: 'UPDATE_FAILED' };
        ex.store.resourceEvent(stack, record, previous ? 'UPDATE_FAILED' : 'CREATE_FAILED', errorMessage(error));
      }
      if (!previous) failure = `The following resource(s) failed to create: [${logicalId}]. `;
      break;
    }
  }
  let outputs: OutputRecord[] = [];
  if (failure === undefined) {
    try {
      outputs = resolveOutputs(ex.store, stack, deployment, imports);
      checkExportsInUse(ex.store, stack, outputs);
    } catch (error) {
      failure = `${errorMessage(error)} `;
    }
  }
  if (failure !== undefined) return rollbackUpdate(ex, stack, snapshot, journal, failure);
  stack.outputs = outputs;
  stack.imports = [...imports];
  if (deployment.template.Description !== undefined) stack.description = deployment.template.Description;
  else delete stack.description;
  ex.store.stackEvent(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  await cleanUp(ex, stack, deployment, before, snapshot, journal);
  ex.store.stackEvent(stack, 'UPDATE_COMPLETE');
  return true;
}

/** A policy denial found while updating fails the resource (its message is AWS's). */
function checkPolicy(policy: StackPolicy, logicalId: string, resourceType: string, replace: boolean): void {
  const action: UpdateAction = replace ? 'Update:Replace' : 'Update:Modify';
  const decision = policyDecision(policy, { action, logicalId, resourceType });
  if (!decision.allowed) throw new Error(decision.reason);
}

/** After a successful update: replaced physical resources go (UpdateReplacePolicy), then removed ones (DeletionPolicy). */
async function cleanUp(
  ex: Executor,
  stack: StackRecord,
  deployment: Deployment,
  before: Deployment,
  snapshot: UpdateSnapshot,
  journal: UpdateJournalEntry[],
): Promise<void> {
  for (const entry of journal.filter((e) => e.kind === 'replaced')) {
    const old = snapshot.resources[entry.logicalId]!;
    await ex.step();
    await deleteResource(
      ex,
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
  // Resources no longer in the template, dependents first.
  for (const logicalId of [...before.order].reverse()) {
    if (logicalId in deployment.resources) continue;
    const old = stack.resources[logicalId];
    if (!old || old.status === 'DELETE_COMPLETE') continue;
    await ex.step();
    await deleteResource(ex, stack, old, before.resources[logicalId]).then(
      () => delete stack.resources[logicalId],
      () => delete stack.resources[logicalId],
    );
  }
}
