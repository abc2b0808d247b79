import type { LiveTestCheck, LiveTestReport } from './run-live-test';

/** Where the CLI writes the JUnit report unless `--junit` says otherwise (relative to the working directory). */
export const DEFAULT_JUNIT_FILE = 'reports/live-test/junit.xml';

/** The JUnit suite name; CodeBuild shows it as the test cases' suite. */
export const JUNIT_SUITE = 'glue-cd live test';
/** The test cases' classname (CodeBuild's "prefix"). */
export const JUNIT_CLASSNAME = 'glue-cd.live-test';

export type JunitOutcome = { report: LiveTestReport } | { error: Error };

// XML 1.0 has no way to carry these code points, even escaped: they are dropped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const escapeXml = (text: string): string =>
  text
    .replace(INVALID_XML, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

const attributes = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');

const properties = (values: Record<string, string | number>, indent: string): string[] => [
  `${indent}<properties>`,
  ...Object.entries(values).map(([name, value]) => `${indent}  <property${attributes({ name, value })}/>`),
  `${indent}</properties>`,
];

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

const testCase = (check: LiveTestCheck): string[] => [
  `    <testcase${attributes({ classname: JUNIT_CLASSNAME, name: check.rule, time: '0' })}>`,
  ...properties({ expected: check.expected, actual: check.actual }, '      '),
  ...(check.passed
    ? []
    : [
        `      <failure${attributes({ type: 'CheckFailed', message: `expected ${check.expected}; actual ${check.actual}` })}>${escapeXml(check.detail)}</failure>`,
      ]),
  `      <system-out>${escapeXml(check.detail)}</system-out>`,
  `    </testcase>`,
];

/**
 * The live test as JUnit XML, one test case per check (a failed check carries `<failure>` with expected and actual),
 * or, when the live test could not run, one test case with the `<error>`. CodeBuild report groups read it
 * (`file-format: JUNITXML`); the expected/actual properties are for people and for the release report.
 */
export const liveTestJunit = (outcome: JunitOutcome, run: { startedAt: Date; durationMs: number }): string => {
  const checks = 'report' in outcome ? outcome.report.checks : [];
  const failures = checks.filter((check) => !check.passed).length;
  const errors = 'error' in outcome ? 1 : 0;
  const tests = checks.length + errors;
  const suite = {
    name: JUNIT_SUITE,
    tests,
    failures,
    errors,
    skipped: 0,
    time: seconds(run.durationMs),
    timestamp: run.startedAt.toISOString().replace(/\.\d{3}Z$/, ''),
  };
  const body =
    'report' in outcome
      ? [
          ...properties(
            {
              seededObject: outcome.report.seededObject,
              jobRunId: outcome.report.jobRunId,
              'records.seeded': outcome.report.counts.seeded,
              'records.raw': outcome.report.counts.raw,
              'records.transformed': outcome.report.counts.transformed,
              'records.rejected': outcome.report.counts.rejected,
            },
            '    ',
          ),
          ...checks.flatMap(testCase),
        ]
      : [
          `    <testcase${attributes({ classname: JUNIT_CLASSNAME, name: 'live test run', time: suite.time })}>`,
          `      <error${attributes({ type: outcome.error.name, message: `${outcome.error.name}: ${outcome.error.message}` })}>${escapeXml(outcome.error.stack ?? outcome.error.message)}</error>`,
          `    </testcase>`,
        ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: JUNIT_SUITE, tests, failures, errors, time: suite.time })}>`,
    `  <testsuite${attributes(suite)}>`,
    ...body,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
};
