import { errorMessage } from '../errors';
import type { OutputRecord, ResourceRecord, StackRecord } from '../store/records';
import type { Executor } from './executor';
import { deleteResource } from './resources';

/** What the stack was before an update began: a rollback restores it. */
export interface UpdateSnapshot {
  resources: Record<string, ResourceRecord>;
  templateBody: string;
  parameters: StackRecord['parameters'];
  noEcho: string[];
  outputs: OutputRecord[];
  imports: string[];
  description?: string | undefined;
}

/** What an update did to one resource, in order: a rollback undoes it in reverse. */
export interface UpdateJournalEntry {
  kind: 'created' | 'updated' | 'replaced';
  logicalId: string;
  record: ResourceRecord;
}

const now = (): string => new Date().toISOString();

/**
 * Rolls a failed update back: updated resources get their previous properties again, the stack its previous template,
 * parameters and outputs; the resources the update created (new ones and replacements) are deleted.
 */
export async function rollbackUpdate(
  ex: Executor,
  stack: StackRecord,
  snapshot: UpdateSnapshot,
  journal: UpdateJournalEntry[],
  reason: string,
): Promise<boolean> {
  ex.store.stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', reason.trim());
  let rollbackFailed = false;
  const restored = structuredClone(snapshot.resources);
  for (const entry of [...journal].reverse().filter((e) => e.kind === 'updated')) {
    const previous = restored[entry.logicalId]!;
    const current = stack.resources[entry.logicalId] ?? previous;
    await ex.step();
    try {
      ex.store.resourceEvent(stack, current, 'UPDATE_IN_PROGRESS');
      const result = await ex
        .provisionerFor(previous.type)
        .update(ex.resourceContext(stack, entry.logicalId, previous.type), current, previous.properties);
      restored[entry.logicalId] = {
        ...previous,
        attributes: result.attributes,
        status: 'UPDATE_COMPLETE',
        updatedAt: now(),
      };
      ex.store.resourceEvent(stack, restored[entry.logicalId]!, 'UPDATE_COMPLETE');
    } catch (error) {
      rollbackFailed = true;
      ex.store.resourceEvent(stack, current, 'UPDATE_FAILED', errorMessage(error));
    }
  }
  for (const entry of journal.filter((e) => e.kind === 'replaced')) {
    ex.store.resourceEvent(stack, restored[entry.logicalId]!, 'UPDATE_COMPLETE');
  }
  stack.templateBody = snapshot.templateBody;
  stack.parameters = snapshot.parameters;
  stack.noEcho = snapshot.noEcho;
  stack.outputs = snapshot.outputs;
  stack.imports = snapshot.imports;
  if (snapshot.description !== undefined) stack.description = snapshot.description;
  ex.store.stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
  // The resources this update created (new ones and replacements) go away; the previous ones stay.
  const createdRecords = journal.filter((e) => e.kind !== 'updated').map((e) => e.record);
  const failedCreations = Object.values(stack.resources).filter(
    (r) => r.status === 'CREATE_FAILED' && !(r.logicalId in snapshot.resources),
  );
  stack.resources = restored;
  for (const record of [...createdRecords].reverse()) {
    await ex.step();
    try {
      await deleteResource(ex, stack, record, { Type: record.type }, { keepRecord: true, onCreateRollback: true });
    } catch {
      rollbackFailed = true;
    }
  }
  for (const record of failedCreations) ex.store.resourceEvent(stack, record, 'DELETE_COMPLETE');
  ex.store.stackEvent(stack, rollbackFailed ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE', reason.trim());
  return false;
}
