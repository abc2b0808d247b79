import { InspectReportSchema, type InspectReport } from '../src/cli/inspect/report-schema';
import { CLI_FILES, resourceChange } from './support/cli-fixtures';
import { runInMemory } from './support/memory-io';

// The tables of inputs behind `glue-cd inspect`, run in process over in-memory files (cli.test.ts spawns the bin).

const run = (args: string[], stdin?: string) => runInMemory(['inspect', ...args], CLI_FILES, stdin);
const report = async (args: string[], stdin?: string): Promise<InspectReport> =>
  InspectReportSchema.parse(JSON.parse((await run([...args, '--format', 'json'], stdin)).stdout));

describe('usage errors: exit 2, the problem named on stderr, nothing on stdout', () => {
  test.each([
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['unsafe.json', '--format', 'yaml'], /--format must be one of text, json, junit, got "yaml"/],
    [['unsafe.json', '--on-broadening', 'maybe'], /--on-broadening must be one of fail, approve, allow, got "maybe"/],
    [['unsafe.json', '--policy'], /Option '--policy <value>' argument missing/],
    [['unsafe.json', '--policy', '--format', 'json'], /Option '--policy' argument is ambiguous/],
    [[], /nothing to inspect: give describe-change-set files, -, a live change set or two templates/],
    [['--old-template', 'current.json'], /--old-template and --new-template go together/],
    [['-', '--policy', '-'], /standard input \(-\) can be read once/],
    [['--stack-name', 's'], /--stack-name needs --change-set-name/],
    [['--change-set-name', 'c'], /--change-set-name without --stack-name must be a change set ARN/],
    [['unsafe.json', '--stack-name', 's', '--change-set-name', 'c'], /and files \(unsafe.json\) exclude each other/],
    [['--stack-name', 's', '--change-set-name', 'c', '--old-template', 'a', '--new-template', 'b'], /brings its own/],
    [['unsafe.json', '--region', 'eu-west-1'], /--region and --profile only apply to a live change set/],
    [['unsafe.json', '--approved-plan', 'plan.json'], /--approved-plan is only read with --on-broadening approve/],
  ])('%p', async (args, message) => {
    const result = await run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/\(glue-cd inspect --help prints the usage\)\n$/);
    expect(result.stdout).toBe('');
  });

  test('glue-cd without a command', async () => {
    const result = await runInMemory([], CLI_FILES);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^glue-cd: no command given\n/);
  });

  test('help inspect prints the inspect usage', async () => {
    expect((await runInMemory(['help', 'inspect'], CLI_FILES)).stdout).toMatch(/^usage: glue-cd inspect/);
  });
});

