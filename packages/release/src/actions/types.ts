import type { Approver } from '../approval';
import type { SkipRule } from '../codebuild/skip-list';
import type { ArtifactLocation } from '../codepipeline-action';
import type { DeliveryServices } from '../delivery-services';
import type { ReleaseTarget } from '../local-environment';
import type { PhaseClock } from '../phases';
import type { PipelineAction, PipelineDefinition } from '../pipeline-definition';
import type { PipelineRoles } from '../pipeline-stack';
import type { Progress } from '../progress';
import type { CommandRecord, PlanRecord, TestReportRecord } from '../report-schema';

/** An artifact in the pipeline's artifact store, with the source revision it comes from. */
export interface PipelineArtifact extends ArtifactLocation {
  revision?: string;
  /** SHA-256 of the zip (a Source's CODE_ZIP is deterministic): what an unchanged rerun is recognised by. */
  sha256?: string;
}

/** What every action runner may use: the local cloud, the pipeline, the release's settings. */
export interface ActionEnvironment {
  release: ReleaseTarget;
  /** The operator's bootstrap (orchestrator and trigger stacks); the actions that invoke the trigger wait for it. */
  delivery: DeliveryServices | Promise<DeliveryServices>;
  pipeline: PipelineDefinition;
  /** The checkout being released (the Source action's working tree). */
  repoRoot: string;
  stateDir: string;
  artifactBucket: string;
  /**
   * The deployed pipeline stack's roles: CodePipeline acts as its pipeline role, each CodeBuild project as its
   * ServiceRole. Without them (a pipeline that is not deployed, a running `pnpm cloud`) the operator's key acts, and
   * each CodeBuild action says so as a difference.
   */
  roles?: PipelineRoles;
  /** Why there are no roles: printed with each action that used the operator key instead. */
  rolesUnavailable?: string;
  pipelineExecutionId: string;
  approver: Approver;
  progress: Progress;
  /** Where action logs go: `<report dir>/release-<time>`, a folder beside the report (its links are relative). */
  logDir: string;
  skipList: SkipRule[];
  /** Files of the working tree replaced in the Source artifact (a developer's uncommitted edit). */
  sourceEdits: Record<string, string>;
  pollIntervalMs: number;
  /** Times each action (`<Stage>/<Action>`) and what an action waited for. */
  clock?: PhaseClock;
}

/** One action to run: its definition, its configuration with `#{…}` resolved, its declared input artifacts. */
export interface ActionInput {
  action: PipelineAction;
  configuration: Record<string, unknown>;
  inputArtifacts: PipelineArtifact[];
  /** The plans actions made before this one in the run (what an approval shows). */
  plans?: PlanRecord[];
}

export interface ActionOutcome {
  status: 'Succeeded' | 'Failed' | 'Stopped';
  /** One line. */
  summary: string;
  detail?: string;
  outputArtifacts?: Record<string, PipelineArtifact>;
  outputVariables?: Record<string, string>;
  commands?: CommandRecord[];
  /** Where this action differed from AWS: printed and recorded. */
  differences?: string[];
  logFile?: string;
  /** The test reports of the buildspec's `reports` section (CodeBuild actions). */
  reports?: TestReportRecord[];
  /** The role the action acted as (a CodeBuild project's ServiceRole, the pipeline's role), when not the operator. */
  runAs?: string;
  /** Deploy state machine executions the action started (Lambda invoke actions). */
  executionArns?: string[];
  /** The plan a Lambda invoke action made (outcome planned), read back from S3. */
  plan?: PlanRecord;
}

/** Runs the actions of one CodePipeline category/provider, as the AWS service behind it would. */
export type ActionRunner = (input: ActionInput, environment: ActionEnvironment) => Promise<ActionOutcome>;
