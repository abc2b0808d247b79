import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { parseS3Url } from '@glue-cd/core';
import {
  DEFAULT_JUNIT_FILE,
  createLocalBackend,
  liveTestJunit,
  formatLiveTestReport,
  glueDefinitionsFromResources,
  loadValidationRules,
  outputsFromEnvironment,
  runLiveTest,
} from '@glue-cd/live-test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PHASES, type Buildspec } from '../codebuild/buildspec';
import type { CommandRecord, TestReportRecord } from '../report-schema';
import type { ActionEnvironment, ActionOutcome } from './types';

/**
 * THE SWITCH. While the local cloud serves no Glue and Athena, the AutomatedLiveTest action runs the live test
 * in-process on the data-lake backend instead of running buildspecs/live-test.yml. Set it to false (or pass
 * `liveTestInProcess: false` to runRelease) once Glue and Athena are served: the buildspec then runs verbatim like
 * every other CodeBuild action, its CLI on the AWS SDK backend against the local cloud.
 */
export const AUTOMATED_LIVE_TEST_IN_PROCESS = true;

/** The CodeBuild project buildspec the switch applies to. */
export const IN_PROCESS_LIVE_TEST_BUILDSPEC = 'buildspecs/live-test.yml';

const REASON = `AUTOMATED_LIVE_TEST_IN_PROCESS: the live test runs in-process until the local cloud serves Glue and Athena`;

/** The buildspec's commands, recorded as not run because of the switch (so the report still shows them). */
const switchedOff = (buildspec: Buildspec): CommandRecord[] =>
  PHASES.flatMap((phase) =>
    (['commands', 'finally'] as const).flatMap((block) =>
      (buildspec.phases?.[phase]?.[block] ?? []).map((command): CommandRecord => ({
        phase,
        block,
        command,
        exitCode: null,
        status: 'skipped',
        reason: REASON,
        durationMs: 0,
      })),
    ),
  );

/**
 * The live test with the same inputs the buildspec's CLI would read: the stack outputs from the action's resolved
 * environment variables (RAW_BUCKET_NAME, ...), the Glue definitions of the stack that has those outputs.
 */
export const runInProcessLiveTest = async (options: {
  buildspec: Buildspec;
  variables: { buildspec: Record<string, string>; project: Record<string, string>; action: Record<string, string> };
  environment: ActionEnvironment;
  logFile: string;
  log: NodeJS.WritableStream;
  /** The buildspec's `reports`, collected from a source folder as after a build. */
  reports: (sourceDir: string) => Promise<TestReportRecord[]>;
}): Promise<ActionOutcome> => {
  const { environment, variables } = options;
  const outputs = outputsFromEnvironment({ ...variables.buildspec, ...variables.project, ...variables.action });
  const { release, stateDir, repoRoot } = environment;
  const { Stacks = [] } = await release.clients.cloudFormation.send(new DescribeStacksCommand({}));
  const stack = Stacks.find((s) =>
    s.Outputs?.some((o) => o.OutputKey === 'JobName' && o.OutputValue === outputs.JobName),
  );
  if (!stack?.StackName) return { status: 'Failed', summary: `no stack has the output JobName ${outputs.JobName}` };
  const backend = createLocalBackend({
    stateDir: path.join(stateDir, 'data-lake', stack.StackName),
    resolveS3Url: (url: string) => {
      const location = parseS3Url(url);
      if (!location) throw new Error(`not an s3:// URL: ${url}`);
      return path.join(release.cloud.objects.bucketPath(location.bucket), location.key);
    },
    definitions: glueDefinitionsFromResources(release.cloudFormation.stackResources(stack.StackName)),
  });
  const startedAt = new Date();
  const report = await runLiveTest({
    backend,
    outputs,
    validation: await loadValidationRules(path.join(repoRoot, 'glue-jobs/nyc-taxi/validation.yaml')),
    seed: { s3: release.clients.s3, sampleFile: environment.sampleFile },
  });
  const text = formatLiveTestReport(report);
  options.log.write(`${REASON}\n${text}\n`);
  // The JUnit file the CLI would have written, where it would have written it, so the buildspec's reports apply.
  const sourceDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-live-test-'));
  let reports: TestReportRecord[];
  try {
    const junit = path.join(sourceDir, DEFAULT_JUNIT_FILE);
    await mkdir(path.dirname(junit), { recursive: true });
    await writeFile(junit, liveTestJunit({ report }, { startedAt, durationMs: Date.now() - startedAt.getTime() }));
    reports = await options.reports(sourceDir);
  } finally {
    await rm(sourceDir, { recursive: true, force: true });
  }
  return {
    status: report.passed ? 'Succeeded' : 'Failed',
    summary: `in-process live test: ${report.checks.filter((c) => c.passed).length}/${report.checks.length} checks passed on ${stack.StackName}`,
    detail: text,
    commands: switchedOff(options.buildspec),
    differences: [`${IN_PROCESS_LIVE_TEST_BUILDSPEC} not run: ${REASON}`],
    logFile: options.logFile,
    liveTest: report,
    ...(reports.length > 0 ? { reports } : {}),
  };
};
