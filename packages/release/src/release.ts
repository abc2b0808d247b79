import type { LiveTestReport } from '@glue-cd/live-test';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AUTOMATED_LIVE_TEST_IN_PROCESS } from './actions/in-process-live-test';
import type { Approver } from './approval';
import { describeSkipList, localSkipList, type SkipRule } from './codebuild/skip-list';
import {
  APPLICATION_STAGES,
  deployDeliveryServices,
  deploymentBucketFor,
  packageDeliveryServices,
} from './delivery-services';
import { ensureBucket } from './deploy-service';
import { startReleaseCloud } from './local-environment';
import { packageService, type PackagedService } from './package-services';
import { planActionOf, readPipelineDefinition } from './pipeline-definition';
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

export interface ReleaseOptions {
  repoRoot: string;
  /** Where the local cloud keeps its state; a second run sees the stacks of the first. */
  stateDir: string;
  reportDir: string;
  approver: Approver;
  progress: Progress;
  /** Stage of the pipeline's own services (trigger, orchestrator, pipeline), as an operator would `sls deploy` them. */
  infraStage?: string;
  /** The taxi CSV the in-process live test seeds (the buildspec's CLI uses the sample in the source). */
  sampleFile: string;
  /** Files of the working tree replaced in the Source artifact, by path (tests release a developer's edit). */
  sourceEdits?: Record<string, string>;
  /** AutomatedLiveTest in-process instead of through buildspecs/live-test.yml (default AUTOMATED_LIVE_TEST_IN_PROCESS). */
  liveTestInProcess?: boolean;
  /** Buildspec commands not run (default: localSkipList()); every one is reported with its reason. */
  skipList?: SkipRule[];
  port?: number;
  waitScale?: number;
  pollIntervalMs?: number;
  /**
   * `pnpm start -- --plan`: run the pipeline up to its production plan (the Lambda invoke action with
   * `"action": "plan"`) and stop there; the other actions of its stage and everything after are Skipped.
   */
  planOnly?: boolean;
}

/** Why --plan skips an action: said in the report and the summary. */
export const PLAN_ONLY_SKIP = '--plan: the release stops at the production plan (nothing is deployed)';

export interface ReleaseSummary {
  succeeded: boolean;
  setup: SetupRecord[];
  actions: ActionRecord[];
  executions: ExecutionRecord[];
  liveTest?: LiveTestReport;
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
  const infraStage = options.infraStage ?? 'local';
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const buildDir = path.join(options.stateDir, 'build');
  const setup: SetupRecord[] = [];
  const step = async <T>(name: string, work: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    const began = Date.now();
    try {
      const { value, detail } = await work();
      setup.push({ step: name, status: 'Succeeded', durationMs: Date.now() - began, detail });
      progress.done(detail.split('\n').join('; '));
      return value;
    } catch (error) {
      setup.push({ step: name, status: 'Failed', durationMs: Date.now() - began, detail: String(error) });
      throw error;
    }
  };

  progress.stage('Package the pipeline and its own services (sls package, offline)');
  const [pipeline, deliveryPackages] = await step('Package', async () => {
    const [template, delivery] = await Promise.all([
      packageService({
        repoRoot,
        serviceDir: '.',
        stage: infraStage,
        outDir: path.join(buildDir, 'pipeline', infraStage),
        deploymentBucket: deploymentBucketFor(infraStage),
      }),
      packageDeliveryServices({ repoRoot, buildDir, stage: infraStage }),
    ]);
    const definition = readPipelineDefinition(template.template);
    return {
      value: [definition, delivery] as const,
      detail: `pipeline ${definition.name} (${definition.stages.map((s) => s.name).join(' → ')}), ${delivery
        .map((p) => p.service)
        .join(' and ')}`,
    };
  });

  progress.stage(`Local cloud (state in ${path.relative(repoRoot, options.stateDir) || '.'})`);
  const release = await startReleaseCloud({
    stateDir: options.stateDir,
    ...(options.port !== undefined ? { port: options.port } : {}),
    waitScale: options.waitScale ?? 0.01,
  });
  progress.done(`listening on ${release.cloud.endpoint}`);
  try {
    progress.stage(`Bootstrap (stage ${infraStage}), as an operator does once: docs/pipeline.md`);
    const artifactBucket = `glue-cd-pipeline-${infraStage}-artifacts`;
    const delivery = await step('Bootstrap', async () => {
      const buckets = [artifactBucket, ...APPLICATION_STAGES.map(deploymentBucketFor)];
      for (const bucket of buckets) await ensureBucket(release.clients, bucket);
      const deployed = await deployDeliveryServices(release.clients, deliveryPackages, infraStage);
      return {
        value: deployed,
        detail: [
          ...deployed.deployments.map((d) => `${d.stackName}: ${d.outcome}`),
          `buckets ${buckets.join(', ')}`,
        ].join('\n'),
      };
    });

    const planAction = options.planOnly ? planActionOf(pipeline) : undefined;
    if (options.planOnly && !planAction) {
      throw new Error(`--plan: pipeline ${pipeline.name} has no plan action (a Lambda invoke with "action": "plan")`);
    }
    const skipList = options.skipList ?? localSkipList();
    const pipelineExecutionId = randomUUID();
    const runDir = path.join(options.reportDir, `release-${stamp}`);
    const run = await runPipeline(
      {
        release,
        delivery,
        pipeline,
        repoRoot,
        stateDir: options.stateDir,
        artifactBucket,
        pipelineExecutionId,
        approver: options.approver,
        progress,
        logDir: runDir,
        skipList,
        sourceEdits: options.sourceEdits ?? {},
        liveTestInProcess: options.liveTestInProcess ?? AUTOMATED_LIVE_TEST_IN_PROCESS,
        sampleFile: options.sampleFile,
        pollIntervalMs: options.pollIntervalMs ?? 150,
      },
      undefined,
      planAction ? { only: { action: planAction, skipReason: PLAN_ONLY_SKIP } } : {},
    );
    const ran = run.records.filter((r) => r.status !== 'Skipped' || !planAction);
    const planned = planAction === undefined || run.plans.some((plan) => plan.action === planAction.name);

    const stateMachine = deployStateMachine(deliveryPackages);
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
      differences: run.differences,
      executions: await collectExecutions(
        release.clients,
        run.executions,
        { reportDir: options.reportDir, runDir },
        stateMachine,
      ),
      stateMachine,
      history: await releaseHistory(options.reportDir, `release-${stamp}.json`),
      mode: planAction ? 'plan' : 'release',
      plans: run.plans,
    } satisfies ReleaseReport);
    const { reportPath, jsonReportPath } = await writeReport(options.reportDir, stamp, report);
    return {
      succeeded: report.succeeded,
      setup,
      actions: report.actions,
      executions: report.executions,
      outputVariables: run.outputVariables,
      report,
      reportPath,
      jsonReportPath,
      ...(run.liveTest ? { liveTest: run.liveTest } : {}),
    };
  } finally {
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
