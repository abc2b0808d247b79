import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipArtifact, zipArtifact } from '../artifact-zip';
import { selectArtifactFiles } from '../codebuild/artifacts';
import { parseBuildspec, type ArtifactSet, type Buildspec } from '../codebuild/buildspec';
import {
  ActionEnvironmentVariablesSchema,
  buildEnvironment,
  imageEnvironment,
  plaintextVariables,
  ProjectEnvironmentVariablesSchema,
} from '../codebuild/environment';
import { collectReports } from '../codebuild/reports';
import { containerLine, runBuild, type BuildResult } from '../codebuild/run-build';
import { projectOf, type CodeBuildProject } from '../pipeline-definition';
import type { CommandRecord, TestReportRecord } from '../report-schema';
import { putArtifact } from './source';
import type { ActionEnvironment, ActionInput, ActionRunner, PipelineArtifact } from './types';

const ACCOUNT = '000000000000';

export class CodeBuildActionError extends Error {
  override name = 'CodeBuildActionError';
}

const parseJson = (text: string, origin: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CodeBuildActionError(`${origin} is not valid JSON: ${(error as Error).message}`);
  }
};

/** The action's EnvironmentVariables (already `#{…}`-resolved), as the start-build override CodePipeline sends. */
const actionVariables = (configuration: Record<string, unknown>, origin: string): Record<string, string> => {
  const raw = configuration.EnvironmentVariables;
  if (raw === undefined) return {};
  if (typeof raw !== 'string') throw new CodeBuildActionError(`${origin} must be a JSON string`);
  const parsed = ActionEnvironmentVariablesSchema.safeParse(parseJson(raw, origin));
  if (!parsed.success)
    throw new CodeBuildActionError(`${origin}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return plaintextVariables(parsed.data, origin);
};

const projectVariables = (project: CodeBuildProject): Record<string, string> => {
  const origin = `CodeBuild project ${project.logicalId} Environment.EnvironmentVariables`;
  const parsed = ProjectEnvironmentVariablesSchema.safeParse(project.environmentVariables);
  if (!parsed.success)
    throw new CodeBuildActionError(`${origin}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return plaintextVariables(
    parsed.data.map((v) => ({ name: v.Name, value: v.Value, type: v.Type })),
    origin,
  );
};

/**
 * Who the build acts as: the project's ServiceRole as the deployed pipeline stack declares it (its source download,
 * its commands, its artifact upload), else the operator's key, a difference said with the reason.
 */
const serviceRoleOf = (
  project: CodeBuildProject,
  environment: ActionEnvironment,
): { roleArn?: string; s3: S3Client; environment: Record<string, string>; line: string; differences: string[] } => {
  const role = environment.roles?.projects[project.name];
  if (role) {
    return {
      roleArn: role.roleArn,
      s3: role.clients.s3,
      environment: role.environment,
      line: `Running as ServiceRole ${role.roleArn}`,
      differences: [],
    };
  }
  const why = environment.roles
    ? `the deployed pipeline stack has no CodeBuild project ${project.name}`
    : (environment.rolesUnavailable ?? 'the pipeline stack is not deployed');
  return {
    s3: environment.release.clients.s3,
    environment: environment.release.connection.environment(),
    line: 'Running as the operator key (account root), not the project ServiceRole',
    differences: [`the build ran as the operator key (account root), not its ServiceRole: ${why}`],
  };
};

// Parallel CodeBuild actions take their build numbers one after the other.
let buildNumbers: Promise<unknown> = Promise.resolve();

/** CODEBUILD_BUILD_NUMBER: one counter per project, kept with the local cloud's state. */
const nextBuildNumber = (stateDir: string, project: string): Promise<number> => {
  const next = buildNumbers.then(async () => {
    const file = path.join(stateDir, 'codebuild', 'build-numbers.json');
    const numbers = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, number>) : {};
    numbers[project] = (numbers[project] ?? 0) + 1;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(numbers, null, 2));
    return numbers[project];
  });
  buildNumbers = next.catch(() => undefined);
  return next;
};

/**
 * Input artifacts unpacked as CodeBuild does (with the project's role): the primary one in CODEBUILD_SRC_DIR, the
 * others beside it.
 */
