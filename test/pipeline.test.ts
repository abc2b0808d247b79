import {
  parseDeployInput,
  parseUserParameters,
  type DeployInput,
  type PipelineJob,
  type S3Location,
  type UserParameters,
} from '@glue-cd/core';
import { DEFAULT_JUNIT_FILE, OUTPUT_ENVIRONMENT_VARIABLES } from '@glue-cd/live-test';
import { deploymentBucketFor, packageService } from '@glue-cd/release';
import { parseCliOptions } from '../packages/live-test/src/cli';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { zipSync } from 'fflate';
import { buildDeployInput, loadDeployInputDocument } from '../services/pipeline-trigger/src/deploy-input-document';
import { outputVariablesFor } from '../services/pipeline-trigger/src/job-answer';
import { DELIVERY_STAGE, PIPELINE_PARAMS } from './support/packagings';

// The top-level serverless.yml (the AWS delivery pipeline), packaged offline exactly as an operator would package it,
// checked against the deploy input files, the buildspecs and the Glue ETL stack's outputs.

const REPO_ROOT = path.resolve(__dirname, '..');
const STAGE = DELIVERY_STAGE;
const TRIGGER_STACK = `glue-cd-pipeline-trigger-${STAGE}`;

interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}
interface Action {
  Name: string;
  RunOrder?: number;
  ActionTypeId: { Category: string; Owner: string; Provider: string; Version: string };
  Configuration?: Record<string, unknown>;
  InputArtifacts?: { Name: string }[];
  OutputArtifacts?: { Name: string }[];
  Namespace?: string;
}
interface Stage {
  Name: string;
  Actions: Action[];
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Buildspec {
  version: number;
  env?: { variables?: Record<string, string> };
  phases: Record<string, { commands?: string[]; 'runtime-versions'?: Record<string, unknown> }>;
  artifacts?: { files?: string[] };
}

/** `sls package` at the repo root, offline (no AWS_* variables), one packaging of the folder at a time. */
const slsPackage = async (outDir: string, extraArgs: string[] = []): Promise<string> =>
  (
    await packageService({
      repoRoot: REPO_ROOT,
      serviceDir: '.',
      stage: STAGE,
      outDir,
      extraArgs,
      deploymentBucket: deploymentBucketFor(STAGE),
    })
  ).output;

const readTemplate = async (dir: string): Promise<Template> =>
  JSON.parse(await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;

/** Any valid stack outputs, as the action's environment variables: what the CLI needs to parse its options. */
const LIVE_TEST_ENVIRONMENT = Object.fromEntries(
  Object.values(OUTPUT_ENVIRONMENT_VARIABLES).map((variable) => [variable, `value-of-${variable.toLowerCase()}`]),
);

const readBuildspec = async (name: string): Promise<Buildspec> =>
  parseYaml(await readFile(path.join(REPO_ROOT, 'buildspecs', name), 'utf8')) as Buildspec;

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const stagesOf = (template: Template): Stage[] => {
  const pipelines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  expect(pipelines).toHaveLength(1);
  return pipelines[0]!.Properties!.Stages as Stage[];
};

const pipelineOf = (template: Template): Record<string, unknown> =>
  Object.values(template.Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline')!.Properties!;

const actionNamed = (template: Template, name: string): Action => {
  const action = stagesOf(template)
    .flatMap((stage) => stage.Actions)
    .find((a) => a.Name === name);
  if (!action) throw new Error(`no action ${name}`);
  return action;
};

/** Every IAM statement of the template: role policies, managed/inline policies and bucket/topic policies. */
const statementsOf = (template: Template): { owner: string; statement: Statement }[] =>
  Object.entries(template.Resources).flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(properties.Policies as { PolicyDocument: unknown }[] | undefined)) {
        documents.push(policy.PolicyDocument);
      }
    }
    if (/^AWS::(IAM::(Managed)?Policy|S3::BucketPolicy|SNS::TopicPolicy)$/.test(resource.Type)) {
      documents.push(properties.PolicyDocument);
    }
    return documents.flatMap((document) =>
      asArray((document as { Statement: Statement | Statement[] }).Statement).map((statement) => ({
        owner: logicalId,
        statement,
      })),
    );
  });

