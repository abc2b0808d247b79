import { ViolationSchema } from '@glue-cd/core';
import { z } from 'zod';
import { PHASES } from './codebuild/buildspec';

// The single declaration of reports/latest.json (and reports/release-<time>.json): the HTML report is rendered from
// the same object, and packages/release/README.md documents it from here.

/** One buildspec command of a CodeBuild action; `exitCode` is null when it did not run (with the reason). */
export const CommandRecordSchema = z.object({
  phase: z.enum(PHASES),
  block: z.enum(['commands', 'finally']),
  command: z.string(),
  exitCode: z.number().int().nullable(),
  /** `skipped`: on the local skip list (reason given); `not-run`: an earlier failure or the timeout stopped it. */
  status: z.enum(['succeeded', 'failed', 'skipped', 'not-run']),
  reason: z.string().optional(),
  durationMs: z.number().nonnegative(),
  /** The last lines of a failed command's output (the whole output is in the action's log file). */
  outputTail: z.string().optional(),
});

export const TEST_CASE_STATUSES = ['SUCCEEDED', 'FAILED', 'ERROR', 'SKIPPED', 'UNKNOWN'] as const;

/** One test case of a test report, as CodeBuild's BatchPutTestCases records it (plus expected/actual properties). */
export const TestCaseRecordSchema = z.object({
  /** The JUnit testsuite it belongs to. */
  suite: z.string(),
  /** CodeBuild's prefix: the JUnit classname. */
  prefix: z.string(),
  name: z.string(),
  status: z.enum(TEST_CASE_STATUSES),
  durationMs: z.number().nonnegative(),
  /** The failure or error message (and its text), when there is one. */
  message: z.string().optional(),
  /** The test case's `expected` / `actual` properties (the live test writes them). */
  expected: z.string().optional(),
  actual: z.string().optional(),
});

/**
 * One report group of a CodeBuild action's buildspec `reports` section, as the local CodeBuild collected it after
 * the build: the files (copied beside the report), the test cases and the report's status in CodeBuild's terms.
 */
export const TestReportRecordSchema = z.object({
  /** The key in the buildspec (a name, an ARN, or `$VARIABLE`). */
  reportGroup: z.string(),
  /** The group CodeBuild fills: `<project name>-<name>` for a name, the ARN's group for an ARN. */
  reportGroupName: z.string(),
  reportGroupArn: z.string(),
  /** The AWS::CodeBuild::ReportGroup of the pipeline template with that name; absent: CodeBuild would create it. */
  declaredAs: z.string().optional(),
  type: z.enum(['TEST', 'CODE_COVERAGE']),
  fileFormat: z.string(),
  /** SUCCEEDED: every case passed; FAILED: some did not; INCOMPLETE: no report (see reason). Never fails the build. */
  status: z.enum(['SUCCEEDED', 'FAILED', 'INCOMPLETE']),
  reason: z.string().optional(),
  /** `source`: the path as matched under base-directory; `path`: the copy, relative to the report directory. */
  files: z.array(z.object({ source: z.string(), path: z.string() })),
  summary: z.object({
    total: z.number().int().nonnegative(),
    statusCounts: z.record(z.enum(TEST_CASE_STATUSES), z.number().int().nonnegative()),
    durationMs: z.number().nonnegative(),
  }),
  /** Suite-level properties of the files (the live test's record counts, job run, seeded object). */
  properties: z.record(z.string(), z.string()).optional(),
  testCases: z.array(TestCaseRecordSchema),
});

export const ActionStatusSchema = z.enum(['Succeeded', 'Failed', 'Stopped', 'Skipped']);

/** One pipeline action as the local release ran it. */
export const ActionRecordSchema = z.object({
  stage: z.string(),
  action: z.string(),
  /** CodePipeline category and provider: Source/CodeStarSourceConnection, Build/CodeBuild, Invoke/Lambda, ... */
  category: z.string(),
  provider: z.string(),
  runOrder: z.number().int(),
  status: ActionStatusSchema,
  durationMs: z.number().nonnegative(),
  /** One-line outcome, then details. */
  detail: z.string(),
  commands: z.array(CommandRecordSchema).optional(),
  /** Output variables the action published (in its namespace, when it declares one). */
  outputVariables: z.record(z.string(), z.string()).optional(),
  namespace: z.string().optional(),
  /** The action's full log (a CodeBuild action's build log). */
  logFile: z.string().optional(),
  /** The role the action acted as: a CodeBuild project's ServiceRole, the pipeline's role (absent: the operator). */
  runAs: z.string().optional(),
  /** The test reports of a CodeBuild action's buildspec `reports` section. */
  reports: z.array(TestReportRecordSchema).optional(),
});

