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

export const VisitedStateSchema = z.object({
  name: z.string(),
  outcome: z.enum(['exited', 'failed', 'entered']),
});

/** One deploy state machine execution started by a Lambda invoke action. */
export const ExecutionRecordSchema = z.object({
  action: z.string(),
  executionArn: z.string(),
  status: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
  output: z.string().optional(),
  /** The states it visited, in order (from GetExecutionHistory). */
  path: z.array(VisitedStateSchema),
});

export const ReleaseReportSchema = z.object({
  schemaVersion: z.literal(1),
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
  /** The deploy state machine's states in definition order. */
  stateNames: z.array(z.string()),
});

export type CommandRecord = z.infer<typeof CommandRecordSchema>;
export type TestCaseRecord = z.infer<typeof TestCaseRecordSchema>;
export type TestReportRecord = z.infer<typeof TestReportRecordSchema>;
export type ActionStatus = z.infer<typeof ActionStatusSchema>;
export type ActionRecord = z.infer<typeof ActionRecordSchema>;
export type SetupRecord = z.infer<typeof SetupRecordSchema>;
export type VisitedState = z.infer<typeof VisitedStateSchema>;
export type ExecutionRecord = z.infer<typeof ExecutionRecordSchema>;
export type ReleaseReport = z.infer<typeof ReleaseReportSchema>;
