import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { executionArnFor, executionNameForJob, parseS3Url } from '@glue-cd/core';
import {
  createLocalBackend,
  formatLiveTestReport,
  glueDefinitionsFromResources,
  loadValidationRules,
  runLiveTest,
  type LiveTestReport,
} from '@glue-cd/live-test';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { Approver } from './approval';
import { buildOutputArtifact } from './build-artifact';
import type { CloudClients } from './clients';
import { runLambdaInvokeAction, type ArtifactLocation, type InvokeActionOutcome } from './codepipeline-action';
import {
  deployDeliveryServices,
  deploymentBucketFor,
  packageDeliveryServices,
  type DeliveryServices,
} from './delivery-services';
import { ensureBucket } from './deploy-service';
import { startReleaseCloud, type ReleaseCloud } from './local-environment';
import { packageService, type PackagedService } from './package-services';
import { readPipelineDefinition, type PipelineAction, type PipelineDefinition } from './pipeline-definition';
import type { Progress } from './progress';
import { renderReport, type ExecutionRecord, type StageRecord } from './report';

/** Application stages the Build stage packages the Glue ETL service for (deploy/<stage>.json use them). */
export const APPLICATION_STAGES = ['test', 'prod'] as const;

export interface ReleaseOptions {
  repoRoot: string;
  /** Where the local cloud keeps its state; a second run sees the stacks of the first. */
  stateDir: string;
  reportDir: string;
  approver: Approver;
  progress: Progress;
  /** Stage of the pipeline's own services (trigger, orchestrator, pipeline), as an operator would `sls deploy` them. */
  infraStage?: string;
  sampleFile: string;
  /** The Glue ETL service folder, relative to repoRoot (default services/glue-etl); tests release a changed copy. */
  glueEtlServiceDir?: string;
  port?: number;
  waitScale?: number;
  pollIntervalMs?: number;
}

export interface ReleaseSummary {
  succeeded: boolean;
  stages: StageRecord[];
  executions: ExecutionRecord[];
  liveTest?: LiveTestReport;
  /** Output variables of each Lambda invoke action, by action name (stackName, outcome, stack outputs). */
  variables: Record<string, Record<string, string>>;
  reportPath: string;
}

interface ActionContext {
  release: ReleaseCloud;
  delivery: DeliveryServices;
  artifacts: Record<string, ArtifactLocation>;
  /** Output variables of each Lambda invoke action, by action name (CodePipeline namespaces). */
  variables: Record<string, Record<string, string>>;
  executions: { action: string; executionArn: string }[];
  liveTest?: LiveTestReport;
}

const ARTIFACT_BUCKET = (stage: string) => `glue-cd-pipeline-${stage}-artifacts`;

