import { InspectReportSchema, type InspectReport } from '../src/cli/inspect/report-schema';
import { CHILD_ID, CLI_FILES, unsafePage } from './support/cli-fixtures';
import { runCli, tempFiles } from './support/run-cli';

// `glue-cd inspect` as a user runs it: `node packages/core/bin/glue-cd.cjs` in a working directory, stdin, stdout,
// stderr and the exit status. The tables of bad inputs run in process (cli-inputs.test.ts).

let dir: string;
let remove: () => void;
beforeAll(() => ({ dir, remove } = tempFiles(CLI_FILES)));
afterAll(() => remove());

const inspect = (args: string[], input?: string) =>
  runCli(['inspect', ...args], { cwd: dir, ...(input !== undefined ? { input } : {}) });
const report = (stdout: string): InspectReport => InspectReportSchema.parse(JSON.parse(stdout));

describe('glue-cd: help, version, strict flags', () => {
  test.each([
    [['--help'], /^usage: glue-cd <command>[^]*Commands:/],
    [['inspect', 'unsafe.json', '-h'], /^usage: glue-cd inspect \[options\][^]*Exit status: 0 safe, 1 unsafe/],
  ])('%p prints the usage on stdout, ending with a newline, and exits 0', async (args, usage) => {
    const result = await runCli(args, { cwd: dir });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(usage);
    expect(result.stdout.endsWith('\n')).toBe(true);
  });

  test('--version prints the package version', async () => {
    expect(await runCli(['--version'])).toEqual({ status: 0, stdout: '0.1.0\n', stderr: '' });
  });

  test('an unknown flag is not a file name: exit 2 naming it, nothing on stdout', async () => {
    const result = await inspect(['--json', 'unsafe.json']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toBe("glue-cd inspect: Unknown option '--json'\n(glue-cd inspect --help prints the usage)\n");
  });

  test('an unknown command: exit 2 with the commands', async () => {
    const result = await runCli(['deploy', 'x.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^glue-cd: unknown command "deploy"\n\nusage: glue-cd <command>/);
  });
});

describe('glue-cd inspect: one exit status per verdict', () => {
  test('unsafe: the changes drawn like cdk diff, the verdict naming the bucket, exit 1', async () => {
    const result = await inspect(['unsafe.json']);
    expect(result).toEqual({
      status: 1,
      stderr: '',
      stdout: [
        'Stack glue-cd-glue-etl-prod (change set glue-cd-deploy-1)',
        'Resources',
        '[~] AWS::S3::Bucket RawBucket replace',
        ' └─ [~] BucketName (requires replacement)',
        '[~] AWS::Glue::Job NycTaxiJob',
        ' └─ [~] Command',
        '',
        'RESOURCES-BEING-DELETED-OR-REPLACED: 1 of 2 resource changes would delete or replace resources',
        '  - RawBucket (AWS::S3::Bucket): Modify, Replacement True: resource would be replaced (a new physical resource, the old one removed)',
        '',
      ].join('\n'),
    });
  });

  test('safe: exit 0', async () => {
    const result = await inspect(['safe.json']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'Stack change set\nResources\n[+] AWS::SQS::Queue Queue\n\nCAN-SAFELY-UPDATE-EXISTING-STACK: 0 of 1 resource changes would delete or replace resources\n',
    );
  });

  test('an empty change set (FAILED: no changes) is "no changes", exit 0', async () => {
    expect(await inspect(['empty.json'])).toEqual({
      status: 0,
      stdout: 'CAN-SAFELY-UPDATE-EXISTING-STACK: no changes\n',
      stderr: '',
    });
  });

  test('bad input: exit 2 naming the file', async () => {
    const result = await inspect(['unsafe.json', '--policy', 'typo-policy.json']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toContain('policy typo-policy.json: (root): Unrecognized key: "allowedLogicalIdz"');
  });

  test('a nested root without its child pages: incomplete, the nested stack named, exit 3', async () => {
    const result = await inspect(['root.json']);
    expect(result.status).toBe(3);
    expect(result.stdout).toContain(
      'CHANGE-SET-INCOMPLETE: 0 of 2 resource changes would delete or replace resources; 1 change set not read\n',
    );
    expect(result.stdout).toContain(
      `  ? nested stack Lake (change set ${CHILD_ID}) not read: its nested change set was not given: add the output of \`aws cloudformation describe-change-set --change-set-name ${CHILD_ID}\``,
    );
  });

  test('--allow-incomplete judges what was read: exit 0, the unread change set still listed', async () => {
    const result = await inspect(['root.json', '--allow-incomplete']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'CAN-SAFELY-UPDATE-EXISTING-STACK: 0 of 2 resource changes would delete or replace resources; 1 change set not read (--allow-incomplete)',
    );
  });

  test('with the child pages the nested change set is judged: its replaced bucket refused, exit 1', async () => {
    const result = await inspect(['root.json', 'child.json']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'Stack glue-cd-glue-etl-test > Lake (nested)\nResources\n[~] AWS::S3::Bucket CuratedBucket replace\n',
    );
    expect(result.stdout).toContain(
      '  - CuratedBucket (AWS::S3::Bucket) in nested stack Lake: Modify, Replacement True: resource would be replaced',
    );
  });
});

describe('glue-cd inspect: stdin and formats', () => {
  test('- reads the change set from stdin; --format json prints the report', async () => {
    const result = await inspect(['-', '--format', 'json'], unsafePage);
    expect(result.status).toBe(1);
    expect(report(result.stdout)).toEqual({
      verdict: 'RESOURCES-BEING-DELETED-OR-REPLACED',
      safe: false,
      stackName: 'glue-cd-glue-etl-prod',
      changeSetName: 'glue-cd-deploy-1',
      inspectedChanges: 2,
      violations: [
        {
          logicalId: 'RawBucket',
          stackPath: [],
          resourceType: 'AWS::S3::Bucket',
          action: 'Modify',
          replacement: 'True',
          reason: 'resource would be replaced (a new physical resource, the old one removed)',
        },
      ],
      accepted: [],
      broadening: [],
      onBroadening: 'fail',
      incomplete: [],
      changes: [
        {
          logicalId: 'RawBucket',
          stackPath: [],
          resourceType: 'AWS::S3::Bucket',
          action: 'Modify',
          replacement: 'True',
          physicalResourceId: 'glue-cd-glue-etl-prod-rawbucket-1a2b3c',
        },
        {
          logicalId: 'NycTaxiJob',
          stackPath: [],
          resourceType: 'AWS::Glue::Job',
          action: 'Modify',
          replacement: 'False',
          physicalResourceId: 'glue-cd-nyc-taxi-prod',
        },
      ],
    });
  });

  test('--format junit: a testcase per resource change, a failure per violation', async () => {
    const result = await inspect(['unsafe.json', '--format', 'junit']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="glue-cd inspect glue-cd-glue-etl-prod" tests="2" failures="1" errors="0">',
        '  <testsuite name="glue-cd-glue-etl-prod" tests="2" failures="1" errors="0" skipped="0">',
        '    <testcase classname="glue-cd-glue-etl-prod" name="RawBucket (AWS::S3::Bucket) Modify replace">',
        '      <failure type="RESOURCES-BEING-DELETED-OR-REPLACED" message="resource would be replaced (a new physical resource, the old one removed)">RawBucket (AWS::S3::Bucket): Modify, Replacement True: resource would be replaced (a new physical resource, the old one removed)</failure>',
        '    </testcase>',
        '    <testcase classname="glue-cd-glue-etl-prod" name="NycTaxiJob (AWS::Glue::Job) Modify"/>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  test('templates: the cdk diff (IAM table, resources) then refused broadening, exit 1', async () => {
    const result = await inspect(['--old-template', 'current.json', '--new-template', 'new.yaml']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^Stack change set\nIAM Statement Changes\n/);
    expect(result.stdout).toContain('[~] AWS::IAM::Role JobRole');
    expect(result.stdout).toMatch(
      /\n\nSECURITY-BROADENING-NOT-APPROVED: 1 of 1 security broadening refused \(onBroadening fail\)\n/,
    );
    expect(result.stdout).toContain(
      '  ! Allow iam:* on {"Fn::Sub":"arn:${AWS::Partition}:iam::*"} for AWS:${JobRole} [iam-statement ',
    );
  });
});
