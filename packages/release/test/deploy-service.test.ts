// The operator's deploy of a packaged service (src/deploy-service.ts) on the local cloud: an unchanged template is
// skipped without a change set, as `sls deploy` and `cdk deploy` skip it; a changed one is updated through one.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deployServiceStack, startReleaseCloud, type PackagedService, type ReleaseTarget } from '../src';

let work: string;
let release: ReleaseTarget & { close(): Promise<void> };
const sent: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-deploy-service-'));
  release = await startReleaseCloud({ stateDir: path.join(work, 'state') });
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

const service = (outputs: Record<string, string>): PackagedService => ({
  service: 'probe',
  stage: 'local',
  dir: work,
  artifacts: [],
  output: '',
  cached: false,
  template: {
    Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
  } as PackagedService['template'],
});

const deploy = async (outputs: Record<string, string>) => {
  sent.length = 0;
  const deployment = await deployServiceStack(release.clients, service(outputs), 'glue-cd-probe-local', 10);
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
