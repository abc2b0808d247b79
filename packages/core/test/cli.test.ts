import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../src/cli/inspect';

const fixture = path.join(__dirname, 'fixtures/glue-etl-bucket-rename.describe-change-set.json');
const files: Record<string, string> = {
  'unsafe.json': readFileSync(fixture, 'utf8'),
  'safe.json': JSON.stringify({
    Changes: [
      { Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'Q', ResourceType: 'AWS::SQS::Queue' } },
    ],
  }),
  'pages.json': JSON.stringify([{ Changes: [], NextToken: 'n' }, JSON.parse(readFileSync(fixture, 'utf8'))]),
  'policy.json': JSON.stringify({ allowedLogicalIds: ['RawBucket'] }),
  'broken.json': '{"Changes": [',
  'other.json': '{"Stacks": []}',
  // A current template (as get-template returns it) and a new one adding iam:* to the job role, in YAML.
  'current.json': JSON.stringify({
    Resources: {
      JobRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [] },
          Policies: [
            {
              PolicyName: 'job',
              PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
            },
          ],
        },
      },
    },
  }),
  'new.yaml': [
    'Resources:',
    '  JobRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      AssumeRolePolicyDocument: { Statement: [] }',
    '      Policies:',
    '        - PolicyName: job',
    '          PolicyDocument:',
    '            Statement:',
    '              - { Effect: Allow, Action: s3:GetObject, Resource: "*" }',
    '              - { Effect: Allow, Action: "iam:*", Resource: !Sub "arn:${AWS::Partition}:iam::*" }',
  ].join('\n'),
};
const read = (file: string) => {
  const text = files[file];
  if (text === undefined) throw new Error(`ENOENT: ${file}`);
  return text;
};

describe('glue-cd inspect', () => {
  test('prints the violations and exits 1 for an unsafe change set', () => {
    const result = runCli(['inspect', 'unsafe.json'], read);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^RESOURCES-BEING-DELETED-OR-REPLACED: 1 of 2/);
    expect(result.stdout).toContain('RawBucket (AWS::S3::Bucket): Modify, Replacement True');
  });

  test('exits 0 for a safe change set', () => {
    expect(runCli(['inspect', 'safe.json'], read)).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^CAN-SAFELY-UPDATE-EXISTING-STACK/),
    });
  });

  test('reads several pages, in one array or in several files', () => {
    expect(runCli(['inspect', 'pages.json'], read).exitCode).toBe(1);
    expect(runCli(['inspect', 'safe.json', 'unsafe.json'], read).stdout).toMatch(/1 of 3/);
  });

  test('a policy still never allows replacing a bucket', () => {
    expect(runCli(['inspect', 'unsafe.json', '--policy', 'policy.json'], read).exitCode).toBe(1);
  });

  test('with both templates, reports security broadening and exits 1 (on-broadening fail by default)', () => {
    const result = runCli(['inspect', '--old-template', 'current.json', '--new-template', 'new.yaml'], read);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^SECURITY-BROADENING-NOT-APPROVED: 0 of 0 resource changes/);
    expect(result.stdout).toContain(
      '! Allow iam:* on {"Fn::Sub":"arn:${AWS::Partition}:iam::*"} for AWS:${JobRole} [iam-statement ',
    );
    expect(result.stdout).not.toContain('IAM Statement Changes');
  });

  test('combines a change set with templates, prints the cdk-diff text with --diff, and allows with --on-broadening allow', () => {
    const result = runCli(
      [
        'inspect',
        'safe.json',
        '--old-template',
        'current.json',
        '--new-template',
        'new.yaml',
        '--on-broadening',
        'allow',
        '--diff',
      ],
      read,
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^CAN-SAFELY-UPDATE-EXISTING-STACK: 0 of 1 resource changes/);
    expect(result.stdout).toContain('broadening accepted (onBroadening allow)');
    expect(result.stdout).toContain('IAM Statement Changes');
  });

  test('a destructive change set stays refused whatever the broadening policy', () => {
    const result = runCli(
      [
        'inspect',
        'unsafe.json',
        '--old-template',
        'current.json',
        '--new-template',
        'current.json',
        '--on-broadening',
        'allow',
      ],
      read,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^RESOURCES-BEING-DELETED-OR-REPLACED/);
  });

  test.each([
    [['inspect', '--old-template', 'current.json'], /--old-template and --new-template go together/],
    [['inspect', 'safe.json', '--on-broadening', 'maybe'], /--on-broadening must be one of fail, approve, allow/],
    [['inspect', 'safe.json', '--policy'], /--policy needs a value/],
    [['inspect', 'safe.json', '--frobnicate'], /unknown option --frobnicate/],
    [['inspect', 'broken.json'], /broken.json is not JSON/],
    [['inspect', 'other.json'], /other.json is not describe-change-set output/],
    [['inspect', 'missing.json'], /ENOENT/],
    [['inspect'], /usage: glue-cd inspect/],
    [['deploy', 'x.json'], /usage/],
  ])('exits 2 with a clear message for %p', (argv, message) => {
    const result = runCli(argv, read);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  test('the installed bin runs on a real fixture', () => {
    const bin = path.join(__dirname, '..', 'bin', 'glue-cd.cjs');
    const result = spawnSync(process.execPath, [bin, 'inspect', fixture], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('RESOURCES-BEING-DELETED-OR-REPLACED');
  });
});
