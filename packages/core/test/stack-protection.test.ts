import {
  ALWAYS_PROTECTED_RESOURCE_TYPES,
  protectedPolicyUpdate,
  protectedStackPolicy,
  protectedStackPolicyBody,
  STATEFUL_RESOURCE_TYPES,
} from '../src';

describe('protected stack policy', () => {
  test('allows every update except replacing or deleting the stateful types', () => {
    const [allow, deny] = protectedStackPolicy().Statement;
    expect(allow).toEqual({ Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' });
    expect(deny).toMatchObject({ Effect: 'Deny', Action: ['Update:Replace', 'Update:Delete'] });
    expect(deny?.Condition?.StringEquals?.ResourceType).toEqual(
      expect.arrayContaining(['AWS::S3::Bucket', 'AWS::Glue::Database', 'AWS::Glue::Table']),
    );
  });

  test('one list of stateful types for the policy and the verdict', () => {
    expect(ALWAYS_PROTECTED_RESOURCE_TYPES).toBe(STATEFUL_RESOURCE_TYPES);
    expect(protectedStackPolicy().Statement[1]?.Condition?.StringEquals?.ResourceType).toEqual([
      ...STATEFUL_RESOURCE_TYPES,
    ]);
  });
});

describe('protectedPolicyUpdate', () => {
  test('a stack without a policy gets the protected policy', () => {
    expect(protectedPolicyUpdate(undefined)).toBe(protectedStackPolicyBody());
    expect(protectedPolicyUpdate('')).toBe(protectedStackPolicyBody());
    expect(protectedPolicyUpdate('not json')).toBe(protectedStackPolicyBody());
  });

  test('a policy that already denies (in any formatting or key order) needs nothing', () => {
    const reordered = JSON.stringify(
      { Statement: protectedStackPolicy().Statement.map((s) => Object.fromEntries(Object.entries(s).reverse())) },
      null,
      4,
    );
    expect(protectedPolicyUpdate(reordered)).toBeUndefined();
  });

  test("an operator's own policy keeps its statements and gains the deny", () => {
    const operator = { Statement: [{ Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' }] };
    const updated = JSON.parse(protectedPolicyUpdate(JSON.stringify(operator)) ?? '{}') as { Statement: unknown[] };
    expect(updated.Statement).toEqual([operator.Statement[0], protectedStackPolicy().Statement[1]]);
    expect(protectedPolicyUpdate(JSON.stringify(updated))).toBeUndefined();
  });
});
