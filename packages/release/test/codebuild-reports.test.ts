import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BuildspecError,
  collectReports,
  MAX_TEST_CASES,
  parseBuildspec,
  parseJunitReport,
  resolveReportGroup,
  type ReportCollection,
} from '../src';

// The buildspec `reports` section as CodeBuild handles it after a build, and the JUnit files it reads.

describe('parseJunitReport', () => {
  test.each([
    [
      'a testsuites root with properties, every status, times in seconds',
      `<?xml version="1.0"?>
<testsuites><testsuite name="s1">
  <properties><property name="records.raw" value="7"/></properties>
  <testcase classname="c" name="ok" time="1.5"><properties><property name="expected" value="1"/><property name="actual" value="1"/></properties></testcase>
  <testcase classname="c" name="bad"><failure message="expected 2">got 3</failure></testcase>
  <testcase name="boom"><error type="E" message="crashed"/></testcase>
  <testcase name="later"><skipped/></testcase>
</testsuite></testsuites>`,
      [
        ['s1', 'c', 'ok', 'SUCCEEDED', 1500, undefined, '1', '1'],
        ['s1', 'c', 'bad', 'FAILED', 0, 'expected 2\ngot 3', undefined, undefined],
        ['s1', 's1', 'boom', 'ERROR', 0, 'crashed', undefined, undefined],
        ['s1', 's1', 'later', 'SKIPPED', 0, undefined, undefined, undefined],
      ],
    ],
    [
      'a testsuite root with a nested suite',
      `<testsuite name="outer"><testcase name="a"/><testsuite name="inner"><testcase name="b" time="x"/></testsuite></testsuite>`,
      [
        ['outer', 'outer', 'a', 'SUCCEEDED', 0, undefined, undefined, undefined],
        ['inner', 'inner', 'b', 'SUCCEEDED', 0, undefined, undefined, undefined],
      ],
    ],
  ])('%s', (_name, xml, expected) => {
    const report = parseJunitReport(xml, 'junit.xml');
    expect(
      report.testCases.map((c) => [c.suite, c.prefix, c.name, c.status, c.durationMs, c.message, c.expected, c.actual]),
    ).toEqual(expected);
  });

  test('suite properties are kept (the live test puts its record counts there)', () => {
    const xml = `<testsuites><testsuite name="s"><properties><property name="records.raw" value="7"/></properties></testsuite></testsuites>`;
    expect(parseJunitReport(xml, 'j.xml').properties).toEqual({ 'records.raw': '7' });
  });

  test.each([
    ['not XML', '<testsuite name="x"><testcase></testsuite>', /j\.xml is not well-formed XML/],
    ['another document', '<coverage line-rate="1"/>', /j\.xml has neither <testsuites> nor <testsuite>/],
  ])('refuses %s, naming the file', (_name, xml, message) => {
    expect(() => parseJunitReport(xml, 'j.xml')).toThrow(message);
  });

  test('entities stay text: a DOCTYPE cannot expand into the report', () => {
    const xml = `<!DOCTYPE t [<!ENTITY x "EXPANDED">]><testsuite name="s"><testcase name="&x;&amp;"/></testsuite>`;
    const [testCase] = parseJunitReport(xml, 'j.xml').testCases;
    expect(testCase?.name).toBe('&x;&');
  });
});

describe('the buildspec reports section', () => {
  const buildspec = (reports: string) => parseBuildspec(`version: 0.2\nreports:\n${reports}`, 'spec.yml');

  test('is read strictly: an unknown key, a format CodeBuild does not know, no files, six groups', () => {
    expect(() => buildspec('  g:\n    files: [a.xml]\n    base-dir: out')).toThrow(/reports\.g: unknown key base-dir/);
    expect(() => buildspec('  g:\n    files: [a.xml]\n    file-format: TAP')).toThrow(/reports\.g\.file-format/);
    expect(() => buildspec('  g:\n    files: []')).toThrow(/reports\.g\.files/);
    const six = Array.from({ length: 6 }, (_, i) => `  g${i}:\n    files: [a.xml]`).join('\n');
    expect(() => buildspec(six)).toThrow(BuildspecError);
    expect(() => buildspec(six)).toThrow(/at most 5 report groups/);
  });

  test.each([
    ['checks', 'p-checks', 'arn:aws:codebuild:eu-west-1:111:report-group/p-checks'],
    [
      'arn:aws:codebuild:eu-west-1:222:report-group/shared',
      'shared',
      'arn:aws:codebuild:eu-west-1:222:report-group/shared',
    ],
  ])('report group %s is %s', (key, name, arn) => {
    expect(resolveReportGroup(key, { projectName: 'p', region: 'eu-west-1', account: '111' })).toEqual({ name, arn });
  });
});

