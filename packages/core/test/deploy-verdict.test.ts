import type { Change } from '@aws-sdk/client-cloudformation';
import {
  BROADENING_VERDICT,
  changeSetVerdict,
  deployVerdict,
  formatDeployVerdict,
  formatVerdictSummary,
  judgeBroadening,
  summarizeVerdict,
  VERDICT_SUMMARY_ITEMS,
  VerdictSummarySchema,
  type BroadeningItem,
} from '../src';

const remove = (i: number): Change => ({
  Type: 'Resource',
  ResourceChange: { Action: 'Remove', LogicalResourceId: `Queue${i}`, ResourceType: 'AWS::SQS::Queue' },
});
const grant: BroadeningItem = {
  id: 'a1',
  kind: 'iam-statement',
  stackPath: [],
  description: 'Allow iam:* on * for AWS:${JobRole}',
};
const LOCATION = 's3://staging/verdicts/glue-cd-app-test/e1/verdict.json';

describe('deployVerdict', () => {
  test.each([
    [[], [], 'fail', 'CAN-SAFELY-UPDATE-EXISTING-STACK', true, 'none'],
    [[remove(1)], [], 'fail', 'RESOURCES-BEING-DELETED-OR-REPLACED', false, 'destructive'],
    [[], [grant], 'fail', BROADENING_VERDICT, false, 'broadening'],
    [[], [grant], 'allow', 'CAN-SAFELY-UPDATE-EXISTING-STACK', true, 'none'],
    [[remove(1)], [grant], 'fail', 'RESOURCES-BEING-DELETED-OR-REPLACED', false, 'destructive-and-broadening'],
  ] as const)('%p changes and %p broadening under %s: %s', (changes, items, policy, value, safe, refusal) => {
    const verdict = deployVerdict(changeSetVerdict([...changes]), judgeBroadening([...items], policy));
    expect(verdict).toMatchObject({ verdict: value, safe });
    expect(summarizeVerdict(verdict).refusal).toBe(refusal);
  });

  test('formatDeployVerdict lists violations, refused broadening with its fingerprint, and how to approve', () => {
    const verdict = deployVerdict(
      changeSetVerdict([remove(1)]),
      judgeBroadening([grant], 'fail', undefined, { stackName: 's' }),
    );
    const text = formatDeployVerdict(verdict);
    expect(text).toContain('Queue1 (AWS::SQS::Queue): Remove: resource would be deleted');
    expect(text).toContain('! Allow iam:* on * for AWS:${JobRole} [iam-statement a1]');
    expect(text).toContain('to approve');
  });
});

describe('summarizeVerdict and formatVerdictSummary', () => {
  const huge = deployVerdict(
    changeSetVerdict(Array.from({ length: 10_000 }, (_, i) => remove(i))),
    judgeBroadening(
      Array.from({ length: 50 }, (_, i) => ({ ...grant, id: `g${i}` })),
      'fail',
    ),
  );

  test('keeps counts, the first items and the location, whatever the size of the change set', () => {
    const summary = summarizeVerdict(huge, LOCATION);
    expect(summary.counts).toEqual({
      inspectedChanges: 10_000,
      violations: 10_000,
      accepted: 0,
      broadening: 50,
      refusedBroadening: 50,
    });
    expect(summary.violations).toHaveLength(VERDICT_SUMMARY_ITEMS);
    expect(summary.broadening).toHaveLength(VERDICT_SUMMARY_ITEMS);
    expect(summary.location).toBe(LOCATION);
    expect(JSON.stringify(summary).length).toBeLessThan(8 * 1024);
    expect(VerdictSummarySchema.parse(summary)).toEqual(summary);
  });

  test('the text stays within the limit, keeps whole lines, and names the full verdict', () => {
    const long = { ...huge, violations: huge.violations.map((v) => ({ ...v, reason: 'x'.repeat(900) })) };
    for (const limit of [5000, 1200]) {
      const text = formatVerdictSummary(summarizeVerdict(long, LOCATION), limit);
      expect(text.length).toBeLessThanOrEqual(limit);
      expect(text).toContain(`full verdict: ${LOCATION}`);
      // Whole lines: a violation is either shown with its full reason or not at all.
      const shown = text.split('\n').filter((line) => line.startsWith('  - '));
      expect(shown.every((line) => line.endsWith('x'.repeat(900)))).toBe(true);
    }
    const normal = formatVerdictSummary(summarizeVerdict(huge, LOCATION));
    expect(normal).toContain('… and 9990 more violations');
    expect(normal).toContain('… and 40 more broadenings');
  });
});