/** Runs the delivery pipeline defined by the top-level serverless.yml on the local cloud, stage by stage. */
export const runRelease = async (options: ReleaseOptions): Promise<ReleaseSummary> => {
  const { progress, repoRoot } = options;
  const infraStage = options.infraStage ?? 'local';
  const startedAt = new Date();
  const buildDir = path.join(options.stateDir, 'build');
  const stages: StageRecord[] = [];
  const record = (stage: string, action: string, began: number, status: StageRecord['status'], detail: string) =>
    stages.push({ stage, action, status, detail, durationMs: Date.now() - began });

  progress.stage('Package (sls package, offline)');
  let began = Date.now();
  const [pipelineTemplate, glueEtl, deliveryPackages] = await Promise.all([
    packageService({
      repoRoot,
      serviceDir: '.',
      stage: infraStage,
      outDir: path.join(buildDir, 'pipeline', infraStage),
      deploymentBucket: deploymentBucketFor(infraStage),
    }),
    packageGlueEtl(repoRoot, buildDir, options.glueEtlServiceDir ?? 'services/glue-etl'),
    packageDeliveryServices({ repoRoot, buildDir, stage: infraStage }),
  ]);
  const pipeline = readPipelineDefinition(pipelineTemplate.template);
  progress.done(
    `packaged the pipeline (${pipeline.stages.map((s) => s.name).join(' → ')}), glue-etl for ${APPLICATION_STAGES.join(
      ' and ',
    )}, ${deliveryPackages.map((p) => p.service).join(' and ')}`,
  );
  record(
    'Package',
    'sls package',
    began,
    'Succeeded',
    `${deliveryPackages.length + glueEtl.length + 1} services packaged`,
  );

  progress.stage(`Local cloud (state in ${path.relative(repoRoot, options.stateDir) || '.'})`);
  const release = await startReleaseCloud({
    stateDir: options.stateDir,
    ...(options.port !== undefined ? { port: options.port } : {}),
    waitScale: options.waitScale ?? 0.01,
  });
  progress.done(`listening on ${release.cloud.endpoint}`);
  try {
    progress.stage(`Bootstrap: deploy the pipeline's own services (stage ${infraStage}), as \`sls deploy\` would`);
    began = Date.now();
    const delivery = await deployDeliveryServices(release.clients, deliveryPackages, infraStage);
    for (const deployment of delivery.deployments) progress.done(`${deployment.stackName}: ${deployment.outcome}`);
    record(
      'Bootstrap',
      'sls deploy',
      began,
      'Succeeded',
      delivery.deployments.map((d) => `${d.stackName}: ${d.outcome}`).join('\n'),
    );

    const context: ActionContext = { release, delivery, artifacts: {}, variables: {}, executions: [] };
    let stopped = false;
    for (const stage of pipeline.stages) {
      progress.stage(`${stage.name}`);
      for (const action of stage.actions) {
        if (stopped) {
          record(stage.name, action.name, Date.now(), 'Skipped', 'an earlier action failed or was rejected');
          continue;
        }
        began = Date.now();
        const result = await runAction(action, context, { ...options, glueEtl, pipeline, infraStage });
        (result.ok ? progress.done : progress.fail)(`${action.name}: ${result.headline}`);
        if (result.detail) progress.detail(result.detail);
        record(
          stage.name,
          action.name,
          began,
          result.ok ? 'Succeeded' : result.stopped ? 'Stopped' : 'Failed',
          result.detail ? `${result.headline}\n${result.detail}` : result.headline,
        );
        if (!result.ok) stopped = true;
      }
    }

    const executions = await collectExecutions(release.clients, context.executions);
    const reportPath = await writeReport(options.reportDir, {
      startedAt,
      finishedAt: new Date(),
      stages,
      executions,
      stateNames: await stateNames(repoRoot),
    });
    const succeeded = stages.every((s) => s.status === 'Succeeded');
    return {
      succeeded,
      stages,
      executions,
      reportPath,
      variables: context.variables,
      ...(context.liveTest ? { liveTest: context.liveTest } : {}),
    };
  } finally {
    await release.close();
  }
};

interface ActionResult {
  ok: boolean;
  stopped?: boolean;
  headline: string;
  detail?: string;
}

interface RunSettings extends ReleaseOptions {
  glueEtl: PackagedService[];
  pipeline: PipelineDefinition;
  infraStage: string;
}

const runAction = async (
  action: PipelineAction,
  context: ActionContext,
  settings: RunSettings,
): Promise<ActionResult> => {
  switch (action.category) {
    case 'Source':
      return { ok: true, headline: 'the working tree of this checkout' };
    case 'Build':
      return runBuildAction(action, context, settings);
    case 'Invoke':
      return runInvokeAction(action, context, settings);
    case 'Test':
      return runLiveTestAction(context, settings);
    case 'Approval': {
      const liveTest = context.liveTest;
      const question = `${action.name}: the test stack passed its live test${
        liveTest ? ` (${liveTest.counts.raw} raw → ${liveTest.counts.transformed} transformed records)` : ''
      }. Approve deploying to production?`;
      const approved = await settings.approver(question);
      return approved
        ? { ok: true, headline: 'approved' }
        : {
            ok: false,
            stopped: true,
            headline: 'rejected',
            detail: process.stdin.isTTY
              ? 'rejected at the prompt'
              : 'no terminal to ask on: run with --approve to approve',
          };
    }
    default:
      return { ok: false, headline: `no local runner for ${action.category} actions` };
  }
};

