import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Approver } from './approval';
import { describeSkipList, localSkipList, type SkipRule } from './codebuild/skip-list';
import {
  APPLICATION_STAGES,
  deployDeliveryServices,
  deploymentBucketFor,
  type DeliveryServices,
  listExports,
} from './delivery-services';
import { ensureBucket, importsOf } from './deploy-service';
import { readLastExecution, unchangedSince, writeLastExecution, type LastExecution } from './last-execution';
import { connectReleaseCloud, startReleaseCloud } from './local-environment';
import { operationsDifferences } from './operations-differences';
import type { PackagedService } from './package-services';
import { startReleasePackagings, type ReleasePackagings } from './release-packagings';
import { declaredFunctions, prewarmDifference, prewarmFunctions, prewarmTargets, type PrewarmTarget } from './prewarm';
import { planActionOf, readPipelineDefinition } from './pipeline-definition';
import { deployPipelineStack, type PipelineRoles } from './pipeline-stack';
import type { Progress } from './progress';
import { renderReport } from './report';
import { collectExecutions } from './report/executions';
import { releaseHistory } from './report/history';
import { packagedStateMachineGraph } from './report/state-machine';
import {
  ReleaseReportSchema,
  type ActionRecord,
  type ExecutionRecord,
  type ReleaseReport,
  type SetupRecord,
} from './report-schema';
import { runPipeline } from './run-pipeline';
import type { PipelineArtifact } from './actions/types';

export interface ReleaseOptions {
  repoRoot: string;
  /** Where the local cloud keeps its state; a second run sees the stacks of the first. */
  stateDir: string;
  reportDir: string;
  approver: Approver;
  progress: Progress;
  /** Stage of the pipeline's own services (trigger, orchestrator, pipeline), as an operator would `sls deploy` them. */
  infraStage?: string;
  /** Files of the working tree replaced in the Source artifact, by path (tests release a developer's edit). */
  sourceEdits?: Record<string, string>;
  /** Buildspec commands not run (default: localSkipList()); every one is reported with its reason. */
  skipList?: SkipRule[];
  /** An already running `pnpm cloud` to release on (its credentials from `env`) instead of starting one. */
  endpoint?: string;
  /** Where --endpoint's credentials come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  port?: number;
  waitScale?: number;
  /** The local CloudFormation's pause per resource step (default 0 here; the cloud's own default is 20 ms). */
  stackStepMs?: number;
  pollIntervalMs?: number;
  /**
   * `pnpm start -- --plan`: run the pipeline up to its production plan (the Lambda invoke action with
   * `"action": "plan"`) and stop there; the other actions of its stage and everything after are Skipped.
   */
  planOnly?: boolean;
  /**
   * `pnpm start -- --release-change`: run the pipeline even when its Source is the one of the last execution, which
   * succeeded (otherwise such a rerun stops after the Source: last-execution.ts).
   */
  releaseChange?: boolean;
  /** The release's packagings, already started (release-packagings.ts); unset, runRelease starts them. */
  packagings?: ReleasePackagings;
}

/** CodePipeline's re-invoke delay for a continuation-token job here (cut short when the deploy execution ends). */
export const DEFAULT_REINVOKE_MS = 1000;

/** Why --plan skips an action: said in the report and the summary. */
export const PLAN_ONLY_SKIP = '--plan: the release stops at the production plan (nothing is deployed)';

export interface ReleaseSummary {
  succeeded: boolean;
  setup: SetupRecord[];
  actions: ActionRecord[];
  executions: ExecutionRecord[];
  /** Output variables of each action that published some, by action name. */
  outputVariables: Record<string, Record<string, string>>;
  /** The JSON report's content (also written to reportPath's .json twin and latest.json). */
  report: ReleaseReport;
  reportPath: string;
  jsonReportPath: string;
}

/**
 * Runs the delivery pipeline defined by the top-level serverless.yml on the local cloud: packages the pipeline and
 * the operator-deployed services, bootstraps them, then runs the packaged pipeline's actions as CodePipeline would.
 */
