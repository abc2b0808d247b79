import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { createCloudFormationService, startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InspectReportSchema } from '../src/cli/inspect/report-schema';
import { runCli } from './support/run-cli';

// `glue-cd inspect --stack-name --change-set-name` reading live change sets through the real SDK from a child
// process, against the local cloud (AWS_ENDPOINT_URL): the same calls it makes on AWS.

let stateDir: string;
let cloud: LocalCloud;
let idle: () => Promise<void>;
let cfn: CloudFormationClient;
let env: Record<string, string>;

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'glue-cd-inspect-live-'));
  cloud = await startLocalCloud({ stateDir, port: 0 });
  const cloudFormation = createCloudFormationService({
    stateDir,
    objects: cloud.objects,
    functions: cloud.functions,
    stateMachines: cloud.stateMachines,
  });
  cloud.registerService('cloudformation', cloudFormation.handle);
  idle = () => cloudFormation.engine.waitForIdle();
  env = cloud.environment();
  cfn = new CloudFormationClient({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
});

afterAll(async () => {
  cfn.destroy();
  await idle();
  await cloud.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const bucketStack = (bucketName: string) =>
  JSON.stringify({ Resources: { RawBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: bucketName } } } });

const createStack = async (stackName: string, templateBody: string): Promise<void> => {
  await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: templateBody }));
  await idle();
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
};

// Only the local cloud's variables: AWS_ENDPOINT_URL, AWS_REGION and fake credentials, as a user would export them.
const inspectLive = (args: string[]) => runCli(['inspect', ...args], { env });

describe('glue-cd inspect: a live change set', () => {
  test('a change set that replaces a bucket, read by name: the cdk diff of both templates, exit 1 naming the bucket', async () => {
    await createStack('inspect-live', bucketStack('glue-cd-inspect-raw'));
    // Not waited for: the CLI waits while the change set is CREATE_PENDING / CREATE_IN_PROGRESS.
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'inspect-live',
        ChangeSetName: 'rename-raw',
        TemplateBody: bucketStack('glue-cd-inspect-raw-v2'),
      }),
    );
    const result = await inspectLive(['--stack-name', 'inspect-live', '--change-set-name', 'rename-raw']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'Stack inspect-live (change set rename-raw)\nResources\n[~] AWS::S3::Bucket RawBucket replace\n',
    );
    // The property values come from GetTemplate of the stack and of the change set.
    expect(result.stdout).toMatch(/\[-\] glue-cd-inspect-raw\n.*\[\+\] glue-cd-inspect-raw-v2/);
    expect(result.stdout).toContain(
      'RESOURCES-BEING-DELETED-OR-REPLACED: 1 of 1 resource changes would delete or replace resources; 0 of 0 security broadenings refused (onBroadening fail)\n  - RawBucket (AWS::S3::Bucket): Modify, Replacement True',
    );
  });

  test('a nested stack change set is followed: the replaced bucket of the nested stack, by its path', async () => {
    await cloud.objects.createBucket('inspect-templates');
    const child = (bucketName: string) =>
      cloud.objects.putObject(
        'inspect-templates',
        'lake.json',
        Buffer.from(bucketStack(bucketName).replace('RawBucket', 'CuratedBucket')),
      );
    await child('glue-cd-inspect-curated');
    const parent = JSON.stringify({
      Resources: {
        Lake: {
          Type: 'AWS::CloudFormation::Stack',
          Properties: { TemplateURL: 'https://inspect-templates.s3.amazonaws.com/lake.json' },
        },
      },
    });
    await createStack('inspect-nested', parent);
    await child('glue-cd-inspect-curated-v2');
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'inspect-nested',
        ChangeSetName: 'rename-curated',
        UsePreviousTemplate: true,
        IncludeNestedStacks: true,
      }),
    );
    const result = await inspectLive([
      '--stack-name',
      'inspect-nested',
      '--change-set-name',
      'rename-curated',
      '--format',
      'json',
    ]);
    expect(result.status).toBe(1);
    const report = InspectReportSchema.parse(JSON.parse(result.stdout));
    expect(report).toMatchObject({
      verdict: 'RESOURCES-BEING-DELETED-OR-REPLACED',
      stackName: 'inspect-nested',
      changeSetName: 'rename-curated',
      inspectedChanges: 2,
      violations: [{ logicalId: 'CuratedBucket', stackPath: ['Lake'], resourceType: 'AWS::S3::Bucket' }],
      incomplete: [],
    });
    const text = await inspectLive(['--stack-name', 'inspect-nested', '--change-set-name', 'rename-curated']);
    expect(text.stdout).toMatch(
      /^Stack inspect-nested \(change set rename-curated\)\nResources\n\[~\] AWS::CloudFormation::Stack Lake\n/,
    );
    expect(text.stdout).toMatch(
      /Stack inspect-nested > Lake \(nested\)\nResources\n\[~\] AWS::S3::Bucket CuratedBucket replace\n/,
    );
  });

  test('an empty change set (CloudFormation FAILS it: no changes) is "no changes", exit 0', async () => {
    await createStack('inspect-same', bucketStack('glue-cd-inspect-same'));
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'inspect-same',
        ChangeSetName: 'nothing',
        TemplateBody: bucketStack('glue-cd-inspect-same'),
      }),
    );
    expect(await inspectLive(['--stack-name', 'inspect-same', '--change-set-name', 'nothing'])).toEqual({
      status: 0,
      stdout: 'CAN-SAFELY-UPDATE-EXISTING-STACK: no changes\n',
      stderr: '',
    });
  });

  test('a change set that does not exist: exit 2 with what AWS answered', async () => {
    const result = await inspectLive(['--stack-name', 'inspect-live', '--change-set-name', 'nope']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^glue-cd inspect: DescribeChangeSet nope of stack inspect-live: ChangeSetNotFound\w*: /,
    );
  });
});
