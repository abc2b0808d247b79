import { liveTestJunit, type LiveTestReport } from '@glue-cd/live-test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const report = (checks: LiveTestReport['checks']): LiveTestReport => ({
  passed: checks.every((check) => check.passed),
  counts: { seeded: 3, raw: 3, transformed: 3, rejected: 0 },
  checks,
  jobRunId: 'jr_1',
  seededObject: 's3://raw/nyc-taxi/x.csv',
});

const run = { startedAt: new Date('2026-11-27T10:00:00.250Z'), durationMs: 1500 };
const parse = (xml: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' }).parse(
    xml,
  ) as { testsuites: { testsuite: Record<string, unknown> & { testcase: Record<string, unknown>[] } } };

describe('liveTestJunit', () => {
  test('one test case per check: counts, suite time and timestamp, failures only for failed checks', () => {
    const xml = liveTestJunit(
      {
        report: report([
          { rule: 'a', passed: true, expected: '1', actual: '1', detail: 'fine' },
          { rule: 'b', passed: false, expected: '2', actual: '3', detail: 'off by one' },
        ]),
      },
      run,
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const suite = parse(xml).testsuites.testsuite;
    expect(suite).toMatchObject({ '@tests': '2', '@failures': '1', '@errors': '0', '@time': '1.500' });
    expect(suite['@timestamp']).toBe('2026-11-27T10:00:00');
    expect(suite.testcase.map((c) => [c['@name'], c.failure !== undefined])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });

  test('hostile check text stays data: markup escaped, characters XML cannot carry dropped', () => {
    const nasty = `<script>&"quote"' \u0001\u001b]]></x>`;
    const xml = liveTestJunit(
      { report: report([{ rule: nasty, passed: false, expected: nasty, actual: nasty, detail: nasty }]) },
      run,
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('<script>');
    const [testcase] = parse(xml).testsuites.testsuite.testcase;
    expect(testcase!['@name']).toBe(`<script>&"quote"' ]]></x>`);
  });

  test('a live test that could not run is one errored test case carrying the error', () => {
    const error = Object.assign(new Error('crawler raw failed: <AccessDenied>'), { name: 'CrawlerRunError' });
    const xml = liveTestJunit({ error }, run);
    expect(XMLValidator.validate(xml)).toBe(true);
    const suite = parse(xml).testsuites.testsuite;
    expect(suite).toMatchObject({ '@tests': '1', '@failures': '0', '@errors': '1' });
    expect(suite.testcase[0]).toMatchObject({
      '@name': 'live test run',
      error: { '@type': 'CrawlerRunError', '@message': 'CrawlerRunError: crawler raw failed: <AccessDenied>' },
    });
  });
});
