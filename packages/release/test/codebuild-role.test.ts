import { CreateStackCommand, waitUntilStackCreateComplete } from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { LOCAL_WAITER_DELAYS } from '@glue-cd/local-cloud';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  deployPipelineStack,
  deploymentBucketFor,
  importsOf,
  ensureBucket,
  packageService,
  readPipelineDefinition,
  runPipeline,
  silentProgress,
  startReleaseCloud,
  type ActionEnvironment,
  type PackagedService,
  type PipelineRun,
  type PipelineStack,
  type ReleaseCloud,
} from '../src';
import { DELIVERY_STAGE } from '../../../test/support/packagings';

// The pipeline stack's packaged template, deployed to the local cloud as the release's Bootstrap does: a CodeBuild
// build acts as its project's ServiceRole, so a statement missing from BuildProjectRole fails the build command with
// AWS's AccessDenied naming the action. The build's command is the Build's upload of Glue job files, in small.

const REPO = path.resolve(__dirname, '../../..');
const STAGE = DELIVERY_STAGE;
const PROJECT = `glue-cd-pipeline-${STAGE}-build`;
const TEST_BUCKET = 'glue-cd-deployments-test';
const S3_CLIENT = require.resolve('@aws-sdk/client-s3');

// The source's upload script: puts glue-jobs/<key> into the test deployment bucket with the build's credentials
// (AWS_* as CodeBuild sets them), as scripts/upload-glue-jobs.ts does.
const UPLOAD_SCRIPT = `const s3 = require(process.env.S3_CLIENT);
new s3.S3Client({ forcePathStyle: true })
  .send(new s3.PutObjectCommand({ Bucket: '${TEST_BUCKET}', Key: 'glue-jobs/' + process.argv[2], Body: 'x' }))
  .catch((error) => {
    console.error(error.name + ': ' + error.message);
    process.exit(1);
  });
`;

const pipelineTemplate = (key: string) => ({
  Resources: {
    BuildProject: {
      Type: 'AWS::CodeBuild::Project',
      Properties: {
        Name: PROJECT,
        Source: {
          Type: 'CODEPIPELINE',
          BuildSpec: `version: 0.2\nphases:\n  build:\n    commands:\n      - node upload.js ${key}\nartifacts:\n  files: [job.txt]\n`,
        },
        Environment: { EnvironmentVariables: [{ Name: 'S3_CLIENT', Value: S3_CLIENT }] },
      },
    },
    Pipeline: {
      Type: 'AWS::CodePipeline::Pipeline',
      Properties: {
        Name: `glue-cd-${STAGE}`,
        Stages: [
          {
            Name: 'Source',
            Actions: [
              {
                Name: 'Source',
                ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' },
                Configuration: { BranchName: 'main', FullRepositoryId: 'acme/jobs' },
                OutputArtifacts: [{ Name: 'SourceOutput' }],
              },
            ],
          },
          {
            Name: 'Build',
            Actions: [
              {
                Name: 'Build',
                ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
                Configuration: { ProjectName: { Ref: 'BuildProject' } },
                InputArtifacts: [{ Name: 'SourceOutput' }],
                OutputArtifacts: [{ Name: 'BuildOutput' }],
              },
            ],
          },
        ],
      },
    },
  },
});

let work: string;
let repo: string;
let release: ReleaseCloud;
let packaged: PackagedService;
const stacks: PipelineStack[] = [];

/** The packaged pipeline template without one statement of BuildProjectRole's policy. */
const withoutBuildStatement = (sid: string): PackagedService => {
  const template = structuredClone(packaged.template);
  const role = template.Resources.BuildProjectRole!.Properties as {
    Policies: { PolicyDocument: { Statement: { Sid?: string }[] } }[];
  };
  const statements = role.Policies[0]!.PolicyDocument.Statement;
  if (!statements.some((s) => s.Sid === sid)) throw new Error(`BuildProjectRole has no statement ${sid}`);
  role.Policies[0]!.PolicyDocument.Statement = statements.filter((s) => s.Sid !== sid);
  return { ...packaged, template };
};

const deploy = async (service: PackagedService): Promise<PipelineStack> => {
  const stack = await deployPipelineStack(release, service, STAGE);
  stacks.push(stack);
  return stack;
};