const BUILD_ARTIFACT = { bucket: 'glue-cd-pipeline-artifacts', key: 'glue-cd-test/BuildOutput/abc123' };

const APPROVED_PLAN = 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.json';

/** The job the trigger gets for an action with these UserParameters, on BuildOutput. */
const jobFor = (userParameters: UserParameters): PipelineJob => ({
  jobId: 'job-1',
  accountId: '123456789012',
  functionName: 'trigger',
  userParameters,
  inputArtifacts: [{ name: 'BuildOutput', ...BUILD_ARTIFACT }],
  artifactCredentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
});

/**
 * What the pipeline trigger starts the deploy with for an action whose UserParameters are {"inputFile": file}: the
 * file read from the BuildOutput zip, its artifactPath expanded and the result validated, all by the trigger's code.
 */
const readDeployInput = async (
  inputFile: string,
  userParameters: UserParameters = { inputFile },
): Promise<{ raw: Record<string, unknown>; input: DeployInput }> => {
  const zip = zipSync({ [inputFile]: new Uint8Array(await readFile(path.join(REPO_ROOT, inputFile))) });
  const job = jobFor(userParameters);
  const readObject = async (location: S3Location): Promise<Uint8Array> => {
    expect(location).toEqual(BUILD_ARTIFACT);
    return zip;
  };
  const raw = (await loadDeployInputDocument(job, readObject)) as Record<string, unknown>;
  return { raw, input: buildDeployInput(raw, job) };
};

// The Build's packaging script: which stages it packages, into which folders (packaged/<stage>/<service name>).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseArguments: packageStagesArguments } = require('../scripts/package-stages.js') as {
  parseArguments: (args: string[], cwd: string) => { service: string; stages: { stage: string; outDir: string }[] };
};

/** The packagings of a buildspec's `node scripts/package-stages.js` commands, with <dir> relative to the repo root. */
const packageCommands = (buildspec: Buildspec): { stage: string; outDir: string }[] =>
  Object.values(buildspec.phases)
    .flatMap((phase) => phase.commands ?? [])
    .flatMap((command) => {
      const words = command.trim().split(/\s+/);
      if (words[0] !== 'node' || words[1] !== 'scripts/package-stages.js') return [];
      return packageStagesArguments(words.slice(2), REPO_ROOT).stages.map(({ stage, outDir }) => ({
        stage,
        outDir: path.relative(REPO_ROOT, outDir).split(path.sep).join('/'),
      }));
    });

/** Whether a CodeBuild artifacts glob (`dir/**\/*`) covers a file path. */
const globCovers = (glob: string, file: string): boolean =>
  glob.endsWith('/**/*') ? file.startsWith(glob.slice(0, -'**/*'.length)) : glob === file;

let workDir: string;
let template: Template;
let packagedFiles: string[];
let overridden: Template;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-pipeline-'));
  const defaults = path.join(workDir, 'defaults');
  const withParams = path.join(workDir, 'params');
  await Promise.all([slsPackage(defaults), slsPackage(withParams, PIPELINE_PARAMS)]);
  template = await readTemplate(defaults);
  packagedFiles = await readdir(defaults);
  overridden = await readTemplate(withParams);
}, 90_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('packaging the pipeline at the repo root', () => {
  it('bundles no workspace code: no functions, no zip next to the template', () => {
    expect(packagedFiles.filter((file) => file.endsWith('.zip'))).toEqual([]);
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toEqual([]);
  });

  it('is a CodePipeline V2 that queues executions, storing artifacts in ArtifactBucket', () => {
    const pipeline = pipelineOf(template);
    expect(pipeline.PipelineType).toBe('V2');
    expect(pipeline.ExecutionMode).toBe('QUEUED');
    expect(pipeline.ArtifactStore).toEqual({ Type: 'S3', Location: { Ref: 'ArtifactBucket' } });
  });

  it('exports PipelineName, ArtifactBucketName and ApprovalTopicArn', () => {
    expect(template.Outputs).toMatchObject({
      PipelineName: { Value: { Ref: 'Pipeline' } },
      ArtifactBucketName: { Value: { Ref: 'ArtifactBucket' } },
      ApprovalTopicArn: { Value: { Ref: 'ApprovalTopic' } },
    });
  });
});

