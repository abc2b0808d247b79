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
  /** `release`: the whole pipeline; `plan` (`pnpm start -- --plan`): up to the production plan, nothing deployed. */
  mode: z.enum(['release', 'plan']).default('release'),
  /** The plans the run made (PlanProduction), as the approval showed them. */
  plans: z.array(PlanRecordSchema).default([]),
});

export type CommandRecord = z.infer<typeof CommandRecordSchema>;
export type ActionStatus = z.infer<typeof ActionStatusSchema>;
export type ActionRecord = z.infer<typeof ActionRecordSchema>;
export type SetupRecord = z.infer<typeof SetupRecordSchema>;
export type VisitedState = z.infer<typeof VisitedStateSchema>;
export type ExecutionRecord = z.infer<typeof ExecutionRecordSchema>;
export type ReleaseReport = z.input<typeof ReleaseReportSchema>;
export type PlanRecord = z.infer<typeof PlanRecordSchema>;
