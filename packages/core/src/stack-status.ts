import { ConfigurationError } from './errors';

/** How the deploy orchestrator sees a stack: what it can do next. */
export type StackPhase = 'not-found' | 'review' | 'in-progress' | 'complete' | 'failed' | 'rollback-complete';

// Every CloudFormation StackStatus, by phase.
const PHASE_BY_STATUS: Record<string, StackPhase> = {
  DELETE_COMPLETE: 'not-found',
  // A stack that only holds a CREATE change set that was never executed: a name, no resources. CreateStack on it
  // fails with AlreadyExists and an UPDATE change set cannot be made on it, so it has a path of its own.
  REVIEW_IN_PROGRESS: 'review',
  CREATE_IN_PROGRESS: 'in-progress',
  ROLLBACK_IN_PROGRESS: 'in-progress',
  DELETE_IN_PROGRESS: 'in-progress',
  UPDATE_IN_PROGRESS: 'in-progress',
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: 'in-progress',
  UPDATE_ROLLBACK_IN_PROGRESS: 'in-progress',
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: 'in-progress',
  IMPORT_IN_PROGRESS: 'in-progress',
  IMPORT_ROLLBACK_IN_PROGRESS: 'in-progress',
  CREATE_COMPLETE: 'complete',
  UPDATE_COMPLETE: 'complete',
  // The last update failed but the stack is back on its previous template: updatable again.
  UPDATE_ROLLBACK_COMPLETE: 'complete',
  IMPORT_COMPLETE: 'complete',
  IMPORT_ROLLBACK_COMPLETE: 'complete',
  // A failed first create: only deleting it helps.
  ROLLBACK_COMPLETE: 'rollback-complete',
  CREATE_FAILED: 'failed',
  ROLLBACK_FAILED: 'failed',
  DELETE_FAILED: 'failed',
  UPDATE_FAILED: 'failed',
  UPDATE_ROLLBACK_FAILED: 'failed',
  IMPORT_ROLLBACK_FAILED: 'failed',
};

export const KNOWN_STACK_STATUSES: readonly string[] = Object.keys(PHASE_BY_STATUS);

/** The phase of a stack status; `undefined` (no stack) is not-found. Unknown statuses are an error, not a guess. */
export const classifyStackStatus = (status: string | undefined): StackPhase => {
  if (status === undefined) return 'not-found';
  const phase = PHASE_BY_STATUS[status];
  if (phase === undefined) throw new ConfigurationError(`unknown CloudFormation stack status: ${status}`);
  return phase;
};

export type StackOperation = 'create' | 'update' | 'delete';
export type OperationOutcome = 'waiting' | 'succeeded' | 'failed';

const SUCCESS: Record<StackOperation, readonly (string | undefined)[]> = {
  create: ['CREATE_COMPLETE'],
  update: ['UPDATE_COMPLETE'],
  delete: ['DELETE_COMPLETE', undefined],
};

/** Whether a create, update or delete that we started is still running, succeeded or failed. */
export const operationOutcome = (operation: StackOperation, status: string | undefined): OperationOutcome => {
  if (SUCCESS[operation].includes(status)) return 'succeeded';
  const phase = classifyStackStatus(status);
  if (phase === 'in-progress') return 'waiting';
  // Any other settled status means our operation did not do what it was asked (e.g. ROLLBACK_COMPLETE after a
  // create, UPDATE_ROLLBACK_COMPLETE after an update, DELETE_FAILED after a delete).
  if (operation === 'create' && status === 'REVIEW_IN_PROGRESS') return 'waiting';
  return 'failed';
};