describe('stages and actions', () => {
  const expected: [stage: string, action: string, runOrder: number, category: string, provider: string][] = [
    ['Source', 'Source', 1, 'Source', 'CodeStarSourceConnection'],
    ['Build', 'Build', 1, 'Build', 'CodeBuild'],
    ['LiveTest', 'DeployTestStack', 1, 'Invoke', 'Lambda'],
    ['LiveTest', 'PlanProduction', 1, 'Invoke', 'Lambda'],
    ['LiveTest', 'AutomatedLiveTest', 2, 'Test', 'CodeBuild'],
    ['LiveTest', 'LiveTestApproval', 3, 'Approval', 'Manual'],
    ['LiveTest', 'LiveTestCleanup', 4, 'Invoke', 'Lambda'],
    ['DeployToProduction', 'DeployToProduction', 1, 'Invoke', 'Lambda'],
  ];

  it('runs Source → Build → LiveTest → DeployToProduction with the actions in run order', () => {
    const actual = stagesOf(template).flatMap((stage) =>
      stage.Actions.map((a) => [stage.Name, a.Name, a.RunOrder ?? 1, a.ActionTypeId.Category, a.ActionTypeId.Provider]),
    );
    expect(actual).toEqual(expected);
  });

  it.each([
    ['Source', [], ['SourceOutput']],
    ['Build', ['SourceOutput'], ['BuildOutput']],
    ['DeployTestStack', ['BuildOutput'], []],
    ['PlanProduction', ['BuildOutput'], []],
    ['AutomatedLiveTest', ['SourceOutput'], []],
    ['LiveTestCleanup', ['BuildOutput'], []],
    ['DeployToProduction', ['BuildOutput'], []],
  ])('%s reads %j and writes %j', (name, inputs, outputs) => {
    const action = actionNamed(template, name);
    expect((action.InputArtifacts ?? []).map((a) => a.Name)).toEqual(inputs);
    expect((action.OutputArtifacts ?? []).map((a) => a.Name)).toEqual(outputs);
  });

  it('builds with BuildProject and live-tests with LiveTestProject', () => {
    expect(actionNamed(template, 'Build').Configuration?.ProjectName).toEqual({ Ref: 'BuildProject' });
    expect(actionNamed(template, 'AutomatedLiveTest').Configuration?.ProjectName).toEqual({ Ref: 'LiveTestProject' });
  });

  it('publishes the deploy actions’ variables as DeployTest, PlanProd and DeployProd', () => {
    expect(actionNamed(template, 'DeployTestStack').Namespace).toBe('DeployTest');
    expect(actionNamed(template, 'PlanProduction').Namespace).toBe('PlanProd');
    expect(actionNamed(template, 'DeployToProduction').Namespace).toBe('DeployProd');
  });
});

