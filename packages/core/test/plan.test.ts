import type { Change } from '@aws-sdk/client-cloudformation';
import {
  ConfigurationError,
  deployVerdict,
  changeSetVerdict,
  judgeBroadening,
  parsePlanDocument,
  planCounts,
  planSummary,
  summarizeVerdict,
  type PlanDocument,
} from '../src';

const change = (id: string, Action: string, extra: Record<string, unknown> = {}): Change =>
  ({
    Type: 'Resource',
    ResourceChange: { Action, LogicalResourceId: id, ResourceType: 'AWS::Glue::Job', ...extra },
  }) as Change;

describe('planCounts', () => {
  test('counts added, modified, replaced and removed resources across nested stacks', () => {
    const tree = {
      changes: [
        change('A', 'Add'),
        change('B', 'Modify', { Replacement: 'False' }),
        change('C', 'Modify', { Replacement: 'True' }),
        change('D', 'Remove'),
      ],
      nested: { Tables: { changes: [change('E', 'Modify', { Replacement: 'Conditional' }), change('F', 'Dynamic')] } },
    };
    expect(planCounts(tree, 2)).toEqual({ added: 1, modified: 2, replaced: 2, removed: 1, broadening: 2 });
  });
});

describe('planSummary', () => {
  const grant = {
    id: 'a1',
    kind: 'iam-statement' as const,
    stackPath: [],
    description: 'Allow iam:* on * for AWS:${JobRole}',
  };
  const base = {
    stackName: 'glue-cd-glue-etl-prod',
    changeSetType: 'UPDATE' as const,
    url: 's3://b/plans/glue-cd-glue-etl-prod/p.json',
    textUrl: 's3://b/plans/glue-cd-glue-etl-prod/p.txt',
  };

  test('one paragraph: counts, broadening, what a deploy would do, where the plan is', () => {
    const verdict = summarizeVerdict(deployVerdict(changeSetVerdict([]), judgeBroadening([grant], 'fail')));
    expect(
      planSummary({
        ...base,
        counts: { added: 0, modified: 1, replaced: 0, removed: 0, broadening: 1 },
        verdict,
        broadening: [grant],
      }),
    ).toBe(
      'Plan for stack glue-cd-glue-etl-prod: 0 added, 1 modified, 0 replaced, 0 removed; 1 security broadening (Allow iam:* on * for AWS:${JobRole}); a deploy would be refused for broadening unless it names this plan as approvedPlan with "onBroadening": "approve". Plan: s3://b/plans/glue-cd-glue-etl-prod/p.json (text: s3://b/plans/glue-cd-glue-etl-prod/p.txt).',
    );
  });

  test('a new stack with nothing refused', () => {
    const verdict = summarizeVerdict(
      deployVerdict(changeSetVerdict([change('A', 'Add')]), judgeBroadening([], 'fail')),
    );
    expect(
      planSummary({
        ...base,
        changeSetType: 'CREATE',
        counts: { added: 1, modified: 0, replaced: 0, removed: 0, broadening: 0 },
        verdict,
        broadening: [],
      }),
    ).toMatch(
      /^Plan for new stack glue-cd-glue-etl-prod: 1 added, .*; no security broadening; a deploy with the same input would be accepted\./,
    );
  });
});

describe('parsePlanDocument', () => {
  test('names what is wrong with a file that is not a plan', () => {
    expect(() => parsePlanDocument({ kind: 'glue-cd-verdict' }, 's3://b/plans/x.json')).toThrow(ConfigurationError);
    expect(() => parsePlanDocument({ kind: 'glue-cd-verdict' }, 's3://b/plans/x.json')).toThrow(
      /approvedPlan s3:\/\/b\/plans\/x.json is not a glue-cd plan: kind/,
    );
  });

  test('reads a plan back', () => {
    const verdict = summarizeVerdict(deployVerdict(changeSetVerdict([]), judgeBroadening([], 'fail')));
    const plan: PlanDocument = {
      kind: 'glue-cd-plan',
      version: 1,
      stackName: 's',
      environmentName: 'prod',
      executionName: 'e',
      changeSetName: 'glue-cd-e',
      changeSetType: 'UPDATE',
      createdAt: '2026-01-01T00:00:00.000Z',
      counts: { added: 0, modified: 0, replaced: 0, removed: 0, broadening: 0 },
      verdict,
      broadening: [],
      summary: 'x',
      textUrl: 's3://b/plans/s/e.txt',
    };
    expect(parsePlanDocument(JSON.parse(JSON.stringify(plan)), 'u')).toEqual(plan);
  });
});