const run = (stack: PipelineStack, key: string): Promise<PipelineRun> => {
  const environment: ActionEnvironment = {
    release,
    delivery: { stage: STAGE, deployments: [], exports: {}, stateMachineArn: '', triggerFunctionName: '' },
    pipeline: readPipelineDefinition(pipelineTemplate(key)),
    repoRoot: repo,
    stateDir: path.join(work, 'state'),
    artifactBucket: stack.artifactBucket,
    ...(stack.roles ? { roles: stack.roles } : {}),
    pipelineExecutionId: `execution-${key}`,
    approver: async () => ({ approved: true, reason: 'test' }),
    progress: silentProgress,
    logDir: path.join(work, 'logs'),
    skipList: [],
    sourceEdits: {},
    pollIntervalMs: 10,
  };
  return runPipeline(environment);
};

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-codebuild-role-'));
  repo = path.join(work, 'repo');
  await mkdir(repo, { recursive: true });
  await writeFile(path.join(repo, 'job.txt'), 'a job file');
  await writeFile(path.join(repo, 'upload.js'), UPLOAD_SCRIPT);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'fixture');
  // The very packaging of test/packaged-templates.test.ts (warmed by jest's global setup).
  [packaged, release] = await Promise.all([
    packageService({
      repoRoot: REPO,
      serviceDir: '.',
      stage: STAGE,
      outDir: path.join(work, 'pipeline'),
      deploymentBucket: deploymentBucketFor(STAGE),
    }),
    startReleaseCloud({ stateDir: path.join(work, 'state') }),
  ]);
  await ensureBucket(release.clients, TEST_BUCKET);
  // What the pipeline stack imports from the orchestrator and trigger stacks, without deploying them.
  const exported = (name: string, value: string) => ({ Value: value, Export: { Name: name } });
  await release.clients.cloudFormation.send(
    new CreateStackCommand({
      StackName: 'delivery-exports',
      TemplateBody: JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: {
          Topic: exported(
            `glue-cd-deploy-orchestrator-${STAGE}-NotificationTopicArn`,
            `arn:aws:sns:us-east-1:000000000000:glue-cd-notifications-${STAGE}`,
          ),
          Name: exported(`glue-cd-pipeline-trigger-${STAGE}-TriggerFunctionName`, 'trigger'),
          Arn: exported(
            `glue-cd-pipeline-trigger-${STAGE}-TriggerFunctionArn`,
            'arn:aws:lambda:us-east-1:000000000000:function:trigger',
          ),
        },
      }),
    }),
  );
  await waitUntilStackCreateComplete(
    { client: release.clients.cloudFormation, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
    { StackName: 'delivery-exports' },
  );
}, 180_000);

afterAll(async () => {
  for (const stack of stacks) stack.roles?.close();
  await release?.close();
  await rm(work, { recursive: true, force: true });
});

const uploaded = async (key: string): Promise<boolean> =>
  release.clients.s3
    .send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: `glue-jobs/${key}` }))
    .then(() => true)
    .catch(() => false);

test('a build acts as its project ServiceRole, and a statement missing from it fails the command naming the action', async () => {
  // Arrange
  const intact = await deploy(packaged);
  const buildRole = intact.roles?.projects[PROJECT]?.roleArn;

  // Act
  const allowed = await run(intact, 'allowed.py');
  const cut = await deploy(withoutBuildStatement('GlueJobScripts'));
  const denied = await run(cut, 'denied.py');

  // Assert
  expect(buildRole).toMatch(new RegExp(`^arn:aws:iam::000000000000:role/glue-cd-pipeline-${STAGE}-BuildProjectRole-`));
  expect(cut.roles?.projects[PROJECT]?.roleArn).toBe(buildRole);
  expect(intact.artifactBucket).toBe(`glue-cd-pipeline-${STAGE}-artifacts-000000000000`);
  expect(allowed.records.map((r) => [r.action, r.status, r.runAs])).toEqual([
    ['Source', 'Succeeded', intact.roles?.pipeline.roleArn],
    ['Build', 'Succeeded', buildRole],
  ]);
  expect(await uploaded('allowed.py')).toBe(true);
  const build = denied.records.find((r) => r.action === 'Build');
  expect(build?.status).toBe('Failed');
  expect(build?.runAs).toBe(buildRole);
  expect(build?.commands?.[0]?.exitCode).toBe(1);
  expect(build?.commands?.[0]?.outputTail).toContain(
    `AccessDenied: User: arn:aws:sts::000000000000:assumed-role/${buildRole!.split('/').pop()}/local-cloud is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${TEST_BUCKET}/glue-jobs/denied.py because no identity-based policy allows the s3:PutObject action`,
  );
  expect(await uploaded('denied.py')).toBe(false);
});

test('the source download is the project role’s too: without the artifact statement the build cannot start', async () => {
  // Arrange
  const cut = await deploy(withoutBuildStatement('ArtifactObjects'));

  // Act
  const result = await run(cut, 'never.py');

  // Assert
  const build = result.records.find((r) => r.action === 'Build');
  expect(build?.status).toBe('Failed');
  expect(build?.runAs).toBe(cut.roles?.projects[PROJECT]?.roleArn);
  expect(build?.commands).toBeUndefined();
  expect(build?.detail).toContain(
    `DOWNLOAD_SOURCE: CLIENT_ERROR: AccessDenied: User: arn:aws:sts::000000000000:assumed-role/glue-cd-pipeline-${STAGE}-BuildProjectRole-`,
  );
  expect(build?.detail).toContain(
    `is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::glue-cd-pipeline-${STAGE}-artifacts-000000000000/`,
  );
  expect(await uploaded('never.py')).toBe(false);
});

test('without the pipeline stack’s roles the build runs as the operator key, and says so', async () => {
  // Arrange
  const stack = await deploy(packaged);
  const { roles: _roles, ...withoutRoles } = stack;

  // Act
  const result = await run(withoutRoles, 'operator.py');

  // Assert
  const build = result.records.find((r) => r.action === 'Build');
  expect(build?.status).toBe('Succeeded');
  expect(build?.runAs).toBeUndefined();
  expect(result.differences).toContainEqual({
    action: 'Build',
    difference:
      'the build ran as the operator key (account root), not its ServiceRole: the pipeline stack is not deployed',
  });
});

test('the packaged pipeline stack imports nothing: it finds the topic and the trigger by name', () => {
  // So the release deploys it beside the services' packaging, on a new cloud too (a template that imported an export
  // would wait for the services' stacks there).
  expect(importsOf(packaged.template)).toEqual([]);
  expect(importsOf({ A: { 'Fn::ImportValue': { 'Fn::Sub': '${Stage}-x' } }, B: [{ 'Fn::ImportValue': 'y' }] })).toEqual(
    ['', 'y'],
  );
});
