// The deploy state machine's data, one type per state's input and output. The execution state is a
// DeployState document: ValidateInput creates it and every later state adds (or refreshes) one field.
import type { DeployInput, DeployOutcome, PlanReference, VerdictSummary } from '@glue-cd/core';

/** What CheckStack decided the state machine does next with the target stack. */
export type StackRoute = 'create' | 'update' | 'recreate' | 'wait' | 'delete' | 'already-deleted' | 'plan';

export type ChangeSetType = 'CREATE' | 'UPDATE';

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
  /**
   * Route recreate: what the new stack is reported as. `recreated` after a failed first create (ROLLBACK_COMPLETE),
   * `created` when the stack was only REVIEW_IN_PROGRESS (a name holding an unexecuted CREATE change set).
   */
  createOutcome?: 'created' | 'recreated';
  /** Route plan: CREATE for a stack that does not exist (or is REVIEW_IN_PROGRESS), UPDATE otherwise. */
  changeSetType?: ChangeSetType;
}

/** `$.template`: the template as CloudFormation takes it (TemplateBody ≤ 51,200 bytes, else an S3 URL). */
export type PreparedTemplate =
  { kind: 'body'; templateBody: string; bytes: number } | { kind: 'url'; templateURL: string; staged: boolean };

/**
 * `$.changeSet.reading`: where PollChangeSet stopped reading a change set too large for one invocation. The pages
 * read so far are in the staging bucket at `progressKey`; the state only holds the cursor.
 */
export interface ChangeSetCursor {
  /** reading: pages left to read; judging: every page read, the verdict is next. */
  phase: 'reading' | 'judging';
  /** Index of the change set being read (0 = root, then nested change sets in discovery order). */
  entry: number;
  nextToken?: string;
  pagesRead: number;
  /** `verdicts/<stack>/<execution>/progress-<pagesRead>.json` in the staging bucket; one object per cursor, so a retried
   * invocation reads exactly what its input cursor points at. */
  progressKey: string;
  /** Invocations spent reading and judging (bounded by CHANGE_SET_READING_POLLING). */
  invocations: number;
}

/** `$.changeSet`: the change set being created and, once CREATE_COMPLETE (or FAILED), its inspection. */
export interface ChangeSetState {
  stackName: string;
  stackId?: string;
  changeSetName: string;
  changeSetId: string;
  changeSetType: ChangeSetType;
  /** A CREATE change set leaves a REVIEW_IN_PROGRESS stack behind: the plan removes it. */
  removeReviewStack: boolean;
  status: string;
  polls: number;
  waitSeconds: number;
  /** True once the change set is created, read and judged. */
  done: boolean;
  /** True when CloudFormation found nothing to change. */
  empty: boolean;
  /** True when done, not empty and the verdict is safe. */
  safe: boolean;
  /** Present while the change set is being read across invocations. */
  reading?: ChangeSetCursor;
  /** The bounded verdict: counts, the first violations, and the S3 location of the full verdict. */
  verdict?: VerdictSummary;
  /** Action plan: where the plan was written. */
  plan?: PlanReference;
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
  /** For updates: the stack's status and LastUpdatedTime before ExecuteChangeSet, so a stale *_COMPLETE is not
   * taken for the update's end. */
  previousStatus?: string;
  previousLastUpdatedTime?: string;
  /** For updates: the executed change set, whose ExecutionStatus settles what the stack status cannot tell. */
  changeSetId?: string;
  /** For updates: ExecuteChangeSet was retried after it had taken effect, so the "before" values are unknown. */
  resumed?: boolean;
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
  /** The input's environment is protected (PROTECTED_ENVIRONMENTS), decided once by ValidateInput. */
  protected: boolean;
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
  /** Protected environment: termination protection and the protected stack policy from the start. */
  protected?: boolean;
}
export interface CreateChangeSetEvent {
  input: DeployInput;
  executionName: string;
  template: PreparedTemplate;
  /** The CheckStack result: `changeSetType` CREATE for a plan of a new stack. */
  stack?: Pick<StackCheck, 'changeSetType' | 'stackId'>;
}
export interface PollChangeSetEvent {
  input: DeployInput;
  executionName: string;
  changeSet: ChangeSetState;
}
export interface ChangeSetEvent {
  changeSet: ChangeSetState;
}
export interface ExecuteChangeSetEvent {
  changeSet: ChangeSetState;
  executionName: string;
  /** Protected environment: the stack policy and termination protection are (re)applied before the update. */
  protected?: boolean;
}
export interface PollStackOperationEvent {
  operation: StackOperationState;
}
export interface EmptyBucketsEvent {
  stack: StackCheck;
}
export interface DeleteStackEvent {
  stack: Pick<StackCheck, 'stackName' | 'stackId'>;
  executionName: string;
  /** deleted: action delete; recreated: before creating again (ROLLBACK_COMPLETE or REVIEW_IN_PROGRESS);
   * planned: the REVIEW_IN_PROGRESS stack a plan's CREATE change set left. */
  outcome: 'deleted' | 'recreated' | 'planned';
  /** For the environment's CloudFormation service role. */
  input?: Pick<DeployInput, 'environmentName'>;
}
export interface FinishEvent {
  outcome: DeployOutcome;
  deploy: DeployState;
}
