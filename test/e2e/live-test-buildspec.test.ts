// The live-test lines of both buildspecs, run verbatim by the local CodeBuild's runner against a local cloud with the
// Glue ETL test stack deployed: build.yml's upload lines publish the job files, live-test.yml's CLI line live-tests the
// stack with the AutomatedLiveTest action's EnvironmentVariables resolved from the stack outputs (the DeployTest
// namespace). Any non-zero exit fails here, as it fails the action on CodeBuild.
import { CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createAwsBackend,
  loadValidationRules,
  parseGlueEtlStackOutputs,
  runLiveTest,
  type ValidationRules,
} from '@glue-cd/live-test';
import {
  ActionEnvironmentVariablesSchema,
  buildEnvironment,
  ensureBucket,
  imageEnvironment,
  localSkipList,
  parseBuildspec,
  plaintextVariables,
  projectOf,
  readPipelineDefinition,
  resolveConfiguration,
  runBuild,
  startReleaseCloud,
  type BuildResult,
  type Buildspec,
  type CloudFormationTemplate,
  type ReleaseCloud,
} from '@glue-cd/release';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, type Tags } from 'yaml';
import { packageStage, workloadBoundaryTemplate } from '../../services/glue-etl/test/cloudformation';
import { REPO_ROOT } from './harness';

// sls package of the Glue ETL service plus three CLI runs (each a ts-node start) on a shared machine.
jest.setTimeout(600_000);

const STACK = 'glue-cd-glue-etl-test';
const DEPLOYMENT_BUCKETS = ['glue-cd-deployments-test', 'glue-cd-deployments-prod'];
const LIVE_TEST_CLI = 'packages/live-test/src/cli.ts';
const SAMPLE = path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

// The source is the checkout linked into a temp folder: its installed node_modules stand for `pnpm install`, and what
// the commands write (the CLI's JUnit report) lands in the temp folder, never in the checkout.
// The test's own rule comes first (the first matching rule wins): no install stand-in may write into the linked checkout.
const SKIP_LIST = [
  { command: 'pnpm install --frozen-lockfile', reason: 'the source links the checkout: its installed node_modules' },
  ...localSkipList(),
];

/** CloudFormation's short-form tags, read into their long form (serverless.yml's resources are CloudFormation). */
const CFN_TAGS: Tags = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }) },
  { tag: '!ImportValue', resolve: (value: string) => ({ 'Fn::ImportValue': value }) },
] as Tags;

const readBuildspec = async (name: string): Promise<Buildspec> =>
  parseBuildspec(await readFile(path.join(REPO_ROOT, name), 'utf8'), name);

let workDir: string;
let sourceDir: string;
let release: ReleaseCloud;
let outputs: Record<string, string>;

/** Runs the buildspec's commands as the local CodeBuild does, in the checkout, with the action's variables. */
const build = async (
  buildspec: Buildspec,
  action: Record<string, string> = {},
): Promise<BuildResult & { log: string }> => {
  let log = '';
  const result = await runBuild({
    buildspec,
    sourceDir,
    environment: buildEnvironment({
      image: imageEnvironment(process.env, REPO_ROOT),
      role: release.cloud.environment(),
      buildspec: buildspec.env?.variables ?? {},
      project: {},
      action,
      codebuild: { CODEBUILD_SRC_DIR: sourceDir },
    }),
    skipList: SKIP_LIST,
    timeoutMs: 300_000,
    workDir: await mkdtemp(path.join(workDir, 'session-')),
    log: (text) => (log += text),
  });
  return { ...result, log };
};

/** The commands of a buildspec that ran, with their exit codes (null: skipped). */
const exits = (result: BuildResult) => result.commands.map((c) => [c.phase, c.command, c.exitCode]);

