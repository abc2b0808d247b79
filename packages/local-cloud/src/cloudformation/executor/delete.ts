import { currentDeployment } from '../model/deployment';
import type { ResourceDeclaration } from '../model/template';
import type { StackRecord } from '../store/records';
import type { Executor } from './executor';
import { deleteResource } from './resources';

/**
 * Deletes a stack's resources, dependents first (DeletionPolicy and RetainResources keep theirs: DELETE_SKIPPED);
 * an export still imported, or a resource that cannot go, leaves the stack DELETE_FAILED.
 */
export async function runDelete(ex: Executor, stack: StackRecord, retain: Set<string>): Promise<void> {
  const inUse = stack.outputs
    .filter((o) => o.exportName !== undefined)
    .map((o) => [o.exportName!, ex.store.importers(o.exportName!, stack.stackId)] as const)
    .find(([, importers]) => importers.length > 0);
  await ex.step();
  if (inUse) {
    ex.store.stackEvent(
      stack,
      'DELETE_FAILED',
      `Export ${inUse[0]} cannot be deleted as it is in use by ${inUse[1].join(', ')}`,
    );
    return;
  }
  let order: string[] = Object.keys(stack.resources);
  let declarations: Record<string, ResourceDeclaration> = {};
  if (stack.templateBody) {
    try {
      const current = currentDeployment(stack, stack.templateBody, stack.parameters);
      order = [...current.order, ...order.filter((id) => !current.order.includes(id))];
      declarations = current.resources;
    } catch {
      // An unreadable template still lets the stack go: delete in the recorded order.
    }
  }
  const failed: string[] = [];
  for (const logicalId of [...order].reverse()) {
    const record = stack.resources[logicalId];
    if (!record || record.status === 'DELETE_COMPLETE' || record.status === 'DELETE_SKIPPED' || !record.physicalId)
      continue;
    await ex.step();
    const declaration = declarations[logicalId] ?? { Type: record.type };
    try {
      await deleteResource(
        ex,
        stack,
        record,
        retain.has(logicalId) ? { ...declaration, DeletionPolicy: 'Retain' } : declaration,
      );
    } catch {
      failed.push(logicalId);
    }
  }
  if (failed.length > 0) {
    ex.store.stackEvent(stack, 'DELETE_FAILED', `The following resource(s) failed to delete: [${failed.join(', ')}]. `);
    return;
  }
  stack.deletedAt = new Date().toISOString();
  stack.outputs = [];
  stack.imports = [];
  ex.store.removeChangeSets((c) => c.stackId === stack.stackId);
  ex.store.stackEvent(stack, 'DELETE_COMPLETE');
}