/** A step of the local release that is not a pipeline action: packaging, the operator's bootstrap. */
export const SetupRecordSchema = z.object({
  step: z.string(),
  status: z.enum(['Succeeded', 'Failed']),
  durationMs: z.number().nonnegative(),
  detail: z.string(),
});

/** A timed piece of the release (a packaging, a bootstrap stack, an action, the report), from the release's start. */
export const PhaseTimingSchema = z.object({
  phase: z.string(),
  startMs: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
});

export const VisitedStateSchema = z.object({
  name: z.string(),
  outcome: z.enum(['exited', 'failed', 'entered']),
  /** When the state was entered (the history event's timestamp). */
  enteredAt: z.iso.datetime().optional(),
  /** Entered to exited (or to the execution's end when it never exited). */
  durationMs: z.number().nonnegative().optional(),
  /** The error a task raised in this state (caught, retried or not): `Error: Cause`, cut to one line. */
  error: z.string().optional(),
  /** A Choice state's way out: the index in stateMachine.transitions of the rule (or Default) its input matched. */
  transition: z.number().int().nonnegative().optional(),
});

export const TRANSITION_KINDS = ['next', 'choice', 'default', 'catch'] as const;

export const StateTransitionSchema = z.object({
  from: z.string(),
  to: z.string(),
  kind: z.enum(TRANSITION_KINDS),
  /** A Choice rule's condition, or a Catch's ErrorEquals. */
  label: z.string().optional(),
  /** A Choice rule as the definition has it (without Next): which rule an execution took is read from it. */
  rule: z.record(z.string(), z.unknown()).optional(),
});

/** The deploy state machine as deployed: read from the packaged template's DefinitionString, names resolved. */
export const StateMachineGraphSchema = z.object({
  name: z.string(),
  /** Where the definition was read (the packaged template and resource). */
  source: z.string(),
  startAt: z.string(),
  states: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      /** A Task's Resource, resolved to a name (the task function). */
      resource: z.string().optional(),
      end: z.boolean(),
    }),
  ),
  transitions: z.array(StateTransitionSchema),
});

/** One change the verdict lists (core's Violation: logical id, stack path, type, action, replacement, reason). */
const ChangeRecordSchema = z.object({
  ...ViolationSchema.shape,
  /** refused: a violation; accepted: destructive but allowed by the safety policy. */
  disposition: z.enum(['refused', 'accepted']),
});

/**
 * The change set's verdict as the execution carries it (the last PollChangeSet output, or the deploy result):
 * the destructive resource changes and broadenings it lists, its counts, and where the full verdict is.
 */
export const ChangeSetViewSchema = z.object({
  source: z.string(),
  stackName: z.string().optional(),
  changeSetName: z.string().optional(),
  verdict: z.string(),
  safe: z.boolean(),
  counts: z.object({
    inspectedChanges: z.number().int().nonnegative(),
    violations: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    broadening: z.number().int().nonnegative().optional(),
    refusedBroadening: z.number().int().nonnegative().optional(),
  }),
  changes: z.array(ChangeRecordSchema),
  broadening: z.array(
    z.object({
      kind: z.string(),
      description: z.string(),
      stackPath: z.array(z.string()),
      id: z.string().optional(),
      refused: z.boolean(),
    }),
  ),
  onBroadening: z.string().optional(),
  broadeningReason: z.string().optional(),
  /** The full verdict's S3 URL, and its copy beside the report (relative to the report directory). */
  location: z.string().optional(),
  localCopy: z.string().optional(),
});

/** The deploy result (the execution's output), as much of it as a reader needs. */
export const DeployResultViewSchema = z.object({
  outcome: z.string(),
  stackName: z.string(),
  changeSetName: z.string().optional(),
  note: z.string().optional(),
  outputs: z.record(z.string(), z.string()),
  plan: z
    .object({
      url: z.string(),
      textUrl: z.string().optional(),
      summary: z.string(),
      counts: z.record(z.string(), z.number()),
    })
    .optional(),
});