describe('collectReports', () => {
  let work: string;
  let source: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-reports-'));
    source = path.join(work, 'src');
    await mkdir(path.join(source, 'out', 'a'), { recursive: true });
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const options = (reports: ReportCollection['reports'], more: Partial<ReportCollection> = {}): ReportCollection => ({
    reports,
    sourceDir: source,
    outDir: path.join(work, 'report', 'release-1', 'Test.Check.reports'),
    reportDir: path.join(work, 'report'),
    projectName: 'proj',
    region: 'us-east-1',
    account: '000000000000',
    ...more,
  });
  const suite = (cases: string) => `<testsuite name="s">${cases}</testsuite>`;

  test('files under base-directory, every file read, the group as CodeBuild names it and as the template declares it', async () => {
    await writeFile(path.join(source, 'out/a/one.xml'), suite('<testcase name="x"/>'));
    await writeFile(path.join(source, 'out/two.xml'), suite('<testcase name="y"><failure message="no"/></testcase>'));
    const { records, lines } = await collectReports(
      options(
        { $GROUP: { files: ['**/*.xml'], 'base-directory': 'out', 'discard-paths': true } },
        { expandedNames: { $GROUP: 'checks' }, declaredGroups: { 'proj-checks': 'ChecksGroup' } },
      ),
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      reportGroup: '$GROUP',
      reportGroupName: 'proj-checks',
      declaredAs: 'ChecksGroup',
      status: 'FAILED',
      files: [
        { source: 'one.xml', path: 'release-1/Test.Check.reports/proj-checks/one.xml' },
        { source: 'two.xml', path: 'release-1/Test.Check.reports/proj-checks/two.xml' },
      ],
      summary: { total: 2, statusCounts: { SUCCEEDED: 1, FAILED: 1 } },
    });
    expect(lines).toContain('Report proj-checks: FAILED: 2 test cases, 1 failed, 0 errors');
  });

  test.each([
    ['no file matches', {}, /^no matching report paths found for missing\.xml under out/],
    ['the build ended early', { incomplete: 'the build ended before UPLOAD_ARTIFACTS' }, /^the build ended before/],
  ])('INCOMPLETE when %s: the reason says why', async (_name, more, reason) => {
    const { records } = await collectReports(options({ g: { files: ['missing.xml'], 'base-directory': 'out' } }, more));
    expect(records[0]).toMatchObject({ status: 'INCOMPLETE', files: [], testCases: [] });
    expect(records[0]?.reason).toMatch(reason);
  });

  test('INCOMPLETE for an unreadable file, which is still collected to look at', async () => {
    await writeFile(path.join(source, 'out/bad.xml'), '<testsuite>');
    const { records } = await collectReports(options({ g: { files: ['bad.xml'], 'base-directory': 'out' } }));
    expect(records[0]).toMatchObject({ status: 'INCOMPLETE', files: [{ source: 'bad.xml' }] });
    expect(records[0]?.reason).toMatch(/bad\.xml is not well-formed XML/);
  });

  test('coverage files are collected and said not to be read locally', async () => {
    await writeFile(path.join(source, 'out/cov.xml'), '<coverage/>');
    const { records } = await collectReports(
      options({ cov: { files: ['cov.xml'], 'base-directory': 'out', 'file-format': 'COBERTURAXML' } }),
    );
    expect(records[0]).toMatchObject({ type: 'CODE_COVERAGE', status: 'INCOMPLETE', files: [{ source: 'cov.xml' }] });
    expect(records[0]?.reason).toMatch(/reads JUNITXML only/);
  });

  test(`keeps ${MAX_TEST_CASES} test cases, failures first, as CodeBuild does`, async () => {
    const passing = Array.from({ length: MAX_TEST_CASES }, (_, i) => `<testcase name="p${i}"/>`).join('');
    await writeFile(path.join(source, 'out/big.xml'), suite(`${passing}<testcase name="late"><error/></testcase>`));
    const { records } = await collectReports(options({ g: { files: ['big.xml'], 'base-directory': 'out' } }));
    expect(records[0]?.testCases).toHaveLength(MAX_TEST_CASES);
    expect(records[0]?.testCases[0]).toMatchObject({ name: 'late', status: 'ERROR' });
    expect(records[0]).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/501 test cases/) });
  });
});
