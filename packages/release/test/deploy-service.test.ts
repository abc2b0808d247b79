// The operator's deploy of a packaged service (src/deploy-service.ts) on the local cloud: an unchanged template is
// skipped without a change set, as `sls deploy` and `cdk deploy` skip it; a changed one is updated through one.
import { CreateStackCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deployServiceStack, ensureBucket, startReleaseCloud, type PackagedService, type ReleaseTarget } from '../src';

let work: string;
let release: ReleaseTarget & { close(): Promise<void> };
const sent: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-deploy-service-'));
  release = await startReleaseCloud({ stateDir: path.join(work, 'state') });
  // Where `sls package` says `sls deploy` uploads the service.
  await writeFile(
    path.join(work, 'serverless-state.json'),
    JSON.stringify({
      service: { provider: { deploymentBucket: 'glue-cd-deployments-local' } },
      package: { artifactDirectoryName: 'serverless/glue-cd-probe/local/1795870140424-2026-11-28T12:49:00.424Z' },
    }),
  );
  const client = release.clients.cloudFormation as CloudFormationClient;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  // Every CloudFormation call the deploy makes, by command name.
  (client as unknown as { send: typeof send }).send = (command) => {
    sent.push((command as object).constructor.name.replace(/Command$/, ''));
    return send(command);
  };
});
afterAll(async () => {
  await release?.close();
  await rm(work, { recursive: true, force: true });
});

const service = (outputs: Record<string, string>, dir = work): PackagedService => ({
  service: 'probe',
  stage: 'local',
  dir,
  artifacts: [],
  output: '',
  cached: false,
  template: {
    Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
  } as PackagedService['template'],
});

const deploy = async (outputs: Record<string, string>, stackName = 'glue-cd-probe-local') => {
  sent.length = 0;
  const deployment = await deployServiceStack(release.clients, service(outputs), stackName, 10);
  return { ...deployment, sent: [...sent] };
};

test('created, then skipped while the template is unchanged (no change set), then updated when it changes', async () => {
  expect(await deploy({ Colour: 'blue' })).toMatchObject({ outcome: 'created', outputs: { Colour: 'blue' } });
  const unchanged = await deploy({ Colour: 'blue' });
  expect(unchanged).toMatchObject({ outcome: 'no-changes', outputs: { Colour: 'blue' } });
  expect(unchanged.sent).toContain('GetTemplate');
  expect(unchanged.sent).not.toContain('CreateChangeSet');
  const changed = await deploy({ Colour: 'green' });
  expect(changed).toMatchObject({ outcome: 'updated', outputs: { Colour: 'green' } });
  expect(changed.sent).toEqual(expect.arrayContaining(['GetTemplate', 'CreateChangeSet', 'ExecuteChangeSet']));
  expect((await deploy({ Colour: 'green' })).sent).not.toContain('CreateChangeSet');
});

test('the template goes by TemplateURL from the deployment bucket, as sls deploy sends it: CloudFormation takes 51,200 bytes as a body', async () => {
  // 60 KB of outputs: more than a TemplateBody may hold.
  const large = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`Padding${i}`, 'p'.repeat(1000)]));
  const body = JSON.stringify(service(large).template);
  expect(Buffer.byteLength(body)).toBeGreaterThan(51_200);

  const refused = await release.clients.cloudFormation
    .send(new CreateStackCommand({ StackName: 'glue-cd-probe-body', TemplateBody: body }))
    .catch((error: unknown) => error);
  const deployed = await deploy(large, 'glue-cd-probe-large');

  expect(refused).toMatchObject({
    name: 'ValidationError',
    message: expect.stringContaining('Member must have length less than or equal to 51200'),
  });
  expect(deployed).toMatchObject({ outcome: 'created', outputs: { Padding59: 'p'.repeat(1000) } });
  const keys = (
    await release.clients.s3.send(new ListObjectsV2Command({ Bucket: 'glue-cd-deployments-local' }))
  ).Contents?.map((object) => object.Key);
  expect(keys).toContainEqual(
    expect.stringMatching(
      /^serverless\/glue-cd-probe\/local\/template-[0-9a-f]{32}\/compiled-cloudformation-template\.json$/,
    ),
  );
});

test('a package without the serverless-state.json sls leaves beside it is refused, naming the file', async () => {
  const bare = path.join(work, 'bare');
  await mkdir(bare);
  await expect(deployServiceStack(release.clients, service({}, bare), 'glue-cd-probe-bare', 10)).rejects.toThrow(
    `probe: cannot read ${path.join(bare, 'serverless-state.json')}, which says where sls deploys the template`,
  );
});

test('deploys side by side ensure their bucket together: the one that finds it created in between is done too', async () => {
  const buckets = Array.from({ length: 4 }, () => ensureBucket(release.clients, 'glue-cd-deployments-side-by-side'));
  await expect(Promise.all(buckets)).resolves.toHaveLength(4);
  await expect(ensureBucket(release.clients, 'glue-cd-deployments-side-by-side')).resolves.toBeUndefined();
});