const downloadSources = async (
  input: ActionInput,
  s3: S3Client,
  workRoot: string,
): Promise<{ primary: PipelineArtifact; sourceDir: string; secondary: Record<string, string> }> => {
  const primaryName =
    typeof input.configuration.PrimarySource === 'string'
      ? input.configuration.PrimarySource
      : input.inputArtifacts[0]?.name;
  const primary = input.inputArtifacts.find((artifact) => artifact.name === primaryName);
  if (!primary) {
    throw new CodeBuildActionError(
      `${input.action.name}: a CodeBuild action needs an input artifact${primaryName ? ` (PrimarySource ${primaryName})` : ''}`,
    );
  }
  const secondary: Record<string, string> = {};
  let sourceDir = '';
  for (const [index, artifact] of input.inputArtifacts.entries()) {
    const dir = artifact === primary ? path.join(workRoot, 'src') : path.join(workRoot, `src${index + 1}`);
    const object = await s3.send(new GetObjectCommand({ Bucket: artifact.bucket, Key: artifact.key }));
    await mkdir(dir, { recursive: true });
    await unzipArtifact(await object.Body!.transformToByteArray(), dir);
    if (artifact === primary) sourceDir = dir;
    else secondary[`CODEBUILD_SRC_DIR_${artifact.name}`] = dir;
  }
  return { primary, sourceDir, secondary };
};

/** The buildspec the project names: a path inside the primary source, or the buildspec itself (inline YAML). */
const readProjectBuildspec = async (project: CodeBuildProject, sourceDir: string): Promise<Buildspec> => {
  if (project.buildSpec.includes('\n')) return parseBuildspec(project.buildSpec, `${project.logicalId} (inline)`);
  const file = path.join(sourceDir, project.buildSpec);
  if (!existsSync(file)) {
    throw new CodeBuildActionError(
      `YAML_FILE_ERROR: ${project.buildSpec} (project ${project.logicalId}) is not in the source`,
    );
  }
  return parseBuildspec(await readFile(file, 'utf8'), project.buildSpec);
};

/** The artifact sets of the output artifacts: one → `artifacts`, several → `secondary-artifacts` by name. */
const artifactSets = (buildspec: Buildspec, outputs: string[]): [string, ArtifactSet][] => {
  const artifacts = buildspec.artifacts;
  if (outputs.length === 0) return [];
  if (outputs.length === 1 && artifacts?.files) {
    const { 'secondary-artifacts': _secondary, ...primary } = artifacts;
    return [[outputs[0]!, { ...primary, files: artifacts.files }]];
  }
  return outputs.map((name) => {
    const set = artifacts?.['secondary-artifacts']?.[name];
    if (!set) {
      throw new CodeBuildActionError(
        `output artifact ${name}: the buildspec has no ${outputs.length === 1 ? 'artifacts.files' : `artifacts.secondary-artifacts.${name}`}`,
      );
    }
    return [name, set];
  });
};

const commandLine = (record: CommandRecord): string =>
  `${record.phase}${record.block === 'finally' ? ' finally' : ''}: ${record.command} → ${
    record.exitCode !== null
      ? `exit ${record.exitCode}`
      : `${record.status}${record.reason ? ` (${record.reason})` : ''}`
  }${record.durationMs >= 100 ? ` (${(record.durationMs / 1000).toFixed(1)} s)` : ''}`;

/** A one-line account of the commands: how many ran, were skipped, failed. */
const commandSummary = (commands: CommandRecord[]): string => {
  const count = (status: CommandRecord['status']) => commands.filter((c) => c.status === status).length;
  return [
    `${count('succeeded') + count('failed')} commands ran`,
    count('failed') > 0 && `${count('failed')} failed`,
    count('skipped') > 0 && `${count('skipped')} skipped (skip list)`,
    count('not-run') > 0 && `${count('not-run')} not run`,
  ]
    .filter(Boolean)
    .join(', ');
};

/**
 * A CodeBuild action (Build or Test category): the project's buildspec from the input artifact, run verbatim with
 * CodeBuild's semantics in a temporary CODEBUILD_SRC_DIR against the local cloud; its artifacts zipped into the
 * artifact bucket, its exported variables the action's output variables.
 */