describe('source settings', () => {
  it('defaults to example-org/glue-cd on main through a connection the stack creates', () => {
    const source = actionNamed(template, 'Source').Configuration!;
    expect(source.FullRepositoryId).toBe('example-org/glue-cd');
    expect(source.BranchName).toBe('main');
    // Decided at package time, so the template has no always-true condition (cfn-lint W8003/E3510).
    expect(source.ConnectionArn).toEqual({ Ref: 'SourceConnection' });
    expect(template.Conditions).toBeUndefined();
    expect(template.Resources.SourceConnection).toMatchObject({
      Type: 'AWS::CodeStarConnections::Connection',
      Properties: { ProviderType: 'GitHub' },
    });
  });

  it('takes the repository, branch and an existing connection from --param', () => {
    const arn = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-2222-3333-4444-555555555555';
    const source = actionNamed(overridden, 'Source').Configuration!;
    expect(source.FullRepositoryId).toBe('acme/glue-etl');
    expect(source.BranchName).toBe('release');
    expect(source.ConnectionArn).toBe(arn);
    expect(overridden.Resources.SourceConnection).toBeUndefined();
    const useConnection = statementsOf(overridden).filter(({ statement }) =>
      asArray(statement.Action).includes('codeconnections:UseConnection'),
    );
    expect(useConnection.map(({ statement }) => statement.Resource)).toEqual([arn]);
    const triggers = pipelineOf(overridden).Triggers as {
      GitConfiguration: { Push: { Branches: { Includes: string[] } }[] };
    }[];
    expect(triggers[0]!.GitConfiguration.Push[0]!.Branches.Includes).toEqual(['release']);
  });
});

describe('Lambda invoke actions drive the pipeline trigger with deploy input files', () => {
  const cases: [
    action: string,
    inputFile: string,
    expected: Partial<DeployInput>,
    parameters?: Omit<UserParameters, 'inputFile'>,
  ][] = [
    [
      'DeployTestStack',
      'deploy/test.json',
      {
        environmentName: 'test',
        stackName: 'glue-cd-glue-etl-test',
        action: 'deploy',
        onUnsafeChange: 'fail',
        onRollbackComplete: 'delete-and-recreate',
      },
    ],
    // One declaration of the prod deploy: the plan is deploy/prod.json's deploy, planned by the trigger.
    [
      'PlanProduction',
      'deploy/prod.json',
      { environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'plan', onUnsafeChange: 'fail' },
      { action: 'plan' },
    ],
    [
      'LiveTestCleanup',
      'deploy/test-cleanup.json',
      { environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'delete' },
    ],
    [
      'DeployToProduction',
      'deploy/prod.json',
      {
        environmentName: 'prod',
        stackName: 'glue-cd-glue-etl-prod',
        action: 'deploy',
        onUnsafeChange: 'fail',
        onRollbackComplete: 'fail',
      },
      { approvedPlan: '#{PlanProd.PlanUrl}' },
    ],
  ];

  it.each(cases)('%s invokes the trigger function by its name (config/delivery-names.js), not an import', (name) => {
    const configuration = actionNamed(template, name).Configuration!;
    expect(configuration.FunctionName).toBe(`${TRIGGER_STACK}-trigger`);
  });

  it.each(cases)(
    '%s passes UserParameters {"inputFile":"%s", …} and the trigger makes a valid deploy input of it',
    async (name, inputFile, expected, parameters = {}) => {
      const userParameters = actionNamed(template, name).Configuration!.UserParameters;
      expect(typeof userParameters).toBe('string');
      // The variables CodePipeline resolves before the trigger sees them.
      const resolved = (userParameters as string).replace('#{PlanProd.PlanUrl}', APPROVED_PLAN);
      const job = jobFor(parseUserParameters(resolved));
      expect(JSON.parse(userParameters as string)).toEqual({ inputFile, ...parameters });
      expect(existsSync(path.join(REPO_ROOT, inputFile))).toBe(true);
      const { input } = await readDeployInput(inputFile, job.userParameters);
      expect(input).toMatchObject(expected);
    },
  );

  it('every Lambda invoke action is one of these, so none deploys without an input file', () => {
    const invokes = stagesOf(template)
      .flatMap((stage) => stage.Actions)
      .filter((a) => a.ActionTypeId.Category === 'Invoke')
      .map((a) => a.Name);
    expect(invokes).toEqual(cases.map(([name]) => name));
  });

  it('the deploy files give the template as the artifactPath shorthand, which expands to the BuildOutput artifact', async () => {
    for (const file of ['deploy/test.json', 'deploy/prod.json']) {
      const { raw, input } = await readDeployInput(file);
      const artifactPath = (raw.template as { artifactPath: string }).artifactPath;
      expect(input.template).toEqual({ artifact: BUILD_ARTIFACT, path: artifactPath });
      expect(input.pipeline).toEqual({ jobId: 'job-1' });
    }
  });

  it('core rejects the shorthand unexpanded, so the expansion is what makes the files valid', async () => {
    const raw = JSON.parse(await readFile(path.join(REPO_ROOT, 'deploy/test.json'), 'utf8')) as unknown;
    expect(() => parseDeployInput(raw)).toThrow(/template/);
  });
});

