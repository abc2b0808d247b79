import { ACTION_RUNNERS, actionType, runnerFor } from './actions/registry';
import type { ActionEnvironment, ActionOutcome, ActionRunner, PipelineArtifact } from './actions/types';
import type { PipelineAction } from './pipeline-definition';
import { resolveConfiguration, type Namespaces } from './pipeline-variables';
import type { ActionRecord, PlanRecord } from './report-schema';

export interface PipelineRun {
  records: ActionRecord[];
  /** Namespaces as the run left them (each namespaced action's output variables, `codepipeline`, `variables`). */
  namespaces: Namespaces;
  /** Output variables of every action that published some, by action name (namespaced or not). */
  outputVariables: Record<string, Record<string, string>>;
  differences: { action: string; difference: string }[];
  executions: { action: string; executionArn: string }[];
  /** The plans actions made (outcome planned), in the order they finished. */
  plans: PlanRecord[];
}

/** Actions of a stage in groups of equal RunOrder, in order: CodePipeline starts a group's actions together. */
const runOrderGroups = (actions: PipelineAction[]): PipelineAction[][] => {
  const groups = new Map<number, PipelineAction[]>();
  for (const action of actions) groups.set(action.runOrder, [...(groups.get(action.runOrder) ?? []), action]);
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
};

const errorOutcome = (error: unknown): ActionOutcome => ({
  status: 'Failed',
  summary: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
});

export interface RunPipelineOptions {
  /**
   * Run up to this action only (`pnpm start -- --plan`): the stages before its stage, then this action alone; every
   * other action is recorded Skipped with `skipReason`.
   */
  only?: { action: PipelineAction; skipReason: string };
  /** Called as each stage starts, with its name. */
  onStage?: (stage: string) => void;
  /**
   * Called when a stage has succeeded, with the artifacts made so far: a reason ends the run there, every later action
   * recorded Skipped with it (a rerun with nothing to release).
   */
  afterStage?: (stage: string, artifacts: ReadonlyMap<string, PipelineArtifact>) => Promise<string | undefined>;
}

/**
 * Runs the pipeline's stages in order as CodePipeline does: within a stage, groups of equal RunOrder one after the
 * other, a group's actions in parallel; each action gets its declared input artifacts and its configuration with
 * `#{Namespace.Variable}` resolved from the actions that succeeded before it. The first failed (or rejected) group
 * ends the run once its other actions have finished; later actions are recorded as Skipped.
 */
export const runPipeline = async (
  environment: ActionEnvironment,
  runners: Readonly<Record<string, ActionRunner>> = ACTION_RUNNERS,
  options: RunPipelineOptions = {},
): Promise<PipelineRun> => {
  const { pipeline, progress } = environment;
  const run: PipelineRun = {
    records: [],
    namespaces: {
      codepipeline: { PipelineExecutionId: environment.pipelineExecutionId },
      ...(Object.keys(pipeline.variables).length > 0 ? { variables: { ...pipeline.variables } } : {}),
    },
    outputVariables: {},
    differences: [],
    executions: [],
    plans: [],
  };
  const artifacts = new Map<string, PipelineArtifact>();
  let stopped = false;
  let ended: string | undefined;
  const { only } = options;
  let reachedTarget = false;
  const outsideTarget = (action: PipelineAction): boolean => {
    if (!only) return false;
    if (reachedTarget) return true;
    return action.stage === only.action.stage && action !== only.action;
  };

  const runAction = async (action: PipelineAction): Promise<ActionOutcome> => {
    const runner = runnerFor(action, runners);
    if (!runner) return { status: 'Failed', summary: `no local runner for ${actionType(action)} actions` };
    try {
      const configuration = resolveConfiguration(
        action.configuration,
        run.namespaces,
        `${action.stage}/${action.name}`,
      );
      const inputArtifacts = action.inputArtifacts.map((name) => {
        const artifact = artifacts.get(name);
        if (!artifact) throw new Error(`input artifact ${name} was produced by no action before ${action.name}`);
        return artifact;
      });
      return await runner({ action, configuration, inputArtifacts, plans: [...run.plans] }, environment);
    } catch (error) {
      return errorOutcome(error);
    }
  };

  for (const stage of pipeline.stages) {
    if (ended) {
      for (const action of runOrderGroups(stage.actions).flat())
        record(run, action, { status: 'Skipped', summary: ended }, 0);
      continue;
    }
    progress.stage(stage.name);
    options.onStage?.(stage.name);
    for (const stageGroup of runOrderGroups(stage.actions)) {
      if (stopped) {
        for (const action of stageGroup)
          record(run, action, { status: 'Skipped', summary: 'an earlier action failed or was rejected' }, 0);
        continue;
      }
      // Skipped (--plan) actions are recorded where they stand, so the report keeps the definition's order.
      const skipped = new Set(stageGroup.filter(outsideTarget));
      if (only && stageGroup.includes(only.action)) reachedTarget = true;
      const outcomes = await Promise.all(
        stageGroup.map(async (action) => {
          if (skipped.has(action)) return [action, undefined, 0] as const;
          const began = Date.now();
          const outcome = await runAction(action);
          environment.clock?.record(`${action.stage}/${action.name}`, began);
          return [action, outcome, Date.now() - began] as const;
        }),
      );
      for (const [action, outcome, durationMs] of outcomes) {
        if (outcome === undefined) {
          record(run, action, { status: 'Skipped', summary: only?.skipReason ?? 'skipped' }, 0);
          continue;
        }
        (outcome.status === 'Succeeded' ? progress.done : progress.fail)(`${action.name}: ${outcome.summary}`);
        for (const difference of outcome.differences ?? [])
          progress.step(`${action.name} differs from AWS: ${difference}`);
        record(run, action, outcome, durationMs);
        if (outcome.status !== 'Succeeded') {
          if (outcome.detail) progress.detail(outcome.detail);
          stopped = true;
          continue;
        }
        for (const [name, artifact] of Object.entries(outcome.outputArtifacts ?? {})) artifacts.set(name, artifact);
        if (action.namespace) run.namespaces[action.namespace] = { ...(outcome.outputVariables ?? {}) };
      }
    }
    if (!stopped && !ended && options.afterStage) ended = await options.afterStage(stage.name, artifacts);
  }
  return run;
};

const record = (
  run: PipelineRun,
  action: PipelineAction,
  outcome: ActionOutcome | { status: 'Skipped'; summary: string },
  durationMs: number,
): void => {
  const full = outcome.status === 'Skipped' ? undefined : (outcome as ActionOutcome);
  const variables = full?.outputVariables;
  if (variables && Object.keys(variables).length > 0) run.outputVariables[action.name] = variables;
  for (const difference of full?.differences ?? []) run.differences.push({ action: action.name, difference });
  for (const executionArn of full?.executionArns ?? []) run.executions.push({ action: action.name, executionArn });
  if (full?.plan) run.plans.push(full.plan);
  run.records.push({
    stage: action.stage,
    action: action.name,
    category: action.category,
    provider: action.provider,
    runOrder: action.runOrder,
    status: outcome.status,
    durationMs,
    detail: full?.detail ? `${outcome.summary}\n${full.detail}` : outcome.summary,
    ...(full?.commands ? { commands: full.commands } : {}),
    ...(variables && Object.keys(variables).length > 0 ? { outputVariables: variables } : {}),
    ...(action.namespace ? { namespace: action.namespace } : {}),
    ...(full?.logFile ? { logFile: full.logFile } : {}),
    ...(full?.runAs ? { runAs: full.runAs } : {}),
    ...(full?.reports ? { reports: full.reports } : {}),
  });
};