export const runRelease = async (options: ReleaseOptions): Promise<ReleaseSummary> => {
  const { progress, repoRoot } = options;
  // Started by the caller before this module loaded (main.ts), or now; the services deploy for the stage packaged.
  const packagings = options.packagings ?? startReleasePackagings(options);
  const { startedAt, clock, cache, stage: infraStage } = packagings;
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const setup: SetupRecord[] = [];
  const step = async <T>(name: string, work: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    const began = Date.now();
    try {
      const { value, detail } = await work();
      setup.push({ step: name, status: 'Succeeded', durationMs: Date.now() - began, detail });
      progress.done(`${name}: ${detail.split('\n').join('; ')}`);
      return value;
    } catch (error) {
      setup.push({ step: name, status: 'Failed', durationMs: Date.now() - began, detail: String(error) });
      progress.fail(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  };

  const aheadPackagings = packagings.ahead;
  const deliveryPackagings = packagings.delivery;
  const deliveryPackaging = Promise.all(deliveryPackagings.values());
  const reuse = (p: PackagedService) => (p.cached ? ' (unchanged: from the package cache)' : '');

  progress.stage('Package the pipeline (sls package, offline)');
  const { pipeline, pipelinePackage } = await step('Package', async () => {
    const template = await packagings.pipeline;
    const definition = readPipelineDefinition(template.template);
    return {
      value: { pipeline: definition, pipelinePackage: template },
      detail: `pipeline ${definition.name} (${definition.stages.map((s) => s.name).join(' → ')})${reuse(template)}`,
    };
  });

  const cloudBegan = Date.now();
  const release = options.endpoint
    ? await (async () => {
        progress.stage(`Local cloud: the running one at ${options.endpoint}`);
        return connectReleaseCloud(options.endpoint!, options.env ?? process.env);
      })()
    : await (async () => {
        progress.stage(`Local cloud (state in ${path.relative(repoRoot, options.stateDir) || '.'})`);
        return startReleaseCloud({
          stateDir: options.stateDir,
          ...(options.port !== undefined ? { port: options.port } : {}),
          waitScale: options.waitScale ?? 0.01,
          // No pause between a stack's resource steps: nothing in the release polls for an IN_PROGRESS status, and
          // the 20 ms per resource added ~1.3 s to the orchestrator's 67-resource stack alone.
          stackStepMs: options.stackStepMs ?? 0,
        });
      })();
  clock.record('local cloud', cloudBegan);
  progress.done(`${options.endpoint ? 'reached' : 'listening on'} ${release.connection.endpoint}`);
  // The local CloudFormation loads its indexes (~0.1 CPU-s, on this thread) once the Source is done (below), beside the
  // next stage, rather than in the run's first change set. On a new cloud the pipeline stack, deployed at once, loads
  // them itself: this thread has no wait before it to hide them in.
  let warmedUp = false;
  const warmUp = () => {
    if (warmedUp || !release.warmUp) return;
    warmedUp = true;
    // A failed warm-up costs nothing: the first stack operation loads (or fails) as it would have.
    setImmediate(() =>
      clock.time('warm up local CloudFormation', async () => release.warmUp?.()).catch(() => undefined),
    );
  };
  let roles: PipelineRoles | undefined;
  let bootstrap: Promise<DeliveryServices> | undefined;
  let prewarming: Promise<PrewarmTarget[]> | undefined;
  // Whether the pipeline goes past its Source (known once the Source is zipped): a rerun with nothing to release
  // prewarms nothing. Without a succeeded last execution the answer is yes at once.
  const lastExecution = readLastExecution(options.stateDir);
  let decide: (goesOn: boolean) => void = () => undefined;
  const decided = new Promise<boolean>((resolve) => {
    decide = resolve;
  });
  try {
    // What the Build writes to: the deployment buckets exist before the pipeline starts (made beside its stack).
    const deploymentBuckets = APPLICATION_STAGES.map(deploymentBucketFor);
    const buckets = clock.time('buckets', async () => {
      for (const bucket of deploymentBuckets) await ensureBucket(release.clients, bucket);
    });
    buckets.catch(() => undefined);
    // The pipeline stack finds the services' resources by name (config/delivery-names.js): it deploys beside their
    // packaging, and the first stages start once it is there. A template that imports an export waits for the
    // services' stacks on a new cloud, as an operator's bootstrap would (exports never change while imported).
    const imports = importsOf(pipelinePackage.template);
    const exported = imports.length > 0 ? await listExports(release.clients) : {};
    const beside = imports.every((name) => exported[name] !== undefined);
    progress.stage(
      `Bootstrap (stage ${infraStage}), as an operator does once: docs/pipeline.md (${
        beside
          ? 'the pipeline stack first, the services beside the first stages'
          : 'the services, then the pipeline stack'
      })`,
    );
    // Whether this run may stop after its Source (the prewarm waits for that decision; afterSource makes it).
    const mayStopAfterSource = lastExecution.then(
      ({ record }) => record?.status === 'Succeeded' && !options.releaseChange && !options.planOnly,
    );
    const goesOn = mayStopAfterSource.then((may) => (may ? decided : true));
    // The functions the run will invoke start their init beside the first stages (a printed difference): the
    // pipeline's invoke actions' functions as soon as the stack declaring them is deployed, the deploy state
    // machine's task functions once it is there. A failed bootstrap or prewarm prewarms nothing: the first
    // invocations initialize, as on AWS.
    const prewarms: Promise<PrewarmTarget[]>[] = [];
    const invoked = prewarmTargets(pipeline, { exports: {} }, undefined);
    const onDeployed = (packaged: PackagedService) => {
      const declared = declaredFunctions(packaged.template);
      const targets = invoked.filter((target) => declared.has(target.functionName));
      if (targets.length === 0) return;
      const phase = `prewarm Lambda (${packaged.service})`;
      prewarms.push(
        goesOn
          .then((go) => (go ? clock.time(phase, () => prewarmFunctions(release, targets)) : []))
          .catch((): PrewarmTarget[] => []),
      );
    };
    // The orchestrator's stack deploys once its own package is there, the trigger's packaging still running.
    const deliveryDeploy = deployDeliveryServices(release.clients, deliveryPackagings, infraStage, clock, onDeployed);
    deliveryDeploy.catch(() => undefined);
    const pipelineDeploy = (beside ? Promise.resolve() : deliveryDeploy.then(() => undefined)).then(() =>
      clock.time('bootstrap pipeline stack', () => deployPipelineStack(release, pipelinePackage, infraStage)),
    );
    pipelineDeploy
      .then((stack) => {
        roles = stack.roles;
      })
      .catch(() => undefined);
    bootstrap = step('Bootstrap', async () => {
      const [deployed, stack] = await Promise.all([deliveryDeploy, pipelineDeploy]);
      const packaged = await deliveryPackaging;
      return {
        value: deployed,
        detail: [
          ...deployed.deployments.map((d, i) => `${d.stackName}: ${d.outcome}${packaged[i] ? reuse(packaged[i]) : ''}`),
          `${stack.deployment.stackName}: ${stack.deployment.outcome}${reuse(pipelinePackage)}`,
          `artifact bucket ${stack.artifactBucket}; deployment buckets ${deploymentBuckets.join(', ')}`,
          ...(stack.roles
            ? [
                `CodePipeline acts as ${stack.roles.pipeline.roleArn}`,
                ...Object.entries(stack.roles.projects).map(([name, role]) => `${name} builds as ${role.roleArn}`),
              ]
            : [`the operator key acts for CodePipeline and CodeBuild: ${stack.rolesUnavailable}`]),
        ].join('\n'),
      };
    });
    bootstrap.catch(() => undefined);
    // The rest (the state machine's task functions, an invoke action's function no stack declared by name) once
    // the whole bootstrap is there.
    // A const for the callback below (`bootstrap` is a `let`, which TypeScript does not narrow inside it).
    const bootstrapping = bootstrap;
    const firstPrewarms = bootstrapping
      .catch(() => undefined)
      .then(() => Promise.all(prewarms))
      .then((done) => done.flat());
    prewarming = firstPrewarms.then(async (first) => {
      try {
        const [delivery, go] = await Promise.all([bootstrapping, goesOn]);
        const done = new Set(first.map((target) => target.functionName));
        const definition = release.stateMachineDefinition?.(delivery.stateMachineArn);
        const rest = prewarmTargets(pipeline, delivery, definition).filter((t) => !done.has(t.functionName));
        const more =
          go && rest.length > 0 ? await clock.time('prewarm Lambda', () => prewarmFunctions(release, rest)) : [];
        return [...first, ...more];
      } catch {
        return first;
      }
    });
    // The artifact bucket and the roles every action acts as: nothing runs before the pipeline stack is there.
    const [pipelineStack] = await Promise.all([pipelineDeploy, buckets]);

    const planAction = options.planOnly ? planActionOf(pipeline) : undefined;
    if (options.planOnly && !planAction) {
      throw new Error(`--plan: pipeline ${pipeline.name} has no plan action (a Lambda invoke with "action": "plan")`);
    }
    const skipList = options.skipList ?? localSkipList({ cache });
    const pipelineExecutionId = randomUUID();
    let unchanged: string | undefined;
    let started: LastExecution | undefined;
    // After the Source: stop if it is the last succeeded execution's and the bootstrap changed nothing; otherwise
    // record this execution as started (a crash leaves it InProgress, never taken for a success).
    const afterSource = async (artifacts: ReadonlyMap<string, PipelineArtifact>): Promise<string | undefined> => {
      const { record, unusable } = await lastExecution;
      if (unusable) progress.step(unusable);
      const sources = [...artifacts.values()];
      const source = Object.fromEntries(sources.flatMap((a) => (a.sha256 ? [[a.name, a.sha256]] : [])));
      if (await mayStopAfterSource) {
        const delivery = await bootstrap?.catch(() => undefined);
        unchanged = delivery
          ? unchangedSince(record, {
              pipeline: pipeline.name,
              source,
              bootstrap: [...delivery.deployments, pipelineStack.deployment],
            })
          : undefined;
      }
      decide(unchanged === undefined);
      if (unchanged) return unchanged;
      const commitId = sources.find((a) => a.revision)?.revision;
      started = {
        pipeline: pipeline.name,
        pipelineExecutionId,
        source,
        ...(commitId ? { commitId } : {}),
        status: 'InProgress',
        startedAt: new Date().toISOString(),
      };
      await writeLastExecution(options.stateDir, started);
      return undefined;
    };
    const runDir = path.join(options.reportDir, `release-${stamp}`);
    const run = await runPipeline(
      {
        release,
        delivery: bootstrap,
        pipeline,
        repoRoot,
        stateDir: options.stateDir,
        artifactBucket: pipelineStack.artifactBucket,
        ...(pipelineStack.roles ? { roles: pipelineStack.roles } : {}),
        ...(pipelineStack.rolesUnavailable ? { rolesUnavailable: pipelineStack.rolesUnavailable } : {}),
        pipelineExecutionId,
        approver: options.approver,
        progress,
        logDir: runDir,
        skipList,
        sourceEdits: options.sourceEdits ?? {},
        pollIntervalMs: options.pollIntervalMs ?? DEFAULT_REINVOKE_MS,
        clock,
      },
      undefined,
      {
        ...(planAction
          ? { only: { action: planAction, skipReason: PLAN_ONLY_SKIP } }
          : {
              afterStage: async (stage, artifacts) =>
                stage === pipeline.stages[0]?.name ? afterSource(artifacts) : undefined,
            }),
        // Once the Source is done (it zips on this thread), the local CloudFormation loads its indexes beside the
        // next stage, rather than in the first stack operation of the run.
        onStage: (stage) => {
          if (stage !== pipeline.stages[0]?.name) warmUp();
        },
      },
    );
    // A run that ended before its Source was judged (a failed Source) has nothing left to prewarm.
    decide(false);
    // --plan and a rerun with nothing to release skip actions on purpose: the run is judged on those that ran.
    const ran = run.records.filter((r) => r.status !== 'Skipped' || !(planAction || unchanged));
    const planned = planAction === undefined || run.plans.some((plan) => plan.action === planAction.name);

    // A bootstrap the run never needed (an early failure) still finishes, and is reported, before the cloud stops.
    await bootstrap.catch(() => undefined);
    const prewarmed = await prewarming;
    // A packaging that failed ends the release here, as it would have before the pipeline started.
    const deliveryPackages = await deliveryPackaging;
    const stateMachine = deployStateMachine(deliveryPackages);
    const reportBegan = Date.now();
    const executions = await collectExecutions(
      release.clients,
      run.executions,
      { reportDir: options.reportDir, runDir },
      stateMachine,
    );
    const history = await releaseHistory(options.reportDir, `release-${stamp}.json`);
    clock.record('report (executions, history)', reportBegan);
    const report = ReleaseReportSchema.parse({
      schemaVersion: 2,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      succeeded: planned && ran.every((r) => r.status === 'Succeeded'),
      pipeline: pipeline.name,
      pipelineExecutionId,
      setup,
      actions: run.records,
      skipList: describeSkipList(skipList),
      differences: [
        ...operationsDifferences([...deliveryPackages, { ...pipelinePackage, service: 'pipeline' }]).map(
          (difference) => ({ action: 'Bootstrap', difference }),
        ),
        ...(prewarmed.length > 0 ? [{ action: 'Bootstrap', difference: prewarmDifference(prewarmed) }] : []),
        ...run.differences,
      ],
      executions,
      stateMachine,
      history,
      mode: planAction ? 'plan' : 'release',
      ...(unchanged ? { unchanged } : {}),
      plans: run.plans,
      phases: clock.list(),
    } satisfies ReleaseReport);
    const { reportPath, jsonReportPath } = await writeReport(options.reportDir, stamp, report);
    if (started) {
      await writeLastExecution(options.stateDir, {
        ...started,
        status: report.succeeded ? 'Succeeded' : 'Failed',
        finishedAt: report.finishedAt,
      });
    }
    return {
      succeeded: report.succeeded,
      setup,
      actions: report.actions,
      executions: report.executions,
      outputVariables: run.outputVariables,
      report,
      reportPath,
      jsonReportPath,
    };
  } finally {
    decide(false);
    await bootstrap?.catch(() => undefined);
    await prewarming;
    // A packaging started ahead for a Build that never came (an early failure, a rerun with nothing to release) ends
    // before the release does; its package stays in the cache for the next run.
    await Promise.all((await aheadPackagings).map((ahead) => ahead.done));
    roles?.close();
    await release.close();
  }
};

/** The deploy state machine as the packaged orchestrator template defines it (what the bootstrap deployed). */
const deployStateMachine = (packages: PackagedService[]): ReleaseReport['stateMachine'] => {
  const orchestrator = packages.find((p) => p.service === 'deploy-orchestrator');
  if (!orchestrator) throw new Error('services/deploy-orchestrator was not packaged');
  return packagedStateMachineGraph(
    orchestrator.template,
    'the packaged services/deploy-orchestrator template (cloudformation-template-update-stack.json)',
  );
};

/** reports/release-<time>.{html,json} and reports/latest.{html,json}. */
const writeReport = async (
  reportDir: string,
  stamp: string,
  report: ReleaseReport,
): Promise<{ reportPath: string; jsonReportPath: string }> => {
  await mkdir(reportDir, { recursive: true });
  const html = renderReport(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const reportPath = path.join(reportDir, `release-${stamp}.html`);
  const jsonReportPath = path.join(reportDir, `release-${stamp}.json`);
  await Promise.all([
    writeFile(reportPath, html),
    writeFile(jsonReportPath, json),
    writeFile(path.join(reportDir, 'latest.html'), html),
    writeFile(path.join(reportDir, 'latest.json'), json),
  ]);
  return { reportPath, jsonReportPath };
};