describe('the build produces what the deploy files point at', () => {
  let build: Buildspec;
  beforeAll(async () => {
    build = await readBuildspec('build.yml');
  });

  it('packages the Glue ETL service once per application stage', () => {
    expect(packageCommands(build)).toEqual([
      { stage: 'test', outDir: 'packaged/test/glue-etl' },
      { stage: 'prod', outDir: 'packaged/prod/glue-etl' },
    ]);
    for (const command of Object.values(build.phases).flatMap((phase) => phase.commands ?? [])) {
      if (/\b(sls package|package-stages)\b/.test(command)) expect(command).toMatch(/ services\/glue-etl /);
    }
  });

  it.each([
    ['deploy/test.json', 'test'],
    ['deploy/prod.json', 'prod'],
  ])('%s names the template that the %s package command writes, inside BuildOutput', async (file, stage) => {
    const { raw, input } = await readDeployInput(file);
    expect(input.environmentName).toBe(stage);
    const outDir = packageCommands(build).find((command) => command.stage === stage)?.outDir;
    expect(outDir).toBeDefined();
    const artifactPath = (raw.template as { artifactPath: string }).artifactPath;
    expect(artifactPath).toBe(`${outDir}/cloudformation-template-update-stack.json`);
    const files = build.artifacts?.files ?? [];
    expect(files.some((glob) => globCovers(glob, artifactPath))).toBe(true);
    expect(files.some((glob) => globCovers(glob, file))).toBe(true);
  });

  it('tests before it packages, on Node 22 with the pinned pnpm', () => {
    const commands = Object.values(build.phases).flatMap((phase) => phase.commands ?? []);
    expect(build.phases.install?.['runtime-versions']).toEqual({ nodejs: 22 });
    expect(commands).toEqual(
      expect.arrayContaining(['npm i -g pnpm@10.34.9', 'pnpm install --frozen-lockfile', 'pnpm test']),
    );
    const firstPackage = commands.findIndex((c) => /\b(sls package|package-stages)\b/.test(c));
    expect(firstPackage).toBeGreaterThan(commands.indexOf('pnpm test'));
  });

  it('uploads glue-jobs/ to each stage’s deployment bucket, where the Glue job reads its script', () => {
    const commands = Object.values(build.phases).flatMap((phase) => phase.commands ?? []);
    expect(commands.filter((command) => command.includes('upload-glue-jobs'))).toEqual([
      'node scripts/run-ts.cjs scripts/upload-glue-jobs.ts --bucket glue-cd-deployments-test --bucket glue-cd-deployments-prod --version "${GLUE_JOBS_VERSION}"',
    ]);
  });

  it('the CodeBuild projects use these buildspecs', () => {
    const spec = (logicalId: string) =>
      (template.Resources[logicalId]!.Properties!.Source as { BuildSpec: string }).BuildSpec;
    expect(spec('BuildProject')).toBe('buildspecs/build.yml');
    expect(spec('LiveTestProject')).toBe('buildspecs/live-test.yml');
  });
});

