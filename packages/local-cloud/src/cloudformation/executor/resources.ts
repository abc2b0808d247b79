import { errorMessage } from '../errors';
import type { Deployment } from '../model/deployment';
import type { ResourceDeclaration } from '../model/template';
import type { ResourceRecord, StackRecord } from '../store/records';
import type { Executor } from './executor';
import { resolveProperties } from './resolve';

// One resource's create, update and delete through its provisioner, each recorded with its events.

/** A resource failed (its failure is already recorded); the operation rolls back. */
export class OperationFailure extends Error {}

const now = (): string => new Date().toISOString();

/** Creates one resource; a failure is recorded (CREATE_FAILED with the reason) and rethrown as OperationFailure. */
export async function createResource(
  ex: Executor,
  stack: StackRecord,
  deployment: Deployment,
  logicalId: string,
  imports: Set<string>,
): Promise<ResourceRecord> {
  const declaration = deployment.resources[logicalId]!;
  const pending: ResourceRecord = {
    logicalId,
    type: declaration.Type,
    physicalId: '',
    status: 'CREATE_IN_PROGRESS',
    properties: {},
    attributes: {},
    updatedAt: now(),
  };
  stack.resources[logicalId] = pending;
  ex.store.resourceEvent(stack, pending, 'CREATE_IN_PROGRESS');
  let properties: Record<string, unknown>;
  try {
    properties = resolveProperties(ex.store, stack, deployment, declaration, imports);
  } catch (error) {
    pending.status = 'CREATE_FAILED';
    pending.reason = errorMessage(error);
    ex.store.resourceEvent(stack, pending, 'CREATE_FAILED', pending.reason);
    throw new OperationFailure(pending.reason);
  }
  return provision(ex, stack, logicalId, declaration.Type, properties, 'CREATE');
}

/** Runs the provisioner (create, or update when `existing` is given) and records the outcome with its events. */
export async function provision(
  ex: Executor,
  stack: StackRecord,
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
  phase: 'CREATE' | 'UPDATE',
  existing?: ResourceRecord,
): Promise<ResourceRecord> {
  const ctx = ex.resourceContext(stack, logicalId, type);
  const provisioner = ex.provisionerFor(type);
  const failedStatus = `${phase}_FAILED`;
  try {
    const result = existing
      ? await provisioner.update(ctx, existing, properties)
      : await provisioner.create(ctx, properties);
    const record: ResourceRecord = {
      logicalId,
      type,
      physicalId: result.physicalId,
      status: `${phase}_COMPLETE`,
      properties,
      attributes: result.attributes,
      updatedAt: now(),
    };
    stack.resources[logicalId] = record;
    ex.store.resourceEvent(stack, record, `${phase}_COMPLETE`, undefined, properties);
    return record;
  } catch (error) {
    const reason = errorMessage(error);
    const record: ResourceRecord = existing
      ? { ...existing, status: failedStatus, reason, updatedAt: now() }
      : {
          logicalId,
          type,
          physicalId: stack.resources[logicalId]?.physicalId ?? '',
          status: failedStatus,
          reason,
          properties,
          attributes: {},
          updatedAt: now(),
        };
    if (!existing && phase === 'UPDATE') {
      // A failed replacement leaves the previous physical resource in place.
      ex.store.resourceEvent(
        stack,
        { ...record, physicalId: stack.resources[logicalId]?.physicalId ?? '' },
        failedStatus,
        reason,
      );
    } else {
      stack.resources[logicalId] = record;
      ex.store.resourceEvent(stack, record, failedStatus, reason);
    }
    throw new OperationFailure(reason);
  }
}

/** Deletes one resource, honouring DeletionPolicy (Retain/Snapshot → DELETE_SKIPPED); throws after recording DELETE_FAILED. */
export async function deleteResource(
  ex: Executor,
  stack: StackRecord,
  record: ResourceRecord,
  declaration: Pick<ResourceDeclaration, 'Type' | 'DeletionPolicy'> | undefined,
  options: { onCreateRollback?: boolean; keepRecord?: boolean } = {},
): Promise<void> {
  const policy = declaration?.DeletionPolicy;
  const retained =
    policy === 'Retain' || policy === 'Snapshot' || (policy === 'RetainExceptOnCreate' && !options.onCreateRollback);
  const target = options.keepRecord ? { ...record } : record;
  if (retained) {
    target.status = 'DELETE_SKIPPED';
    ex.store.resourceEvent(stack, target, 'DELETE_SKIPPED');
    return;
  }
  if (!record.physicalId) return;
  target.status = 'DELETE_IN_PROGRESS';
  ex.store.resourceEvent(stack, target, 'DELETE_IN_PROGRESS');
  try {
    await ex.provisionerFor(record.type).delete(ex.resourceContext(stack, record.logicalId, record.type), record);
  } catch (error) {
    target.status = 'DELETE_FAILED';
    target.reason = errorMessage(error);
    ex.store.resourceEvent(stack, target, 'DELETE_FAILED', target.reason);
    throw error;
  }
  target.status = 'DELETE_COMPLETE';
  delete target.reason;
  target.updatedAt = now();
  ex.store.resourceEvent(stack, target, 'DELETE_COMPLETE');
}
