import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../contracts';
import { cloudFormationError, validationError } from '../errors';
import type { ChangeSetRecord, ResourceRecord, StackRecord } from './records';
import { StateFile } from './state-file';

export const STACK_TYPE = 'AWS::CloudFormation::Stack';

export const stackArn = (stackName: string): string =>
  `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${stackName}/${randomUUID()}`;
export const changeSetArn = (name: string): string =>
  `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:changeSet/${name}/${randomUUID()}`;

export interface ExportEntry {
  name: string;
  value: string;
  stackId: string;
  stackName: string;
}

const now = (): string => new Date().toISOString();

/** How long the changes of a running operation gather before they are written (each write is the whole file). */
export const PERSIST_COALESCE_MS = 200;

/**
 * Every stack (deleted ones too), change set and export of the local CloudFormation, with their events; persisted to
 * `<stateDir>/state/cloudformation.json`: at the latest PERSIST_COALESCE_MS after a change, and before every API
 * answer and at the end of every operation (`flush`), so nothing an answer reported is ever lost.
 */
export class StackStore {
  readonly stacks: StackRecord[];
  readonly changeSets: ChangeSetRecord[];
  private readonly file: StateFile;
  private eventCounter = 0;
  private pendingWrite: NodeJS.Timeout | undefined;

  constructor(stateDir: string) {
    this.file = new StateFile(stateDir);
    const state = this.file.load();
    this.stacks = state.stacks;
    this.changeSets = state.changeSets;
    // Written at once: a state the load repaired (interrupted operations) is on disk before any request.
    this.write();
  }

  /** Records that the state changed: written with the other changes of the next PERSIST_COALESCE_MS (or a flush). */
  persist(): void {
    this.pendingWrite ??= setTimeout(() => this.flush(), PERSIST_COALESCE_MS);
  }

  /** Writes the state now when a change is pending. */
  flush(): void {
    if (this.pendingWrite === undefined) return;
    clearTimeout(this.pendingWrite);
    this.write();
  }

  private write(): void {
    this.pendingWrite = undefined;
    this.file.save({ stacks: this.stacks, changeSets: this.changeSets });
  }

  // ---- stacks ------------------------------------------------------------------------------------------------------

  add(stack: StackRecord): void {
    this.stacks.push(stack);
  }

  activeStack(stackName: string): StackRecord | undefined {
    return this.stacks.find((s) => s.stackName === stackName && s.status !== 'DELETE_COMPLETE');
  }

  /** A stack by name (not deleted) or by id (deleted too when asked); AWS's ValidationError when there is none. */
  findStack(nameOrId: string, options: { includeDeleted: boolean; missingOk?: boolean }): StackRecord | undefined {
    const stack = nameOrId.startsWith('arn:')
      ? this.stacks.find((s) => s.stackId === nameOrId && (options.includeDeleted || s.status !== 'DELETE_COMPLETE'))
      : this.activeStack(nameOrId);
    if (!stack && !options.missingOk) throw validationError(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  requireStack(nameOrId: string, includeDeleted: boolean): StackRecord {
    return this.findStack(nameOrId, { includeDeleted })!;
  }

  /** A stack that is not deleted, by id (nested stacks are addressed by their parent's physical id). */
  liveStack(stackId: string): StackRecord | undefined {
    return this.stacks.find((s) => s.stackId === stackId && s.status !== 'DELETE_COMPLETE');
  }

  /** The root of a nested stack's tree (the stack itself for a root stack). */
  rootOf(stack: StackRecord): StackRecord {
    return stack.rootId === undefined ? stack : (this.stacks.find((s) => s.stackId === stack.rootId) ?? stack);
  }

  // ---- change sets -------------------------------------------------------------------------------------------------

  addChangeSet(changeSet: ChangeSetRecord): void {
    this.changeSets.push(changeSet);
  }

  findChangeSet(nameOrArn: string, stackName: string | undefined): ChangeSetRecord {
    let changeSet: ChangeSetRecord | undefined;
    if (nameOrArn.startsWith('arn:')) changeSet = this.changeSets.find((c) => c.changeSetId === nameOrArn);
    else {
      if (!stackName) throw validationError('StackName must be specified if ChangeSetName is not specified as an ARN.');
      const stack = this.findStack(stackName, { includeDeleted: false, missingOk: true });
      if (!stack) throw cloudFormationError('ChangeSetNotFound', `ChangeSet [${nameOrArn}] does not exist`);
      changeSet = this.changeSets.find((c) => c.stackId === stack.stackId && c.changeSetName === nameOrArn);
    }
    if (!changeSet) throw cloudFormationError('ChangeSetNotFound', `ChangeSet [${nameOrArn}] does not exist`);
    return changeSet;
  }

  changeSetsOf(stackId: string): ChangeSetRecord[] {
    return this.changeSets.filter((c) => c.stackId === stackId);
  }

  removeChangeSets(doomed: (changeSet: ChangeSetRecord) => boolean): void {
    for (const changeSet of this.changeSets.filter(doomed))
      this.changeSets.splice(this.changeSets.indexOf(changeSet), 1);
  }

  // ---- exports -----------------------------------------------------------------------------------------------------

  exportList(): ExportEntry[] {
    return this.stacks
      .filter((s) => s.status !== 'DELETE_COMPLETE')
      .flatMap((s) =>
        s.outputs
          .filter((o) => o.exportName !== undefined)
          .map((o) => ({ name: o.exportName!, value: o.value, stackId: s.stackId, stackName: s.stackName })),
      );
  }

  /** The stacks (other than the exporter) that import an export. */
  importers(exportName: string, exporterId: string): string[] {
    return this.stacks
      .filter((s) => s.status !== 'DELETE_COMPLETE' && s.stackId !== exporterId && s.imports.includes(exportName))
      .map((s) => s.stackName);
  }

  // ---- events ------------------------------------------------------------------------------------------------------

  /** Moves the stack to a status (with its reason) and records the stack event. */
  stackEvent(stack: StackRecord, status: string, reason?: string): void {
    stack.status = status;
    if (reason === undefined) delete stack.reason;
    else stack.reason = reason;
    this.pushEvent(stack, {
      logicalId: stack.stackName,
      physicalId: stack.stackId,
      resourceType: STACK_TYPE,
      status,
      reason,
    });
  }

  resourceEvent(
    stack: StackRecord,
    record: Pick<ResourceRecord, 'logicalId' | 'physicalId' | 'type'>,
    status: string,
    reason?: string,
    properties?: Record<string, unknown>,
  ): void {
    this.pushEvent(stack, {
      logicalId: record.logicalId,
      physicalId: record.physicalId,
      resourceType: record.type,
      status,
      reason,
      properties: properties === undefined ? undefined : JSON.stringify(properties),
    });
  }

  private pushEvent(
    stack: StackRecord,
    event: {
      logicalId: string;
      physicalId: string;
      resourceType: string;
      status: string;
      reason?: string | undefined;
      properties?: string | undefined;
    },
  ): void {
    this.eventCounter += 1;
    stack.events.push({
      eventId: `${event.logicalId}-${event.status}-${Date.now()}-${this.eventCounter}`,
      logicalId: event.logicalId,
      physicalId: event.physicalId,
      resourceType: event.resourceType,
      timestamp: now(),
      status: event.status,
      ...(event.reason === undefined ? {} : { reason: event.reason }),
      ...(event.properties === undefined ? {} : { properties: event.properties }),
      ...(stack.clientRequestToken === undefined ? {} : { clientRequestToken: stack.clientRequestToken }),
    });
    this.persist();
  }
}
