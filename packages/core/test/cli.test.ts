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

  test.each([
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