export const codeBuildAction: ActionRunner = async (input, environment) => {
  const { action, configuration } = input;
  const project = projectOf(environment.pipeline, action);
  const workRoot = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-codebuild-'));
  await mkdir(environment.logDir, { recursive: true });
  const logFile = path.join(environment.logDir, `${action.stage}.${action.name}.log`);
  const log = createWriteStream(logFile);
  const role = serviceRoleOf(project, environment);
  try {
    log.write(containerLine(role.line));
    environment.progress.step(`${action.name} ${role.line}`);
    const downloaded = await downloadSources(input, role.s3, workRoot).catch((error: Error) => error);
    if (downloaded instanceof Error) {
      // CodeBuild's DOWNLOAD_SOURCE phase fails the build before any command, as the role that could not read.
      const failure = `DOWNLOAD_SOURCE: CLIENT_ERROR: ${downloaded.name}: ${downloaded.message}`;
      log.write(containerLine(`Phase complete: DOWNLOAD_SOURCE State: FAILED: ${failure}`));
      return {
        status: 'Failed',
        summary: `${project.buildSpec.includes('\n') ? 'inline buildspec' : project.buildSpec} (${project.name}): FAILED`,
        detail: [failure, role.line, `log: ${logFile}`].join('\n'),
        differences: role.differences,
        logFile,
        ...(role.roleArn ? { runAs: role.roleArn } : {}),
      };
    }
    const { primary, sourceDir, secondary } = downloaded;
    const buildspec = await readProjectBuildspec(project, sourceDir);
    const variables = {
      buildspec: buildspec.env?.variables ?? {},
      project: projectVariables(project),
      action: actionVariables(configuration, `${action.name} configuration EnvironmentVariables`),
    };
    const region = environment.release.connection.environment().AWS_REGION ?? 'us-east-1';
    const reports = (sourceDir: string, build?: BuildResult) =>
      testReports({ buildspec, environment, action: input.action, project, region, sourceDir, build, log });
    const buildId = `${project.name}:${randomUUID()}`;
    const codebuild: Record<string, string> = {
      CODEBUILD_BUILD_ARN: `arn:aws:codebuild:${region}:${ACCOUNT}:build/${buildId}`,
      CODEBUILD_BUILD_ID: buildId,
      CODEBUILD_BUILD_IMAGE: project.image,
      CODEBUILD_BUILD_NUMBER: String(await nextBuildNumber(environment.stateDir, project.name)),
      CODEBUILD_BUILD_SUCCEEDING: '1',
      CODEBUILD_INITIATOR: `codepipeline/${environment.pipeline.name}`,
      CODEBUILD_KMS_KEY_ID: `arn:aws:kms:${region}:${ACCOUNT}:alias/aws/s3`,
      CODEBUILD_LOG_PATH: buildId.split(':')[1]!,
      CODEBUILD_SOURCE_VERSION: `arn:aws:s3:::${primary.bucket}/${primary.key}`,
      CODEBUILD_SRC_DIR: sourceDir,
      CODEBUILD_START_TIME: String(Date.now()),
      ...(primary.revision !== undefined ? { CODEBUILD_RESOLVED_SOURCE_VERSION: primary.revision } : {}),
      ...secondary,
    };
    const buildEnv = buildEnvironment({
      image: imageEnvironment(process.env, environment.repoRoot),
      // The service role's credentials (issued by the local cloud), never the caller's AWS_* variables.
      role: role.environment,
      ...variables,
      codebuild,
    });
    const result = await runBuild({
      buildspec,
      sourceDir,
      environment: buildEnv,
      skipList: environment.skipList,
      checkout: environment.repoRoot,
      timeoutMs: project.timeoutInMinutes * 60_000,
      workDir: await mkdtemp(path.join(workRoot, 'session-')),
      log: (text) => log.write(text),
      onCommand: (record) => {
        const report =
          record.status === 'failed'
            ? environment.progress.fail
            : record.status === 'succeeded'
              ? environment.progress.done
              : environment.progress.step;
        report(`${action.name} ${commandLine(record)}`);
      },
    });
    const uploaded = await uploadArtifacts(result, buildspec, input, environment, role.s3, sourceDir, log);
    const collected = await reports(sourceDir, result);
    const ok = result.status === 'SUCCEEDED' && uploaded.ok;
    const summary = `${project.buildSpec} (${project.name}): ${result.status === 'SUCCEEDED' && !uploaded.ok ? 'FAILED' : result.status}; ${commandSummary(result.commands)}`;
    const failure = result.failure ?? uploaded.failure;
    return {
      status: ok ? 'Succeeded' : 'Failed',
      summary,
      detail: [
        ...(failure ? [failure] : []),
        ...result.commands.map(commandLine),
        ...uploaded.lines,
        ...collected.map(reportLine),
        `log: ${logFile}`,
      ].join('\n'),
      commands: result.commands,
      ...(collected.length > 0 ? { reports: collected } : {}),
      outputArtifacts: uploaded.artifacts,
      outputVariables: result.exportedVariables,
      differences: [...role.differences, ...result.differences],
      logFile,
      ...(role.roleArn ? { runAs: role.roleArn } : {}),
    };
  } finally {
    await new Promise((resolve) => log.end(resolve));
    await rm(workRoot, { recursive: true, force: true });
  }
};