/** One deploy state machine execution started by a Lambda invoke action. */
export const ExecutionRecordSchema = z.object({
  action: z.string(),
  executionArn: z.string(),
  status: z.string(),
  startDate: z.iso.datetime().optional(),
  stopDate: z.iso.datetime().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  output: z.string().optional(),
  /** The states it visited, in order (from GetExecutionHistory), with their timings. */
  path: z.array(VisitedStateSchema),
  result: DeployResultViewSchema.optional(),
  changeSet: ChangeSetViewSchema.optional(),
});

/** A release report found beside this one, newest first: the history links. */
export const HistoryEntrySchema = z.object({
  /** The HTML report's file name (relative to the report directory). */
  file: z.string(),
  json: z.string(),
  startedAt: z.string(),
  succeeded: z.boolean(),
  pipelineExecutionId: z.string(),
  /** What happened, in one line: the failed action, or what production got. */
  summary: z.string(),
});

/** A plan a Lambda invoke action made (outcome planned): what the approval showed of it, and the whole text. */
export const PlanRecordSchema = z.object({
  action: z.string(),
  stackName: z.string(),
  url: z.string(),
  textUrl: z.string(),
  /** The plan's one-paragraph summary (the action's execution summary). */
  summary: z.string(),
  counts: z.object({
    added: z.number().int(),
    modified: z.number().int(),
    replaced: z.number().int(),
    removed: z.number().int(),
    broadening: z.number().int(),
  }),
  /** accepted | refused-<refusal>: what a deploy with the same input would get. */
  verdict: z.string(),
  /** The plan's text (`plans/<stack>/<execution>.txt`): summary, verdict, the cdk-diff-like changes. */
  text: z.string(),
});

export const ReleaseReportSchema = z.object({
  schemaVersion: z.literal(2),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  succeeded: z.boolean(),
  pipeline: z.string(),
  pipelineExecutionId: z.string(),
  setup: z.array(SetupRecordSchema),
  actions: z.array(ActionRecordSchema),
  /** The local skip list: the only buildspec commands the release does not run, and why. */
  skipList: z.array(z.object({ command: z.string(), reason: z.string() })),
  /** Everything else where this run differed from AWS (runtime versions, switches), by action. */
  differences: z.array(z.object({ action: z.string(), difference: z.string() })),
  executions: z.array(ExecutionRecordSchema),
  /** The deploy state machine of the packaged orchestrator template: the graph each execution is drawn on. */
  stateMachine: StateMachineGraphSchema,
  /** The other release reports in the report directory when this one was written, newest first. */
  history: z.array(HistoryEntrySchema),
  /** `release`: the whole pipeline; `plan` (`pnpm start -- --plan`): up to the production plan, nothing deployed. */
  mode: z.enum(['release', 'plan']).optional(),
  /** Why the run stopped after its Source: nothing to release since the last execution (last-execution.ts). */
  unchanged: z.string().optional(),
  /** The plans the run made (PlanProduction), as the approval showed them. */
  plans: z.array(PlanRecordSchema).optional(),
  /** Where the time went: each phase's start and duration, in start order (parallel phases overlap). */
  phases: z.array(PhaseTimingSchema).optional(),
});

export type CommandRecord = z.infer<typeof CommandRecordSchema>;
export type TestCaseRecord = z.infer<typeof TestCaseRecordSchema>;
export type TestReportRecord = z.infer<typeof TestReportRecordSchema>;
export type ActionStatus = z.infer<typeof ActionStatusSchema>;
export type ActionRecord = z.infer<typeof ActionRecordSchema>;
export type SetupRecord = z.infer<typeof SetupRecordSchema>;
export type PhaseTiming = z.infer<typeof PhaseTimingSchema>;
export type VisitedState = z.infer<typeof VisitedStateSchema>;
export type ExecutionRecord = z.infer<typeof ExecutionRecordSchema>;
export type StateTransition = z.infer<typeof StateTransitionSchema>;
export type StateMachineGraph = z.infer<typeof StateMachineGraphSchema>;
export type ChangeSetView = z.infer<typeof ChangeSetViewSchema>;
export type ChangeRecord = z.infer<typeof ChangeRecordSchema>;
export type DeployResultView = z.infer<typeof DeployResultViewSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export type ReleaseReport = z.infer<typeof ReleaseReportSchema>;
export type PlanRecord = z.infer<typeof PlanRecordSchema>;
