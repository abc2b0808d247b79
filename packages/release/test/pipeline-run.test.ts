import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ensureBucket,
  readPipelineDefinition,
  runPipeline,
  silentProgress,
  startReleaseCloud,
  type ActionEnvironment,
  type Approver,
  type PipelineArtifact,
  type PipelineRun,
  type RunPipelineOptions,
  type ReleaseCloud,
} from '../src';

// A small pipeline on the local cloud, read from a template as CodePipeline reads it: a git Source, a CodeBuild
// Build running a buildspec from the source, a CodeBuild Test with two input artifacts and an inline buildspec, and
// approvals whose CustomData references the Build's exported variables.

const BUILD_SPEC = `version: 0.2
env:
  variables: { GREETING: hello }
  exported-variables: [VERSION, SEEN_COMMIT]
phases:
  build:
    commands:
      - mkdir -p out/nested && echo "$GREETING $FROM_PROJECT" > out/nested/greeting.txt
      - export VERSION=v1-$(cat version.txt)
      - export SEEN_COMMIT=$COMMIT
      - test "$CODEBUILD_RESOLVED_SOURCE_VERSION" = "$COMMIT"
      - test "$CODEBUILD_SRC_DIR" = "$PWD" && test -z "$AWS_PROFILE"
      - test "$CODEBUILD_INITIATOR" = codepipeline/fixture-pipeline
      - test ! -e ignored.txt && test -f .gitignore
artifacts:
  base-directory: out
  files: ['**/*']
  discard-paths: yes
`;

// The check also writes a JUnit report of its version check, before the check that may fail: the report group
// fixture-check-checks is collected after the build whatever the build's outcome.
const CHECK_SPEC = `version: 0.2
phases:
  build:
    commands:
      - test "$(cat greeting.txt)" = "hello from-project"
      - test -f "$CODEBUILD_SRC_DIR_SourceOutput/version.txt"
      - mkdir -p test-out && if [ "$VERSION" = "$EXPECTED_VERSION" ]; then r=''; else r='<failure message="version differs"/>'; fi && printf '<testsuites><testsuite name="fixture"><testcase classname="fixture.check" name="version" time="0.25">%s</testcase></testsuite></testsuites>' "$r" > test-out/junit.xml
      - test "$VERSION" = "$EXPECTED_VERSION"
reports:
  checks:
    files: [junit.xml]
    base-directory: test-out
`;

const action = (name: string, runOrder: number, type: string, rest: Record<string, unknown>) => {
  const [Category, Provider] = type.split('/');
  return { Name: name, RunOrder: runOrder, ActionTypeId: { Category, Owner: 'AWS', Provider, Version: '1' }, ...rest };
};

const template = (checks: Record<string, unknown>[]) => ({
  Resources: {
    BuildProject: {
      Type: 'AWS::CodeBuild::Project',
      Properties: {
        Name: 'fixture-build',
        Source: { Type: 'CODEPIPELINE', BuildSpec: 'ci/build.yml' },
        Environment: {
          Image: 'aws/codebuild/standard:7.0',
          EnvironmentVariables: [{ Name: 'FROM_PROJECT', Value: 'from-project' }],
        },
        TimeoutInMinutes: 5,
      },
    },
    CheckProject: {
      Type: 'AWS::CodeBuild::Project',
      Properties: { Name: 'fixture-check', Source: { Type: 'CODEPIPELINE', BuildSpec: CHECK_SPEC } },
    },
    CheckReports: { Type: 'AWS::CodeBuild::ReportGroup', Properties: { Name: 'fixture-check-checks', Type: 'TEST' } },
    Pipeline: {
      Type: 'AWS::CodePipeline::Pipeline',
      Properties: {
        Name: 'fixture-pipeline',
        Stages: [
          {
            Name: 'Source',
            Actions: [
              action('Source', 1, 'Source/CodeStarSourceConnection', {
                Configuration: {
                  BranchName: 'main',
                  FullRepositoryId: 'acme/fixture',
                  ConnectionArn: { Ref: 'Connection' },
                },
                OutputArtifacts: [{ Name: 'SourceOutput' }],
                Namespace: 'SourceVariables',
              }),
            ],
          },
          {
            Name: 'Build',
            Actions: [
              action('Build', 1, 'Build/CodeBuild', {
                Configuration: {
                  ProjectName: { Ref: 'BuildProject' },
                  EnvironmentVariables: '[{"name":"COMMIT","value":"#{SourceVariables.CommitId}","type":"PLAINTEXT"}]',
                },
                InputArtifacts: [{ Name: 'SourceOutput' }],
                OutputArtifacts: [{ Name: 'BuildOutput' }],
                Namespace: 'BuildVariables',
              }),
            ],
          },
          { Name: 'Check', Actions: checks },
        ],
      },
    },
  },
});

