// `glue-cd inspect --policy` as a user runs it: the installed bin, real files in a temporary folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.join(__dirname, '..', 'bin', 'glue-cd.cjs');
const FIXTURE = path.join(__dirname, 'fixtures/glue-etl-bucket-rename.describe-change-set.json');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'glue-cd-inspect-policy-'));
  const files: Record<string, string> = {
    'unsafe.json': readFileSync(FIXTURE, 'utf8'),
    'queue-removed.json': JSON.stringify({
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: { Action: 'Remove', LogicalResourceId: 'Q', ResourceType: 'AWS::SQS::Queue' },
        },
      ],
    }),
    'broken.json': '{"allowedLogicalIds": [',
    'typo-policy.json': JSON.stringify({ allowedLogicalIdz: ['RawBucket'] }),
    'bad-type-policy.json': JSON.stringify({ allowedResourceTypes: ['S3 bucket'] }),
    'bad-mode-policy.json': JSON.stringify({ conditionalReplacement: 'sometimes' }),
    'allow-queue.json': JSON.stringify({ allowedLogicalIds: ['Q'] }),
    'protect-queue.json': JSON.stringify({ allowedLogicalIds: ['Q'], protectedResourceTypes: ['AWS::SQS::Queue'] }),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inspect = (...args: string[]) => {
  const result = spawnSync(process.execPath, [BIN, 'inspect', ...args], {
    cwd: dir,
    env: { ...process.env, INIT_CWD: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('glue-cd inspect --policy', () => {
  test.each([
    ['a policy file that does not exist', 'nope.json', /cannot read policy nope\.json: ENOENT/],
    ['a policy file that is not JSON', 'broken.json', /policy broken\.json is not JSON/],
    ['a misspelt key', 'typo-policy.json', /policy typo-policy\.json: \(root\): Unrecognized key: "allowedLogicalIdz"/],
    [
      'a resource type that is not Service::Module::Type',
      'bad-type-policy.json',
      /policy bad-type-policy\.json: allowedResourceTypes\[0\]: /,
    ],
    [
      'an unknown conditionalReplacement',
      'bad-mode-policy.json',
      /policy bad-mode-policy\.json: conditionalReplacement: /,
    ],
  ])('exits 2 on %s, naming the file and what is wrong, and prints no verdict', (_case, policy, message) => {
    const result = inspect('unsafe.json', '--policy', policy);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toMatch(/RESOURCES-BEING-DELETED-OR-REPLACED|CAN-SAFELY-UPDATE-EXISTING-STACK/);
  });

  test('a valid policy is applied: the allow-listed removal is accepted and listed as such (exit 0)', () => {
    const result = inspect('queue-removed.json', '--policy', 'allow-queue.json');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('accepted by the safety policy');
    expect(result.stdout).toContain('+ Q (AWS::SQS::Queue): Remove');
  });

  test('a type the policy protects stays refused although its logical id is allow-listed (exit 1)', () => {
    const result = inspect('queue-removed.json', '--policy', 'protect-queue.json');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('Q (AWS::SQS::Queue): Remove');
    expect(result.stdout).not.toContain('accepted by the safety policy');
  });
});