/** AutomatedLiveTest's EnvironmentVariables, `#{DeployTest.…}` resolved from the stack outputs, and its buildspec. */
const automatedLiveTest = async (): Promise<{ buildspec: Buildspec; variables: Record<string, string> }> => {
  const serverless = parse(await readFile(path.join(REPO_ROOT, 'serverless.yml'), 'utf8'), {
    customTags: CFN_TAGS,
  }) as {
    resources: (Partial<CloudFormationTemplate> | string)[];
  };
  // The literal resource blocks (the `${file(…)}` one holds the roles): the pipeline and its CodeBuild projects.
  const blocks = serverless.resources.filter((block) => typeof block === 'object');
  const pipeline = readPipelineDefinition({ Resources: Object.assign({}, ...blocks.map((block) => block.Resources)) });
  const action = pipeline.stages.flatMap((stage) => stage.actions).find((a) => a.name === 'AutomatedLiveTest')!;
  const configuration = resolveConfiguration(action.configuration, { DeployTest: outputs }, action.name);
  const variables = ActionEnvironmentVariablesSchema.parse(JSON.parse(configuration.EnvironmentVariables as string));
  return {
    buildspec: await readBuildspec(projectOf(pipeline, action).buildSpec),
    variables: plaintextVariables(variables, 'AutomatedLiveTest EnvironmentVariables'),
  };
};

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-live-test-buildspec-'));
  sourceDir = path.join(workDir, 'src');
  await mkdir(sourceDir);
  for (const entry of await readdir(REPO_ROOT)) {
    if (entry !== 'reports' && entry !== '.git')
      await symlink(path.join(REPO_ROOT, entry), path.join(sourceDir, entry));
  }
  const [template, cloud] = await Promise.all([
    packageStage('test', path.join(workDir, 'package'), DEPLOYMENT_BUCKETS[0]!),
    startReleaseCloud({ stateDir: path.join(workDir, 'cloud') }),
  ]);
  release = cloud;
  for (const bucket of DEPLOYMENT_BUCKETS) await ensureBucket(release.clients, bucket);

  // build.yml's lines from the content version on: the Build action publishing the job files the stack runs.
  const buildYml = await readBuildspec('buildspecs/build.yml');
  const commands = buildYml.phases!.build!.commands!;
  const from = commands.findIndex((c) => c.startsWith('export GLUE_JOBS_VERSION='));
  const upload = await build({ version: 0.2, phases: { build: { commands: commands.slice(from) } } });
  expect(exits(upload)).toEqual(commands.slice(from).map((command) => ['build', command, 0]));

  // The boundary of the stack's roles, as the orchestrator stack creates it: the crawls and the job act as those roles.
  await release.clients.cloudFormation.send(
    new CreateStackCommand({
      StackName: 'glue-cd-workload-boundary-test',
      TemplateBody: JSON.stringify(workloadBoundaryTemplate('test')),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await release.cloudFormation.waitForIdle();
  await release.clients.cloudFormation.send(
    new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify(template),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  await release.cloudFormation.waitForIdle();
  const { Stacks } = await release.clients.cloudFormation.send(new DescribeStacksCommand({ StackName: STACK }));
  expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
  outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
});

afterAll(async () => {
  await release?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('buildspecs/live-test.yml passes against the deployed test stack, every command exiting 0', async () => {
  const { buildspec, variables } = await automatedLiveTest();
  expect(Object.keys(variables)).toContain('ATHENA_WORKGROUP_NAME');

  const result = await build(buildspec, variables);

  expect(result.failure).toBeUndefined();
  expect(result.status).toBe('SUCCEEDED');
  const lines = (['install', 'build'] as const).flatMap((phase) => buildspec.phases?.[phase]?.commands ?? []);
  expect(lines).toContainEqual(expect.stringContaining(LIVE_TEST_CLI));
  expect(exits(result)).toEqual(
    lines.map((command) => [
      buildspec.phases?.install?.commands?.includes(command) ? 'install' : 'build',
      command,
      SKIP_LIST.some((rule) =>
        typeof rule.command === 'string' ? rule.command === command : rule.command.test(command),
      )
        ? null
        : 0,
    ]),
  );
  expect(result.log).toMatch(/Live test PASSED: (\d+)\/\1 checks passed/);
  expect(result.log).toContain('records: raw 7500, transformed 7500, rejected 0');
  expect(result.log).toContain(`seeded s3://${outputs.RawBucketName}/nyc-taxi/yellow_tripdata/`);
  // The CLI's JUnit file for the buildspec's reports section, written in the source folder (not the checkout).
  const reports = buildspec.reports?.checks;
  expect(reports).toMatchObject({ 'file-format': 'JUNITXML' });
  const junit = await readFile(path.join(sourceDir, reports!['base-directory']!, reports!.files![0]!), 'utf8');
  expect(junit).toContain('classname="glue-cd.live-test"');
  expect(junit).not.toContain('<failure');
});

test('a flag the CLI does not take fails the build with exit 2 (as it would fail AutomatedLiveTest on CodeBuild)', async () => {
  const { buildspec, variables } = await automatedLiveTest();
  const commands = buildspec.phases!.build!.commands!.map((c) =>
    c.includes(LIVE_TEST_CLI) ? `${c} --backend aws` : c,
  );

  const result = await build({ ...buildspec, phases: { build: { commands } } }, variables);

  expect(result.status).toBe('FAILED');
  expect(result.commands.find((c) => c.command.includes(LIVE_TEST_CLI))?.exitCode).toBe(2);
  expect(result.log).toContain("Unknown option '--backend'");
});

describe('the SDK backend on the local cloud reports failing checks with their numbers', () => {
  const liveTest = async (validation: ValidationRules) =>
    runLiveTest({
      backend: createAwsBackend({
        glue: new GlueClient(clientConfig()),
        athena: new AthenaClient(clientConfig()),
        s3: release.clients.s3,
        workGroup: outputs.AthenaWorkGroupName!,
        pollIntervalMs: 20,
      }),
      outputs: parseGlueEtlStackOutputs(outputs),
      validation,
      seed: { sampleFile: SAMPLE, s3: release.clients.s3 },
    });
  const clientConfig = () => ({
    endpoint: release.cloud.endpoint,
    region: 'us-east-1',
    // The operator's key (the account root), as the release's own clients sign.
    credentials: {
      accessKeyId: release.cloud.environment().AWS_ACCESS_KEY_ID!,
      secretAccessKey: release.cloud.environment().AWS_SECRET_ACCESS_KEY!,
    },
  });

  test('a stricter valueRange rule fails, naming the rule and the counts', async () => {
    const validation = await loadValidationRules(path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/validation.yaml'));
    const text = await readFile(SAMPLE, 'utf8');
    const [header, ...rows] = text.split(/\r?\n/).filter((line) => line.length > 0);
    const column = header!.split(',').indexOf('fare_amount');
    const fares = rows.map((row) => Number(row.split(',')[column]));
    const outside = fares.filter((fare) => fare < 0 || fare > 100).length;
    expect(outside).toBeGreaterThan(0);

    const report = await liveTest({ ...validation, valueRanges: [{ column: 'fare_amount', min: 0, max: 100 }] });

    expect(report.passed).toBe(false);
    expect(report.checks.filter((check) => !check.passed)).toEqual([
      {
        rule: 'valueRange fare_amount [0, 100]',
        passed: false,
        expected: 'every fare_amount value in [0, 100]',
        actual: `${outside} of ${rows.length} outside; observed min ${Math.min(...fares)}, max ${Math.max(...fares)}`,
        detail: `${outside} of ${rows.length} fare_amount values outside [0, 100] (observed min ${Math.min(...fares)}, max ${Math.max(...fares)})`,
      },
    ]);
  });

  test('a file an earlier run left in the raw prefix fails seededRecordsCrawled, and only it', async () => {
    const validation = await loadValidationRules(path.join(REPO_ROOT, 'glue-jobs/nyc-taxi/validation.yaml'));
    const leftover = {
      Bucket: outputs.RawBucketName!,
      Key: 'nyc-taxi/yellow_tripdata/yellow_tripdata_earlier_run.csv',
    };
    await release.clients.s3.send(new PutObjectCommand({ ...leftover, Body: await readFile(SAMPLE) }));
    try {
      const report = await liveTest(validation);

      expect(report.counts).toEqual({ seeded: 7500, raw: 15000, transformed: 15000, rejected: 0 });
      expect(report.checks.filter((check) => !check.passed).map((check) => check.rule)).toEqual([
        'seededRecordsCrawled',
      ]);
    } finally {
      await release.clients.s3.send(new DeleteObjectCommand(leftover));
    }
  });
});
