// The deploy state machine's data, one type per state's input and output. The execution state is a
// DeployState document: ValidateInput creates it and every later state adds (or refreshes) one field.
import type { ChangeSetVerdict, DeployInput, DeployOutcome } from '@glue-cd/core';

/** What CheckStack decided the state machine does next with the target stack. */
export type StackRoute = 'create' | 'update' | 'recreate' | 'wait' | 'delete' | 'already-deleted';

/** `$.stack`: the target stack as CheckStack saw it. */
export interface StackCheck {
  stackName: string;
  route: StackRoute;
  status?: string;
  stackId?: string;
  /** How many times the stack was found busy in a row; bounded by the busy-wait policy. */
  busyChecks: number;
  /** Seconds to wait before re-checking a busy stack. */
  waitSeconds: number;
}

/** `$.template`: the template as CloudFormation takes it (TemplateBody ≤ 51,200 bytes, else an S3 URL). */
export type PreparedTemplate =
  { kind: 'body'; templateBody: string; bytes: number } | { kind: 'url'; templateURL: string; staged: boolean };

/** `$.changeSet`: the change set being created and, once CREATE_COMPLETE (or FAILED), its inspection. */
export interface ChangeSetState {
  stackName: string;
  stackId?: string;
  changeSetName: string;
  changeSetId: string;
  status: string;
  polls: number;
  waitSeconds: number;
  /** True once the change set is no longer being created. */
  done: boolean;
  /** True when CloudFormation found nothing to change. */
  empty: boolean;
  /** True when done, not empty and the verdict is safe. */
  safe: boolean;
  verdict?: ChangeSetVerdict;
}

export type StackOperationKind = 'create' | 'update' | 'delete';
/** What the deploy reports when this operation (and the path it belongs to) succeeds. */
export type OperationOutcome = Exclude<DeployOutcome, 'no-changes'>;

/** `$.operation`: a stack operation we started and are polling. */
export interface StackOperationState {
  operation: StackOperationKind;
  outcome: OperationOutcome;
  stackName: string;
  stackId: string;
  /** ISO time the operation was started: stack events before it are not about this operation. */
  startedAt: string;
  /** For updates: the stack's LastUpdatedTime before ExecuteChangeSet, so a stale UPDATE_COMPLETE is not success. */
  previousLastUpdatedTime?: string;
  status?: string;
  polls: number;
  waitSeconds: number;
  done: boolean;
}

/** `$.buckets`: what EmptyStackBuckets did before DeleteStack. */
export interface EmptiedBuckets {
  emptied: { bucket: string; deletedObjects: number }[];
  /** Buckets with DeletionPolicy Retain/RetainExceptOnCreate: their data is kept. */
  retained: string[];
  /** Buckets of the stack that no longer exist. */
  missing: string[];
}

/** The error a Catch stores at `$.error`. */
export interface CaughtError {
  Error: string;
  Cause: string;
}

export interface DeployState {
  input: DeployInput;
  executionName: string;
  stack?: StackCheck;
  template?: PreparedTemplate;
  changeSet?: ChangeSetState;
  operation?: StackOperationState;
  buckets?: EmptiedBuckets;
  error?: CaughtError;
}

// Task inputs (the Parameters of each Task state in state-machines/deploy.asl.yaml).
export interface ValidateInputEvent {
  input: unknown;
  executionName: string;
}
export interface CheckStackEvent {
  input: DeployInput;
  busyChecks: number;
}
export interface PrepareTemplateEvent {
  input: DeployInput;
  executionName: string;
}
export interface CreateStackEvent {
  input: DeployInput;
  executionName: string;
  template: PreparedTemplate;
  outcome: 'created' | 'recreated' | 'blue-green-created';
}
export interface CreateChangeSetEvent {
  input: DeployInput;
  executionName: string;
  template: PreparedTemplate;
}
export interface PollChangeSetEvent {
  input: DeployInput;
  changeSet: ChangeSetState;
}
export interface ChangeSetEvent {
  changeSet: ChangeSetState;
}
export interface PollStackOperationEvent {
  operation: StackOperationState;
}
export interface EmptyBucketsEvent {
  stack: StackCheck;
}
export interface DeleteStackEvent {
  stack: StackCheck;
  executionName: string;
  outcome: 'deleted' | 'recreated';
}
export interface FinishEvent {
  outcome: DeployOutcome;
  deploy: DeployState;
}