/** One line per test report for the action's detail. */
export const reportLine = (report: TestReportRecord): string =>
  `report ${report.reportGroupName}: ${report.status}${
    report.status === 'INCOMPLETE'
      ? ` (${report.reason ?? 'no test cases'})`
      : `, ${report.summary.total} test cases, ${report.summary.statusCounts.FAILED + report.summary.statusCounts.ERROR} failed`
  }`;

/**
 * The buildspec's `reports` after the build, as CodeBuild collects them (never changing the build's status); the
 * files are copied beside the release report, under `<Stage>.<Action>.reports/`.
 */
const testReports = async (options: {
  buildspec: Buildspec;
  environment: ActionEnvironment;
  action: ActionInput['action'];
  project: CodeBuildProject;
  region: string;
  sourceDir: string;
  build?: BuildResult;
  log: NodeJS.WritableStream;
}): Promise<TestReportRecord[]> => {
  const { buildspec, environment, action, build, log } = options;
  if (buildspec.reports === undefined) return [];
  const incomplete =
    build === undefined || build.uploadArtifacts
      ? undefined
      : build.status === 'TIMED_OUT'
        ? 'the build timed out before its reports were collected'
        : `the build ended before UPLOAD_ARTIFACTS (${build.failure ?? 'an earlier phase failed'})`;
  const { records, lines } = await collectReports({
    reports: buildspec.reports,
    ...(build?.reportGroupNames ? { expandedNames: build.reportGroupNames } : {}),
    sourceDir: options.sourceDir,
    outDir: path.join(environment.logDir, `${action.stage}.${action.name}.reports`),
    // Action logs live in a folder beside the report (ActionEnvironment.logDir).
    reportDir: path.dirname(environment.logDir),
    projectName: options.project.name,
    region: options.region,
    account: ACCOUNT,
    ...(environment.pipeline.reportGroups ? { declaredGroups: environment.pipeline.reportGroups } : {}),
    ...(incomplete !== undefined ? { incomplete } : {}),
  });
  for (const line of lines) log.write(containerLine(line));
  return records;
};

/** UPLOAD_ARTIFACTS: each output artifact's files zipped into the artifact bucket (attempted after a failed build). */
const uploadArtifacts = async (
  result: BuildResult,
  buildspec: Buildspec,
  { action }: ActionInput,
  environment: ActionEnvironment,
  s3: S3Client,
  sourceDir: string,
  log: NodeJS.WritableStream,
): Promise<{ ok: boolean; artifacts: Record<string, PipelineArtifact>; lines: string[]; failure?: string }> => {
  const artifacts: Record<string, PipelineArtifact> = {};
  const lines: string[] = [];
  if (!result.uploadArtifacts || action.outputArtifacts.length === 0) return { ok: true, artifacts, lines };
  log.write(containerLine('Entering phase UPLOAD_ARTIFACTS'));
  try {
    for (const [name, set] of artifactSets(buildspec, action.outputArtifacts)) {
      const entries = await selectArtifactFiles(set, sourceDir);
      const zip = await zipArtifact(entries, { symlinks: set['enable-symlinks'] === true });
      artifacts[name] = await putArtifact(environment, s3, name, zip);
      lines.push(
        `artifact ${name}${result.artifactName ? ` (name ${result.artifactName})` : ''}: ${entries.length} files, ${zip.length} bytes → s3://${artifacts[name].bucket}/${artifacts[name].key}`,
      );
    }
    log.write(containerLine('Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED'));
    return { ok: true, artifacts, lines };
  } catch (error) {
    const failure = `UPLOAD_ARTIFACTS: CLIENT_ERROR: ${(error as Error).message}`;
    log.write(containerLine(`Phase complete: UPLOAD_ARTIFACTS State: FAILED: ${failure}`));
    return { ok: false, artifacts: {}, lines, failure };
  }
};