/** The Build action: what buildspecs/build.yml does after the tests — glue-jobs to S3, BuildOutput artifact. */
const runBuildAction = async (
  action: PipelineAction,
  context: ActionContext,
  settings: RunSettings,
): Promise<ActionResult> => {
  const { clients } = context.release;
  const uploaded: string[] = [];
  // What buildspecs/build.yml syncs: the job files under their content version (scripts/glue-jobs-version.js).
  const { glueJobsVersion, jobFiles } = glueJobsVersioning(settings.repoRoot);
  const version = glueJobsVersion();
  const files = await Promise.all(
    jobFiles().map(async (file) => ({ file, body: await readFile(path.join(settings.repoRoot, 'glue-jobs', file)) })),
  );
  for (const stage of APPLICATION_STAGES) {
    const bucket = deploymentBucketFor(stage);
    await ensureBucket(clients, bucket);
    for (const { file, body } of files) {
      await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `glue-jobs/${version}/${file}`, Body: body }));
    }
    uploaded.push(`s3://${bucket}/glue-jobs/${version}/ (${files.length} files)`);
  }
  const zip = await buildOutputArtifact({
    repoRoot: settings.repoRoot,
    packagedGlueEtl: Object.fromEntries(settings.glueEtl.map((p) => [p.stage, p.dir])),
  });
  const bucket = ARTIFACT_BUCKET(settings.infraStage);
  await ensureBucket(clients, bucket);
  for (const name of action.outputArtifacts) {
    const key = `glue-cd-pipeline/${name}/${Date.now().toString(36)}.zip`;
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip }));
    context.artifacts[name] = { name, bucket, key };
  }
  return {
    ok: true,
    headline: `tests: \`pnpm test\` (run separately); artifact ${action.outputArtifacts.join(', ')} (${zip.length} bytes)`,
    detail: uploaded.join('\n'),
  };
};

const runInvokeAction = async (
  action: PipelineAction,
  context: ActionContext,
  settings: RunSettings,
): Promise<ActionResult> => {
  const name = action.functionName;
  const functionName =
    name === undefined ? undefined : 'literal' in name ? name.literal : context.delivery.exports[name.importValue];
  if (!functionName)
    return { ok: false, headline: `cannot resolve the function of ${action.name}: ${JSON.stringify(name)}` };
  const inputArtifacts = action.inputArtifacts.map((artifact) => context.artifacts[artifact]);
  if (inputArtifacts.some((artifact) => artifact === undefined)) {
    return { ok: false, headline: `input artifacts ${action.inputArtifacts.join(', ')} were not produced` };
  }
  let invocations = 0;
  const outcome: InvokeActionOutcome = await runLambdaInvokeAction({
    clients: context.release.clients,
    jobResult: async (jobId) => context.release.cloud.jobResults.get(jobId),
    jobs: context.release.cloud.jobResults,
    pipelineContext: { stage: action.stage, action: action.name },
    functionName,
    userParameters: action.userParameters ?? '',
    inputArtifacts: inputArtifacts.filter((artifact): artifact is ArtifactLocation => artifact !== undefined),
    pollIntervalMs: settings.pollIntervalMs ?? 150,
    maxInvocations: 2000,
    onInvocation: () => (invocations += 1),
  });
  const firstJob = outcome.jobIds[0];
  if (firstJob) {
    context.executions.push({
      action: action.name,
      executionArn: executionArnFor(context.delivery.stateMachineArn, executionNameForJob(firstJob)),
    });
  }
  context.variables[action.name] = outcome.outputVariables;
  const calls = `${outcome.invocations} invocation${outcome.invocations === 1 ? '' : 's'} of ${functionName}`;
  return outcome.status === 'Succeeded'
    ? { ok: true, headline: outcome.summary ?? 'succeeded', detail: calls }
    : { ok: false, headline: 'failed', detail: `${outcome.message ?? 'no message'}\n(${calls})` };
};