describe('automated live test', () => {
  // The Glue ETL stack's outputs and the environment variables the live test reads them from.
  const variables: Record<string, string> = {
    RAW_BUCKET_NAME: 'RawBucketName',
    DATA_LAKE_BUCKET_NAME: 'DataLakeBucketName',
    RAW_DATABASE_NAME: 'RawDatabaseName',
    DATA_LAKE_DATABASE_NAME: 'DataLakeDatabaseName',
    RAW_CRAWLER_NAME: 'RawCrawlerName',
    DATA_LAKE_CRAWLER_NAME: 'DataLakeCrawlerName',
    JOB_NAME: 'JobName',
    ATHENA_WORKGROUP_NAME: 'AthenaWorkGroupName',
  };

  it('gets the test stack’s outputs from the DeployTest namespace as environment variables', () => {
    const json = actionNamed(template, 'AutomatedLiveTest').Configuration!.EnvironmentVariables as string;
    const environment = JSON.parse(json) as { name: string; value: string; type: string }[];
    expect(Object.fromEntries(environment.map((v) => [v.name, v.value]))).toEqual(
      Object.fromEntries(Object.entries(variables).map(([name, output]) => [name, `#{DeployTest.${output}}`])),
    );
    expect(new Set(environment.map((v) => v.type))).toEqual(new Set(['PLAINTEXT']));
  });

  it('reads only outputs the Glue ETL stack declares', async () => {
    const text = await readFile(path.join(REPO_ROOT, 'services/glue-etl/serverless.yml'), 'utf8');
    const glueEtl = parseYaml(text, { logLevel: 'silent' }) as {
      resources: ({ Outputs?: Record<string, unknown> } | string)[];
    };
    const outputs = glueEtl.resources.flatMap((part) =>
      typeof part === 'object' ? Object.keys(part.Outputs ?? {}) : [],
    );
    expect(outputs).toEqual(expect.arrayContaining(Object.values(variables)));
  });

  it('runs the live test CLI with the AWS backend after installing', async () => {
    const spec = await readBuildspec('live-test.yml');
    const commands = Object.values(spec.phases).flatMap((phase) => phase.commands ?? []);
    expect(commands).toContain('pnpm install --frozen-lockfile');
    const run = commands.findIndex((c) => c.startsWith('node scripts/run-ts.cjs packages/live-test/src/cli.ts'));
    expect(run).toBeGreaterThan(commands.indexOf('pnpm install --frozen-lockfile'));
    // The CLI always uses the AWS SDK backend; the stack outputs come from the environment variables above.
    expect(commands[run]).toBe('node scripts/run-ts.cjs packages/live-test/src/cli.ts');
  });

  it('sends the CLI’s JUnit file to the report group the template declares, as CodeBuild names it', async () => {
    const spec = (await readBuildspec('live-test.yml')) as Buildspec & {
      reports?: Record<string, { files: string[]; 'base-directory'?: string; 'file-format'?: string }>;
    };
    // The CLI's default path (the buildspec passes no --junit), relative to CODEBUILD_SRC_DIR.
    const junit = path.relative(process.cwd(), parseCliOptions([], LIVE_TEST_ENVIRONMENT).junitFile);
    expect(junit).toBe(DEFAULT_JUNIT_FILE);
    expect(Object.entries(spec.reports ?? {})).toEqual([
      ['checks', { files: ['junit.xml'], 'base-directory': 'reports/live-test', 'file-format': 'JUNITXML' }],
    ]);
    expect(path.posix.join('reports/live-test', 'junit.xml')).toBe(DEFAULT_JUNIT_FILE);
    // A name (not an ARN) in the buildspec: CodeBuild uses the existing group <project name>-<name>.
    const project = template.Resources.LiveTestProject!.Properties!.Name as string;
    expect(template.Resources.LiveTestReportGroup).toEqual({
      Type: 'AWS::CodeBuild::ReportGroup',
      Properties: {
        Name: `${project}-checks`,
        Type: 'TEST',
        ExportConfig: { ExportConfigType: 'NO_EXPORT' },
        DeleteReports: true,
      },
    });
  });
});

