import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CloudFormationState } from './records';

const INTERRUPTED_STACK_STATUS: Record<string, string> = {
  CREATE_IN_PROGRESS: 'CREATE_FAILED',
  ROLLBACK_IN_PROGRESS: 'ROLLBACK_FAILED',
  UPDATE_IN_PROGRESS: 'UPDATE_FAILED',
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_FAILED',
  UPDATE_ROLLBACK_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED',
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED',
  DELETE_IN_PROGRESS: 'DELETE_FAILED',
};

/** The failed status a stack lands in when its in-progress operation cannot finish (undefined: not in progress). */
export const failedStatusFor = (status: string): string | undefined => INTERRUPTED_STACK_STATUS[status];

const interruptedReason = (status: string): string =>
  `The local cloud stopped while this stack was ${status}; the operation did not finish`;

/** `<stateDir>/state/cloudformation.json`: every stack (deleted ones too), template, resource, event and change set. */
export class StateFile {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'state', 'cloudformation.json');
  }

  /** Loads the state; stacks and change sets a dead process left in progress become failed, with the reason why. */
  load(): CloudFormationState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { stacks: [], changeSets: [] };
      throw error;
    }
    let state: CloudFormationState;
    try {
      state = JSON.parse(text) as CloudFormationState;
    } catch (error) {
      throw new Error(
        `The local CloudFormation state ${this.file} is not valid JSON (${(error as Error).message}); fix or remove it`,
      );
    }
    if (!Array.isArray(state.stacks) || !Array.isArray(state.changeSets)) {
      throw new Error(`The local CloudFormation state ${this.file} has no stacks/changeSets lists; fix or remove it`);
    }
    const now = new Date().toISOString();
    for (const stack of state.stacks) {
      const failed = INTERRUPTED_STACK_STATUS[stack.status];
      if (!failed) continue;
      const reason = interruptedReason(stack.status);
      stack.status = failed;
      stack.reason = reason;
      stack.events.push({
        eventId: `${stack.stackName}-${now}-recovered`,
        logicalId: stack.stackName,
        physicalId: stack.stackId,
        resourceType: 'AWS::CloudFormation::Stack',
        timestamp: now,
        status: failed,
        reason,
      });
      for (const resource of Object.values(stack.resources)) {
        if (resource.status.endsWith('_IN_PROGRESS')) {
          resource.status = resource.status.replace('_IN_PROGRESS', '_FAILED');
          resource.reason = reason;
        }
      }
    }
    for (const changeSet of state.changeSets) {
      if (changeSet.status === 'CREATE_PENDING' || changeSet.status === 'CREATE_IN_PROGRESS') {
        changeSet.status = 'FAILED';
        changeSet.statusReason = interruptedReason(`computing change set ${changeSet.changeSetName}`);
      }
      if (changeSet.executionStatus === 'EXECUTE_IN_PROGRESS') changeSet.executionStatus = 'EXECUTE_FAILED';
    }
    return state;
  }

  save(state: CloudFormationState): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state, null, 1));
    renameSync(temporary, this.file);
  }
}
