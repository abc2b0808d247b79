import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetCrawlerCommand, GetDatabaseCommand, GetJobCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createAwsBackend, loadValidationRules, runLiveTest } from '@glue-cd/live-test';
import { startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { deploymentBucketFor, PROJECT_JOB_ENGINES } from '@glue-cd/release';
import { packageStage, repoRoot, workloadBoundaryTemplate, type Template } from './cloudformation';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { glueJobsVersion, jobFiles } = require('../../../scripts/glue-jobs-version.js') as {
  glueJobsVersion: () => string;
  jobFiles: () => string[];
};

// The test environment's bucket (deploymentBucketFor): its roles' boundary allows the job files there, nowhere else.
const DEPLOYMENT_BUCKET = deploymentBucketFor('test');
const STACK = 'glue-cd-glue-etl-test';
const SAMPLE = path.join(repoRoot, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv');

let workDir: string;
let template: Template;
let cloud: LocalCloud;
let cfn: CloudFormationClient;
let glue: GlueClient;
let athena: AthenaClient;
let s3: S3Client;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'glue-etl-local-cloud-'));
  template = await packageStage('test', path.join(workDir, 'package'), DEPLOYMENT_BUCKET);
  cloud = await startLocalCloud({ stateDir: path.join(workDir, 'cloud'), port: 0, jobEngines: PROJECT_JOB_ENGINES });
  const config = {
    endpoint: cloud.endpoint,
    region: 'us-east-1',
    // The operator key the cloud issued (it verifies every signature).
    credentials: {
      accessKeyId: cloud.environment().AWS_ACCESS_KEY_ID!,
      secretAccessKey: cloud.environment().AWS_SECRET_ACCESS_KEY!,
    },
  };
  cfn = new CloudFormationClient(config);
  glue = new GlueClient(config);
  athena = new AthenaClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  // The boundary that caps the stack's roles, as the orchestrator stack creates it (crawls and job runs act as them).
  await cfn.send(
    new CreateStackCommand({
      StackName: 'glue-cd-workload-boundary-test',
      TemplateBody: JSON.stringify(workloadBoundaryTemplate('test')),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await cloud.cloudFormation.waitForIdle();
  // What the Build stage uploads: glue-jobs/ under its content version, where the template points the job.
  await s3.send(new CreateBucketCommand({ Bucket: DEPLOYMENT_BUCKET }));
  for (const file of jobFiles()) {
    await s3.send(
      new PutObjectCommand({
        Bucket: DEPLOYMENT_BUCKET,
        Key: `glue-jobs/${glueJobsVersion()}/${file}`,
        Body: await readFile(path.join(repoRoot, 'glue-jobs', file)),
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const client of [cfn, glue, athena, s3]) client?.destroy();
  await cloud?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const describeStack = async (): Promise<Stack> => {
  await cloud.cloudFormation.waitForIdle();
  return (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0]!;
};

const outputsOf = (stack: Stack): Record<string, string> =>
  Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));

const emptyBucket = async (bucket: string): Promise<void> => {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  if (Contents.length === 0) return;
  await s3.send(
    new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: Contents.map((object) => ({ Key: object.Key })) } }),
  );
  await emptyBucket(bucket);
};

/** The stack's outputs if it exists (any test may have created or deleted it before). */
const existingOutputs = async (): Promise<Record<string, string> | undefined> => {
  await cloud.cloudFormation.waitForIdle();
  const stack = await cfn
    .send(new DescribeStacksCommand({ StackName: STACK }))
    .then((result) => result.Stacks?.[0])
    .catch((error: Error) => {
      if (/does not exist/.test(error.message)) return undefined;
      throw error;
    });
  return stack === undefined ? undefined : outputsOf(stack);
};

const createStack = async (): Promise<Record<string, string>> => {
  await cfn.send(
    new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify(template),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  const stack = await describeStack();
  expect({ arrange: `create ${STACK}`, status: stack.StackStatus }).toEqual({
    arrange: `create ${STACK}`,
    status: 'CREATE_COMPLETE',
  });
  return outputsOf(stack);
};

const deleteStack = async (outputs: Record<string, string>): Promise<void> => {
  for (const bucket of [outputs.RawBucketName!, outputs.DataLakeBucketName!, outputs.AthenaResultsBucketName!]) {
    await emptyBucket(bucket);
  }
  await cfn.send(new DeleteStackCommand({ StackName: STACK }));
  await cloud.cloudFormation.waitForIdle();
};

/** Arrange: the stack created from the packaged template, whatever ran before. */
const givenStack = async (): Promise<Record<string, string>> => (await existingOutputs()) ?? createStack();

describe('the packaged Glue ETL template on the local cloud', () => {
  it('creates every resource in the local services', async () => {
    const left = await existingOutputs();
    if (left !== undefined) await deleteStack(left);

    const outputs = await createStack();

    expect((await glue.send(new GetDatabaseCommand({ Name: outputs.RawDatabaseName }))).Database?.Name).toBe(
      'glue_cd_glue_etl_test_raw',
    );
    expect((await glue.send(new GetCrawlerCommand({ Name: outputs.RawCrawlerName }))).Crawler).toMatchObject({
      DatabaseName: 'glue_cd_glue_etl_test_raw',
      Role: expect.stringMatching(/^arn:aws:iam::000000000000:role\//),
      Targets: { S3Targets: [{ Path: `s3://${outputs.RawBucketName}/nyc-taxi/yellow_tripdata/` }] },
    });
    expect((await glue.send(new GetJobCommand({ JobName: outputs.JobName }))).Job).toMatchObject({
      Command: {
        ScriptLocation: `s3://${DEPLOYMENT_BUCKET}/glue-jobs/${glueJobsVersion()}/nyc-taxi/job.py`,
      },
      WorkerType: 'G.1X',
      NumberOfWorkers: 2,
      Timeout: 30,
    });
    expect(
      (await athena.send(new GetWorkGroupCommand({ WorkGroup: outputs.AthenaWorkGroupName }))).WorkGroup,
    ).toMatchObject({
      State: 'ENABLED',
      Configuration: { ResultConfiguration: { OutputLocation: `s3://${outputs.AthenaResultsBucketName}/results/` } },
    });
  });

  it('passes the automated live test through its AWS SDK backend: crawlers, the nyc-taxi job and Athena', async () => {
    const outputs = await givenStack();
    const report = await runLiveTest({
      backend: createAwsBackend({ glue, athena, s3, workGroup: outputs.AthenaWorkGroupName!, pollIntervalMs: 20 }),
      outputs,
      validation: await loadValidationRules(path.join(repoRoot, 'glue-jobs/nyc-taxi/validation.yaml')),
      seed: { sampleFile: SAMPLE, s3 },
    });
    expect(report.checks.filter((check) => !check.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.counts).toEqual({ seeded: 7500, raw: 7500, transformed: 7500, rejected: 0 });
    // The job run is the registered nyc-taxi engine's, with the counts job.py prints.
    expect(cloud.glue.jobs.getRun(outputs.JobName!, report.jobRunId)?.localOutput).toMatchObject({
      event: 'nyc-taxi-counts',
      rawRecords: 7500,
      transformedRecords: 7500,
      rejectedRecords: 0,
    });
    const { Contents = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: outputs.DataLakeBucketName, Prefix: 'nyc-taxi/yellow_tripdata/' }),
    );
    expect(Contents.map((object) => object.Key)).toEqual(['nyc-taxi/yellow_tripdata/part-00000.parquet']);
  });

  it('updates resources in place and deletes the stack with them', async () => {
    const outputs = await givenStack();
    const next = structuredClone(template) as Template & {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    next.Resources.RawCrawler!.Properties.Description = 'Catalogues the raw NYC yellow taxi CSV (v2).';
    next.Resources.NycTaxiJob!.Properties.Timeout = 45;
    await cfn.send(
      new UpdateStackCommand({
        StackName: STACK,
        TemplateBody: JSON.stringify(next),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      }),
    );
    expect((await describeStack()).StackStatus).toBe('UPDATE_COMPLETE');
    expect((await glue.send(new GetCrawlerCommand({ Name: outputs.RawCrawlerName }))).Crawler?.Description).toBe(
      'Catalogues the raw NYC yellow taxi CSV (v2).',
    );
    expect((await glue.send(new GetJobCommand({ JobName: outputs.JobName }))).Job?.Timeout).toBe(45);

    await deleteStack(outputs);
    await expect(glue.send(new GetDatabaseCommand({ Name: outputs.RawDatabaseName }))).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
    await expect(glue.send(new GetJobCommand({ JobName: outputs.JobName }))).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
    await expect(
      athena.send(new GetWorkGroupCommand({ WorkGroup: outputs.AthenaWorkGroupName })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
  });
});