describe('manual approval', () => {
  it('notifies the encrypted ApprovalTopic and says what to review', () => {
    const configuration = actionNamed(template, 'LiveTestApproval').Configuration!;
    expect(configuration.NotificationArn).toEqual({ Ref: 'ApprovalTopic' });
    expect(configuration.CustomData).toEqual(expect.stringContaining('AutomatedLiveTest'));
    // CodePipeline's limit for CustomData.
    expect((configuration.CustomData as string).length).toBeLessThanOrEqual(500);
  });

  it('shows what production will get: the plan summary variables of PlanProduction, and links the plan', () => {
    const configuration = actionNamed(template, 'LiveTestApproval').Configuration!;
    const references = [...(configuration.CustomData as string).matchAll(/#\{PlanProd\.(\w+)\}/g)].map((m) => m[1]);
    expect(references).toEqual(['added', 'modified', 'replaced', 'removed', 'broadening', 'verdict', 'PlanTextUrl']);
    expect(configuration.ExternalEntityLink).toBe('#{PlanProd.PlanConsoleUrl}');
    // Every PlanProd variable the pipeline reads is one the trigger publishes for a plan.
    const published = outputVariablesFor(
      {
        outcome: 'planned',
        stackName: 'glue-cd-glue-etl-prod',
        outputs: { PlanUrl: APPROVED_PLAN, PlanTextUrl: APPROVED_PLAN.replace(/json$/, 'txt') },
        plan: {
          url: APPROVED_PLAN,
          textUrl: APPROVED_PLAN.replace(/json$/, 'txt'),
          counts: { added: 1, modified: 0, replaced: 0, removed: 0, broadening: 0 },
          summary: 'Plan',
        },
      },
      'arn:aws:states:us-east-1:123456789012:execution:deploy:codepipeline-1',
    ).variables;
    const read = JSON.stringify(stagesOf(template)).match(/#\{PlanProd\.\w+\}/g) ?? [];
    for (const reference of read) expect(Object.keys(published)).toContain(reference.slice(11, -1));
    // The plan runs before the approval, in the same stage.
    expect(actionNamed(template, 'PlanProduction').RunOrder).toBeLessThan(
      actionNamed(template, 'LiveTestApproval').RunOrder!,
    );
    expect(template.Resources.ApprovalTopic).toMatchObject({
      Type: 'AWS::SNS::Topic',
      Properties: { KmsMasterKeyId: 'alias/aws/sns' },
    });
  });

  it('the pipeline role may publish to that topic only', () => {
    const publish = statementsOf(template).filter(({ statement }) => asArray(statement.Action).includes('sns:Publish'));
    expect(publish).toEqual([
      { owner: 'PipelineRole', statement: expect.objectContaining({ Resource: { Ref: 'ApprovalTopic' } }) },
    ]);
  });
});

describe('artifact bucket', () => {
  it('is encrypted, versioned, private, and expires old versions', () => {
    const bucket = template.Resources.ArtifactBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const rules = (bucket.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', NoncurrentVersionExpiration: expect.anything() }),
    );
  });

  it('refuses requests without TLS', () => {
    const policy = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(r.Properties?.Bucket) === JSON.stringify({ Ref: 'ArtifactBucket' }),
    );
    const statements = asArray(
      (policy?.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('least privilege', () => {
  it('grants no wildcard action; the only wildcard is the TLS-only Deny', () => {
    const statements = statementsOf(template);
    expect(statements.length).toBeGreaterThan(10);
    for (const { owner, statement } of statements) {
      expect({ owner, sid: statement.Sid, notAction: statement.NotAction }).toEqual({
        owner,
        sid: statement.Sid,
        notAction: undefined,
      });
      const wildcards = asArray(statement.Action).filter((action) => action.includes('*'));
      if (statement.Effect === 'Allow') {
        expect({ owner, sid: statement.Sid, wildcards }).toEqual({ owner, sid: statement.Sid, wildcards: [] });
        expect({ owner, sid: statement.Sid, resource: asArray(statement.Resource) }).not.toEqual(
          expect.objectContaining({ resource: expect.arrayContaining(['*']) }),
        );
      } else if (wildcards.length > 0) {
        expect(statement.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      }
    }
  });

  it('lambda:InvokeFunction is granted to the pipeline role on the trigger function only', () => {
    const invoke = statementsOf(template).filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('lambda:')),
    );
    expect(invoke).toEqual([
      {
        owner: 'PipelineRole',
        statement: expect.objectContaining({
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${TRIGGER_STACK}-trigger`,
          },
        }),
      },
    ]);
  });

  it('the pipeline role starts builds of its two projects only', () => {
    const codebuild = statementsOf(template).filter(({ statement }) =>
      asArray(statement.Action).some((action) => /^codebuild:(StartBuild|BatchGetBuilds)$/.test(action)),
    );
    expect(codebuild).toHaveLength(1);
    expect(codebuild[0]!.owner).toBe('PipelineRole');
    expect(asArray(codebuild[0]!.statement.Action).sort()).toEqual([
      'codebuild:BatchGetBuilds',
      'codebuild:StartBuild',
    ]);
    expect(codebuild[0]!.statement.Resource).toEqual([
      { 'Fn::GetAtt': ['BuildProject', 'Arn'] },
      { 'Fn::GetAtt': ['LiveTestProject', 'Arn'] },
    ]);
  });

  it('only the live test project may write test reports, and only into its report group', () => {
    const reports = statementsOf(template).filter(({ statement }) =>
      asArray(statement.Action).some((action) => /^codebuild:(.*Report.*|BatchPut.*)$/.test(action)),
    );
    expect(reports).toEqual([
      {
        owner: 'LiveTestProjectRole',
        statement: {
          Sid: 'TestReports',
          Effect: 'Allow',
          Action: [
            'codebuild:CreateReportGroup',
            'codebuild:CreateReport',
            'codebuild:UpdateReport',
            'codebuild:BatchPutTestCases',
            'codebuild:BatchPutCodeCoverages',
          ],
          Resource: { 'Fn::GetAtt': ['LiveTestReportGroup', 'Arn'] },
        },
      },
    ]);
  });

  it('only the live test may run Glue crawlers and jobs, and only those of the test stack', () => {
    const glueRun = statementsOf(template).filter(({ statement }) =>
      asArray(statement.Action).some((action) => /^glue:(Start|Get)(Crawler|JobRun)$/.test(action)),
    );
    expect(glueRun.map(({ owner }) => owner)).toEqual(['LiveTestProjectRole', 'LiveTestProjectRole']);
    for (const { statement } of glueRun) {
      for (const resource of asArray(statement.Resource)) {
        // The test stack and its blue/green copies (config/environments.js), never prod.
        expect(JSON.stringify(resource)).toMatch(/:(crawler|job)\/glue-cd-glue-etl-test(-\*)?"/);
      }
    }
  });

  it('each CodeBuild project has its own role, writing logs to its own log group only', () => {
    const role = (project: string) =>
      (template.Resources[project]!.Properties!.ServiceRole as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect([role('BuildProject'), role('LiveTestProject')]).toEqual(['BuildProjectRole', 'LiveTestProjectRole']);
    for (const [roleId, logGroup] of [
      ['BuildProjectRole', 'BuildLogGroup'],
      ['LiveTestProjectRole', 'LiveTestLogGroup'],
    ] as const) {
      const logs = statementsOf(template).filter(
        ({ owner, statement }) => owner === roleId && asArray(statement.Action).some((a) => a.startsWith('logs:')),
      );
      expect(logs).toHaveLength(1);
      const resources = JSON.stringify(logs[0]!.statement.Resource);
      expect(resources).toContain(logGroup);
      expect(resources).not.toContain(logGroup === 'BuildLogGroup' ? 'LiveTestLogGroup' : 'BuildLogGroup');
    }
  });
});