const check = (expectedVersion: string) =>
  action('Check', 1, 'Test/CodeBuild', {
    Configuration: {
      ProjectName: { Ref: 'CheckProject' },
      PrimarySource: 'BuildOutput',
      EnvironmentVariables: JSON.stringify([
        { name: 'VERSION', value: '#{BuildVariables.VERSION}' },
        { name: 'EXPECTED_VERSION', value: expectedVersion },
      ]),
    },
    InputArtifacts: [{ Name: 'SourceOutput' }, { Name: 'BuildOutput' }],
  });

const approval = (name: string, runOrder: number, customData: string) =>
  action(name, runOrder, 'Approval/Manual', { Configuration: { CustomData: customData } });

let work: string;
let repo: string;
let release: ReleaseCloud;
let commit: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-pipeline-run-'));
  repo = path.join(work, 'repo');
  await mkdir(path.join(repo, 'ci'), { recursive: true });
  await writeFile(path.join(repo, 'ci/build.yml'), BUILD_SPEC);
  await writeFile(path.join(repo, 'version.txt'), '7');
  await writeFile(path.join(repo, '.gitignore'), 'ignored.txt\n');
  await writeFile(path.join(repo, 'ignored.txt'), 'not in CODE_ZIP');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'fixture');
  commit = git('rev-parse', 'HEAD').trim();
  release = await startReleaseCloud({ stateDir: path.join(work, 'state') });
  await ensureBucket(release.clients, 'fixture-artifacts');
});

afterAll(async () => {
  await release?.close();
  await rm(work, { recursive: true, force: true });
});

const run = async (
  checks: Record<string, unknown>[],
  approver: Approver,
  sourceEdits: Record<string, string> = {},
  onlyAction?: string,
  options: RunPipelineOptions = {},
): Promise<PipelineRun> => {
  const environment: ActionEnvironment = {
    release,
    delivery: { stage: 'fixture', deployments: [], exports: {}, stateMachineArn: '', triggerFunctionName: '' },
    pipeline: readPipelineDefinition(template(checks)),
    repoRoot: repo,
    stateDir: path.join(work, 'state'),
    artifactBucket: 'fixture-artifacts',
    pipelineExecutionId: 'execution-1',
    approver,
    progress: silentProgress,
    logDir: path.join(work, 'logs'),
    skipList: [],
    sourceEdits,
    pollIntervalMs: 10,
  };
  const target = environment.pipeline.stages.flatMap((stage) => stage.actions).find((a) => a.name === onlyAction);
  return runPipeline(environment, undefined, {
    ...options,
    ...(target ? { only: { action: target, skipReason: 'not the target' } } : {}),
  });
};

const statuses = (result: PipelineRun) => result.records.map((r) => `${r.action}:${r.status}`);

