import { describeBroadening } from '../../change-set/broadening-item';
import { describeViolation } from '../../change-set/verdict';
import type { Inspection } from './inspection';
import type { IncompleteChangeSet, InspectReport } from './report-schema';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const whereIncomplete = (item: IncompleteChangeSet, report: InspectReport): string =>
  item.stackPath.length > 0
    ? `nested stack ${item.stackPath.join(' > ')}`
    : `stack ${report.stackName ?? report.changeSetName ?? '(root)'}`;

/** `<VERDICT>: what was judged`, e.g. `CAN-SAFELY-UPDATE-EXISTING-STACK: no changes`. */
const headline = (inspection: Inspection): string => {
  const { report } = inspection;
  const parts: string[] = [];
  if (inspection.changeSetGiven) {
    parts.push(
      report.inspectedChanges === 0 && report.incomplete.length === 0
        ? 'no changes'
        : `${report.violations.length} of ${report.inspectedChanges} resource changes would delete or replace resources`,
    );
  }
  if (inspection.templatesRead) {
    const refused = report.broadening.filter((b) => b.refused).length;
    parts.push(
      `${refused} of ${plural(report.broadening.length, 'security broadening')} refused (onBroadening ${report.onBroadening})`,
    );
  }
  if (report.incomplete.length > 0) {
    parts.push(
      `${plural(report.incomplete.length, 'change set')} not read${inspection.allowIncomplete ? ' (--allow-incomplete)' : ''}`,
    );
  }
  return `${report.verdict}: ${parts.join('; ')}`;
};

/** The verdict block: the headline, then one line per refused or missing thing, then what was accepted. */
export const verdictLines = (inspection: Inspection): string[] => {
  const { report } = inspection;
  const lines = [headline(inspection)];
  lines.push(...report.violations.map((v) => `  - ${describeViolation(v)}`));
  lines.push(...report.broadening.filter((b) => b.refused).map((b) => `  ! ${describeBroadening(b)}`));
  if (report.broadeningReason !== undefined) lines.push(`  ${report.broadeningReason}`);
  for (const item of report.incomplete) {
    lines.push(
      `  ? ${whereIncomplete(item, report)}${item.changeSetId !== undefined ? ` (change set ${item.changeSetId})` : ''} not read: ${item.reason}`,
    );
  }
  if (report.incomplete.length > 0) {
    lines.push(
      inspection.allowIncomplete
        ? '  --allow-incomplete: only the changes that were read are judged'
        : '  give the missing pages, or --allow-incomplete to judge only what was read',
    );
  }
  if (report.accepted.length > 0) {
    lines.push('  accepted by the safety policy:', ...report.accepted.map((v) => `  + ${describeViolation(v)}`));
  }
  const approved = report.broadening.filter((b) => !b.refused);
  if (approved.length > 0) {
    lines.push(
      `  broadening accepted (onBroadening ${report.onBroadening}):`,
      ...approved.map((b) => `  + ${describeBroadening(b)}`),
    );
  }
  return lines;
};

/** Text: each stack's diff (like `cdk diff`), then the verdict; an empty change set is one line. */
export const renderText = (inspection: Inspection): string => {
  const { report } = inspection;
  const empty = inspection.changeSetGiven && report.changes.length === 0 && report.incomplete.length === 0;
  const sections = empty ? [] : inspection.sections.map((s) => `${s.title}\n${s.text}\n`);
  return `${[...sections, verdictLines(inspection).join('\n')].join('\n')}\n`;
};

export const renderJson = (inspection: Inspection): string => `${JSON.stringify(inspection.report, null, 2)}\n`;

// XML 1.0 forbids most control characters even as references; they cannot come from CloudFormation names anyway.
const xml = (text: string): string =>
  text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

interface TestCase {
  name: string;
  failure?: { type: string; message: string; body: string };
  skipped?: string;
  output?: string;
}

const suite = (name: string, cases: TestCase[]): string => {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases.map((c) => {
    const inner = [
      c.failure !== undefined
        ? `      <failure type="${xml(c.failure.type)}" message="${xml(c.failure.message)}">${xml(c.failure.body)}</failure>`
        : '',
      c.skipped !== undefined ? `      <skipped message="${xml(c.skipped)}"/>` : '',
      c.output !== undefined ? `      <system-out>${xml(c.output)}</system-out>` : '',
    ].filter((line) => line !== '');
    const open = `    <testcase classname="${xml(name)}" name="${xml(c.name)}"`;
    return inner.length === 0 ? `${open}/>` : [`${open}>`, ...inner, '    </testcase>'].join('\n');
  });
  return [
    `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...body,
    '  </testsuite>',
  ].join('\n');
};

const samePlace = (a: { logicalId: string; stackPath: string[] }, b: { logicalId: string; stackPath: string[] }) =>
  a.logicalId === b.logicalId && a.stackPath.join('/') === b.stackPath.join('/');

/**
 * JUnit XML for CI test reports (CodeBuild, GitHub, GitLab): a testsuite per stack with a testcase per resource
 * change, failed when the change is refused; refused broadening and change sets not read are failures too.
 */
export const renderJunit = (inspection: Inspection): string => {
  const { report } = inspection;
  const rootName = report.stackName ?? report.changeSetName ?? 'change set';
  const stackName = (stackPath: string[]): string => [rootName, ...stackPath].join(' > ');
  const suites = new Map<string, TestCase[]>();
  const add = (name: string, testCase: TestCase): void => {
    suites.set(name, [...(suites.get(name) ?? []), testCase]);
  };
  for (const section of inspection.sections) suites.set(stackName(section.stackPath), []);
  for (const change of report.changes) {
    const name = `${change.logicalId} (${change.resourceType}) ${change.action}${change.replacement === 'True' ? ' replace' : ''}`;
    const violation = report.violations.find((v) => samePlace(v, change));
    const accepted = report.accepted.find((v) => samePlace(v, change));
    add(stackName(change.stackPath), {
      name,
      ...(violation !== undefined
        ? { failure: { type: report.verdict, message: violation.reason, body: describeViolation(violation) } }
        : {}),
      ...(accepted !== undefined ? { output: `accepted by the safety policy: ${describeViolation(accepted)}` } : {}),
    });
  }
  for (const item of report.broadening) {
    add('security broadening', {
      name: `${item.kind} ${item.id}`,
      ...(item.refused
        ? {
            failure: {
              type: 'SECURITY-BROADENING-NOT-APPROVED',
              message: report.broadeningReason ?? 'refused',
              body: describeBroadening(item),
            },
          }
        : { output: `accepted (onBroadening ${report.onBroadening}): ${describeBroadening(item)}` }),
    });
  }
  for (const item of report.incomplete) {
    const name = `${whereIncomplete(item, report)} not read`;
    add(
      'incomplete change set',
      inspection.allowIncomplete
        ? { name, skipped: item.reason }
        : { name, failure: { type: 'CHANGE-SET-INCOMPLETE', message: item.reason, body: item.changeSetId ?? '' } },
    );
  }
  const all = [...suites.values()].flat();
  const failures = all.filter((c) => c.failure !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="glue-cd inspect ${xml(rootName)}" tests="${all.length}" failures="${failures}" errors="0">`,
    ...[...suites.entries()].map(([name, cases]) => suite(name, cases)),
    '</testsuites>',
    '',
  ].join('\n');
};