/** AutomatedLiveTest: crawlers + job + validation on the deployed test stack, with the local data-lake backend. */
const runLiveTestAction = async (context: ActionContext, settings: RunSettings): Promise<ActionResult> => {
  const deployed = Object.values(context.variables).at(-1) ?? {};
  const stackName = deployed.stackName;
  if (!stackName)
    return { ok: false, headline: 'no deployed test stack to test (the deploy action reported no stackName)' };
  const { cloud, cloudFormation, clients } = context.release;
  const backend = createLocalBackend({
    stateDir: path.join(settings.stateDir, 'data-lake', stackName),
    resolveS3Url: (url: string) => {
      const location = parseS3Url(url);
      if (!location) throw new Error(`not an s3:// URL: ${url}`);
      return path.join(cloud.objects.bucketPath(location.bucket), location.key);
    },
    definitions: glueDefinitionsFromResources(cloudFormation.stackResources(stackName)),
  });
  const validation = await loadValidationRules(path.join(settings.repoRoot, 'glue-jobs/nyc-taxi/validation.yaml'));
  const report = await runLiveTest({
    backend,
    outputs: deployed,
    validation,
    seed: { s3: clients.s3, sampleFile: settings.sampleFile },
  });
  context.liveTest = report;
  return {
    ok: report.passed,
    headline: `${report.checks.filter((c) => c.passed).length}/${report.checks.length} checks passed on ${stackName}`,
    detail: formatLiveTestReport(report),
  };
};

const glueJobsVersioning = (repoRoot: string) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(repoRoot, 'scripts/glue-jobs-version.js')) as {
    glueJobsVersion: () => string;
    jobFiles: () => string[];
  };

const packageGlueEtl = (repoRoot: string, buildDir: string, serviceDir: string): Promise<PackagedService[]> =>
  Promise.all(
    APPLICATION_STAGES.map((stage) =>
      packageService({
        repoRoot,
        serviceDir,
        stage,
        outDir: path.join(buildDir, 'packaged', stage, 'glue-etl'),
        deploymentBucket: deploymentBucketFor(stage),
      }),
    ),
  );

const collectExecutions = async (
  clients: CloudClients,
  executions: { action: string; executionArn: string }[],
): Promise<ExecutionRecord[]> =>
  Promise.all(
    executions.map(async ({ action, executionArn }) => {
      try {
        const execution = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
        const history: HistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await clients.stepFunctions.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
          history.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        return {
          action,
          executionArn,
          status: execution.status ?? 'UNKNOWN',
          history,
          ...(execution.error !== undefined ? { error: execution.error } : {}),
          ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
          ...(execution.output !== undefined ? { output: execution.output } : {}),
        };
      } catch (error) {
        return { action, executionArn, status: 'NOT STARTED', history: [], error: 'NoExecution', cause: String(error) };
      }
    }),
  );

/** The deploy state machine's state names in definition order, read from the ASL file (the single source). */
const stateNames = async (repoRoot: string): Promise<string[]> => {
  const asl = parse(await readFile(path.join(repoRoot, 'state-machines/deploy.asl.yaml'), 'utf8')) as {
    States?: Record<string, unknown>;
  };
  return Object.keys(asl.States ?? {});
};

const writeReport = async (reportDir: string, report: Parameters<typeof renderReport>[0]): Promise<string> => {
  await mkdir(reportDir, { recursive: true });
  const html = renderReport(report);
  const file = path.join(reportDir, `release-${report.startedAt.toISOString().replace(/[:.]/g, '-')}.html`);
  await writeFile(file, html);
  await writeFile(path.join(reportDir, 'latest.html'), html);
  return file;
};