describe('bad input files: exit 2 naming the file and what is wrong', () => {
  test.each([
    [['broken.json'], /broken.json is not JSON: /],
    [['stacks.json'], /stacks.json is not describe-change-set output: it has no "Changes" list/],
    [['missing.json'], /cannot read change set missing.json: ENOENT/],
    [['-'], /\(stdin\) is not JSON/],
    [['failed.json'], /change set c \(failed.json\) FAILED: Template format error: bad/],
    [
      ['creating.json'],
      /change set c \(creating.json\) is CREATE_IN_PROGRESS: describe it again once it is CREATE_COMPLETE/,
    ],
    [['child.json', 'other-change-set.json'], /pages of 2 unrelated change sets were given/],
    [['unsafe.json', '--policy', 'nope.json'], /cannot read policy nope.json: ENOENT/],
    [['unsafe.json', '--policy', 'broken.json'], /policy broken.json is not JSON/],
    [
      ['unsafe.json', '--policy', 'typo-policy.json'],
      /policy typo-policy.json: \(root\): Unrecognized key: "allowedLogicalIdz"/,
    ],
    [['unsafe.json', '--policy', 'bad-type-policy.json'], /policy bad-type-policy.json: allowedResourceTypes\[0\]: /],
    [
      ['--old-template', 'current.json', '--new-template', 'not-a-template.yaml'],
      /--new-template not-a-template.yaml is not a CloudFormation template/,
    ],
    [['--old-template', 'gone.json', '--new-template', 'new.yaml'], /cannot read --old-template gone.json: ENOENT/],
    [
      ['unsafe.json', '--on-broadening', 'approve', '--approved-plan', 'safe.json'],
      /approvedPlan safe.json is not a glue-cd plan: kind/,
    ],
  ])('%p', async (args, message) => {
    const result = await run(args, '{');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('what the report says', () => {
  test('pages of one change set: in a JSON array or in several files', async () => {
    expect(await report(['pages.json'])).toMatchObject({ inspectedChanges: 2, incomplete: [] });
    expect((await report(['safe.json', 'unsafe.json'])).inspectedChanges).toBe(3);
  });

  test('a change set whose every page has a NextToken is incomplete at the root', async () => {
    const result = await report(['first-page-only.json']);
    expect(result).toMatchObject({ verdict: 'CHANGE-SET-INCOMPLETE', safe: false });
    expect(result.incomplete).toEqual([
      {
        stackPath: [],
        changeSetId: 'first',
        reason: expect.stringMatching(/the next page was not given \(first-page-only.json\)/),
      },
    ]);
  });

  test('a nested stack previewed without IncludeNestedStacks is incomplete', async () => {
    expect((await report(['no-nested-preview.json'])).incomplete).toEqual([
      { stackPath: ['Lake'], reason: expect.stringMatching(/created without IncludeNestedStacks/) },
    ]);
  });

  test('an unsafe change set stays unsafe (exit 1) even when part of it was not read', async () => {
    const rootWithReplacement = {
      ...(CLI_FILES['root.json'] as object),
      Changes: [
        ...(CLI_FILES['root.json'] as { Changes: unknown[] }).Changes,
        resourceChange({ Action: 'Remove', LogicalResourceId: 'RawBucket', ResourceType: 'AWS::S3::Bucket' }),
      ],
    };
    const result = await run(['-'], JSON.stringify(rootWithReplacement));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /^RESOURCES-BEING-DELETED-OR-REPLACED: 1 of 3 resource changes .*; 1 change set not read$/m,
    );
  });

  test('the junit of a nested change set has a testsuite per stack', async () => {
    const result = await run(['root.json', 'child.json', '--format', 'junit']);
    expect(result.stdout).toContain('<testsuite name="glue-cd-glue-etl-test" tests="2" failures="0"');
    expect(result.stdout).toContain('<testsuite name="glue-cd-glue-etl-test &gt; Lake" tests="1" failures="1"');
  });

  test('an allow-listed destructive change is accepted: listed in text, passing with a note in junit', async () => {
    const text = await run(['remove-job.json', '--policy', 'allow-job.json']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('  accepted by the safety policy:\n  + NycTaxiJob (AWS::Glue::Job): Remove');
    const junit = await run(['remove-job.json', '--policy', 'allow-job.json', '--format', 'junit']);
    expect(junit.stdout).toContain('<system-out>accepted by the safety policy: NycTaxiJob');
    expect(junit.stdout).toContain('failures="0"');
  });

  test('allow-listing a bucket never allows replacing it (stateful types stay protected)', async () => {
    expect((await run(['unsafe.json', '--policy', 'allow-raw-bucket.json'])).status).toBe(1);
  });

  test('templates with a change set: --on-broadening allow accepts the broadening; --security-only prints only IAM', async () => {
    const args = ['safe.json', '--old-template', 'current.json', '--new-template', 'new.yaml'];
    const allowed = await run([...args, '--on-broadening', 'allow']);
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(
      /^CAN-SAFELY-UPDATE-EXISTING-STACK: 0 of 1 resource changes would delete or replace resources; 0 of 1 security broadening refused \(onBroadening allow\)$/m,
    );
    expect(allowed.stdout).toContain('  broadening accepted (onBroadening allow):\n  + Allow iam:*');
    const security = await run([...args, '--security-only']);
    expect(security.status).toBe(1);
    expect(security.stdout).toContain('IAM Statement Changes');
    expect(security.stdout).not.toContain('[~] AWS::IAM::Role JobRole');
    const json = await report([...args]);
    expect(json.broadening).toEqual([expect.objectContaining({ kind: 'iam-statement', refused: true, stackPath: [] })]);
    expect(json.broadeningReason).toMatch(/^onBroadening is fail: 1 security broadening refused/);
  });

  test('a destructive change set stays refused whatever the broadening policy', async () => {
    const result = await run([
      'unsafe.json',
      '--old-template',
      'current.json',
      '--new-template',
      'current.json',
      '--on-broadening',
      'allow',
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /^RESOURCES-BEING-DELETED-OR-REPLACED: 1 of 2 .*; 0 of 0 security broadenings refused/m,
    );
  });

  test('--on-broadening approve with the plan that lists the broadening accepts it', async () => {
    const args = ['--old-template', 'current.json', '--new-template', 'new.yaml'];
    const [item] = (await report(args)).broadening;
    const verdict = {
      verdict: 'SECURITY-BROADENING-NOT-APPROVED',
      safe: false,
      refusal: 'broadening',
      counts: { inspectedChanges: 0, violations: 0, accepted: 0, broadening: 1, refusedBroadening: 1 },
      violations: [],
      broadening: [],
      onBroadening: 'fail',
    };
    const plan = {
      kind: 'glue-cd-plan',
      version: 1,
      stackName: 's',
      environmentName: 'test',
      executionName: 'e',
      changeSetName: 'c',
      changeSetType: 'UPDATE',
      createdAt: '2026-11-27T00:00:00Z',
      counts: { added: 0, modified: 1, replaced: 0, removed: 0, broadening: 1 },
      verdict,
      broadening: [{ id: item!.id, kind: item!.kind, stackPath: [], description: item!.description }],
      summary: '',
      textUrl: 's3://b/plans/s/e.txt',
    };
    const files = { ...CLI_FILES, 'plan.json': plan };
    const approved = await runInMemory(
      ['inspect', ...args, '--on-broadening', 'approve', '--approved-plan', 'plan.json'],
      files,
    );
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain('broadening accepted (onBroadening approve)');
  });
});
