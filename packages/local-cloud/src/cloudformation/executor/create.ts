import { errorMessage } from '../errors';
import type { Deployment } from '../model/deployment';
import type { StackRecord } from '../store/records';
import type { Executor } from './executor';
import { resolveOutputs } from './resolve';
import { createResource, deleteResource } from './resources';

/** Creates a stack's resources in dependency order; on failure rolls back (deleting what it made) unless told not to. */
export async function runCreate(ex: Executor, stack: StackRecord, deployment: Deployment): Promise<boolean> {
  const imports = new Set<string>();
  let failed: string | undefined;
  let failure = '';
  for (const logicalId of deployment.order) {
    await ex.step();
    try {
      await createResource(ex, stack, deployment, logicalId, imports);
    } catch (error) {
      failed = logicalId;
      failure = errorMessage(error);
      break;
    }
  }
  if (!failed) {
    try {
      await ex.step();
      stack.outputs = resolveOutputs(ex.store, stack, deployment, imports);
      stack.imports = [...imports];
      ex.store.stackEvent(stack, 'CREATE_COMPLETE');
      return true;
    } catch (error) {
      failure = errorMessage(error);
    }
  }
  const reason = failed ? `The following resource(s) failed to create: [${failed}]. ` : `${failure} `;
  if (stack.disableRollback) {
    ex.store.stackEvent(stack, 'CREATE_FAILED', reason.trim());
    return false;
  }
  const rollbackReason = `${reason}Rollback requested by user.`;
  ex.store.stackEvent(stack, 'ROLLBACK_IN_PROGRESS', rollbackReason);
  let rollbackFailed = false;
  for (const logicalId of [...deployment.order].reverse()) {
    const record = stack.resources[logicalId];
    if (!record) continue;
    if (record.status === 'CREATE_FAILED') {
      ex.store.resourceEvent(stack, record, 'DELETE_COMPLETE');
      continue;
    }
    await ex.step();
    try {
      await deleteResource(ex, stack, record, deployment.resources[logicalId], { onCreateRollback: true });
    } catch {
      rollbackFailed = true;
    }
  }
  stack.outputs = [];
  ex.store.stackEvent(stack, rollbackFailed ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE', rollbackReason);
  return false;
}