test('each action reads its declared inputs and the variables of the actions before it', async () => {
  const questions: string[] = [];
  const result = await run(
    [check('v1-7'), approval('Approve', 2, 'Ship #{BuildVariables.VERSION} of #{SourceVariables.CommitId}?')],
    async (q) => {
      questions.push(q);
      return true;
    },
  );
  expect(statuses(result)).toEqual(['Source:Succeeded', 'Build:Succeeded', 'Check:Succeeded', 'Approve:Succeeded']);
  expect(result.namespaces.BuildVariables).toEqual({ VERSION: 'v1-7', SEEN_COMMIT: commit });
  expect(result.namespaces.SourceVariables).toMatchObject({
    CommitId: commit,
    BranchName: 'main',
    FullRepositoryName: 'acme/fixture',
  });
  expect(questions).toEqual([`Approve: Ship v1-7 of ${commit}?`]);
  const build = result.records.find((r) => r.action === 'Build')!;
  expect(build.commands?.map((c) => c.exitCode)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  expect(build.detail).toMatch(/artifact BuildOutput: 1 files/);
  const checked = result.records.find((r) => r.action === 'Check')!;
  expect(checked.commands?.every((c) => c.exitCode === 0)).toBe(true);
  // The buildspec's report group: CodeBuild's name for it, the template's group, the file copied beside the report.
  expect(checked.reports).toEqual([
    {
      reportGroup: 'checks',
      reportGroupName: 'fixture-check-checks',
      reportGroupArn: 'arn:aws:codebuild:us-east-1:000000000000:report-group/fixture-check-checks',
      declaredAs: 'CheckReports',
      type: 'TEST',
      fileFormat: 'JUNITXML',
      status: 'SUCCEEDED',
      files: [{ source: 'junit.xml', path: 'logs/Check.Check.reports/fixture-check-checks/junit.xml' }],
      summary: {
        total: 1,
        statusCounts: { SUCCEEDED: 1, FAILED: 0, ERROR: 0, SKIPPED: 0, UNKNOWN: 0 },
        durationMs: 250,
      },
      testCases: [{ suite: 'fixture', prefix: 'fixture.check', name: 'version', status: 'SUCCEEDED', durationMs: 250 }],
    },
  ]);
  expect(await readFile(path.join(work, checked.reports![0]!.files[0]!.path), 'utf8')).toContain('name="version"');
  expect(checked.detail).toContain('report fixture-check-checks: SUCCEEDED, 1 test cases, 0 failed');
  expect(await readFile(checked.logFile!, 'utf8')).toMatch(
    /Preparing to copy TEST report arn:aws:codebuild:.*fixture-check-checks\n/,
  );
});

test('the Source artifact is the working tree, with edits, without ignored files', async () => {
  const result = await run([check('v1-8'), approval('Approve', 2, 'ok')], async () => true, { 'version.txt': '8' });
  expect(statuses(result)).toEqual(['Source:Succeeded', 'Build:Succeeded', 'Check:Succeeded', 'Approve:Succeeded']);
  expect(result.namespaces.BuildVariables?.VERSION).toBe('v1-8');
  expect(result.differences).toContainEqual({
    action: 'Source',
    difference: `1 file(s) differ from CommitId ${commit.slice(0, 12)}: they are released as they are`,
  });
});

test('an unresolvable #{…} fails its action, naming it; later actions are skipped', async () => {
  const result = await run(
    [approval('Approve', 1, 'version #{BuildVariables.VERSON}'), approval('Later', 2, 'never asked')],
    async () => true,
  );
  expect(statuses(result)).toEqual(['Source:Succeeded', 'Build:Succeeded', 'Approve:Failed', 'Later:Skipped']);
  expect(result.records[2]!.detail).toBe(
    'VariableResolutionError: Check/Approve configuration CustomData cannot be resolved: #{BuildVariables.VERSON}: namespace BuildVariables has no variable VERSON (it has: SEEN_COMMIT, VERSION)',
  );
});

test('a failing command fails its action, and the record says which', async () => {
  const result = await run([check('v1-0')], async () => true);
  expect(statuses(result)).toEqual(['Source:Succeeded', 'Build:Succeeded', 'Check:Failed']);
  const failed = result.records[2]!;
  expect(failed.commands?.map((c) => c.exitCode)).toEqual([0, 0, 0, 1]);
  expect(failed.detail).toMatch(
    /Error while executing command: test "\$VERSION" = "\$EXPECTED_VERSION". Reason: exit status 1/,
  );
  // Reports are collected after a failed build too; a failed report is the report's status, the build's is its own.
  expect(failed.reports?.map((r) => [r.status, r.testCases.map((c) => [c.status, c.message])])).toEqual([
    ['FAILED', [['FAILED', 'version differs']]],
  ]);
});

test('actions of the same RunOrder start together', async () => {
  const asked: string[] = [];
  let release2: () => void = () => undefined;
  const bothAsked = new Promise<void>((resolve) => (release2 = resolve));
  const result = await run([approval('Left', 1, 'left'), approval('Right', 1, 'right')], async (question) => {
    asked.push(question);
    if (asked.length === 2) release2();
    // Sequential runs would leave the first approval waiting for a question that is never asked.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([bothAsked, new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
    clearTimeout(timer);
    return asked.length === 2;
  });
  expect(statuses(result)).toEqual(['Source:Succeeded', 'Build:Succeeded', 'Left:Succeeded', 'Right:Succeeded']);
});

test('run up to one action: earlier stages, then that action alone; the rest recorded Skipped in order', async () => {
  const asked: string[] = [];
  const result = await run(
    [approval('Left', 1, 'left'), approval('Target', 1, 'target'), approval('Later', 2, 'later')],
    async (question) => (asked.push(question), true),
    {},
    'Target',
  );
  expect(statuses(result)).toEqual([
    'Source:Succeeded',
    'Build:Succeeded',
    'Left:Skipped',
    'Target:Succeeded',
    'Later:Skipped',
  ]);
  expect(asked).toEqual(['Target: target']);
  expect(result.records.find((r) => r.action === 'Later')?.detail).toBe('not the target');
});

test('a stage that ends the run: the later stages do not start, their actions are Skipped with its reason', async () => {
  const asked: string[] = [];
  const seen: { stage: string; artifacts: PipelineArtifact[] }[] = [];
  const afterStage = async (stage: string, artifacts: ReadonlyMap<string, PipelineArtifact>) => {
    seen.push({ stage, artifacts: [...artifacts.values()] });
    return stage === 'Source' ? 'nothing to release' : undefined;
  };
  const result = await run([approval('Approve', 1, 'ok')], async (q) => (asked.push(q), true), {}, undefined, {
    afterStage,
  });
  expect(statuses(result)).toEqual(['Source:Succeeded', 'Build:Skipped', 'Approve:Skipped']);
  expect(result.records.slice(1).map((r) => r.detail)).toEqual(['nothing to release', 'nothing to release']);
  expect(asked).toEqual([]);
  // Asked once, after the Source, with its artifact: its SHA-256 is the zip's.
  expect(seen.map((s) => s.stage)).toEqual(['Source']);
  const [source] = seen[0]!.artifacts;
  const zip = await (
    await release.clients.s3.send(new GetObjectCommand({ Bucket: source!.bucket, Key: source!.key }))
  ).Body!.transformToByteArray();
  expect(source!.sha256).toBe(createHash('sha256').update(zip).digest('hex'));
});

test("the Source's SHA-256 names its content: the same tree gives the same digest, an edit another", async () => {
  const digests: string[] = [];
  const afterStage = async (stage: string, artifacts: ReadonlyMap<string, PipelineArtifact>) => {
    digests.push(artifacts.get('SourceOutput')?.sha256 ?? 'none');
    return 'stop';
  };
  for (const edits of [{}, {}, { 'version.txt': '9' }] as Record<string, string>[]) {
    await run([approval('Approve', 1, 'ok')], async () => true, edits, undefined, { afterStage });
  }
  expect(digests[0]).toMatch(/^[0-9a-f]{64}$/);
  expect(digests[1]).toBe(digests[0]);
  expect(digests[2]).not.toBe(digests[0]);
});
