import type { Change } from '@aws-sdk/client-cloudformation';
import fc from 'fast-check';
import { ALWAYS_PROTECTED_RESOURCE_TYPES, changeSetVerdict, type ChangeSetTree } from '../src';

const logicalId = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,20}$/);
const resourceType = fc.constantFrom(
  'AWS::Lambda::Function',
  'AWS::SQS::Queue',
  'AWS::IAM::Role',
  ...ALWAYS_PROTECTED_RESOURCE_TYPES,
);

const resourceChange = (action: fc.Arbitrary<string>, replacement: fc.Arbitrary<string | undefined>) =>
  fc
    .record({ id: logicalId, type: resourceType, action, replacement })
    .map(({ id, type, action: a, replacement: r }): Change => ({
      Type: 'Resource',
      ResourceChange: {
        Action: a as 'Add',
        LogicalResourceId: id,
        ResourceType: type,
        ...(r !== undefined ? { Replacement: r as 'False' } : {}),
      },
    }));

const safeChange = fc.oneof(
  resourceChange(fc.constant('Add'), fc.constant(undefined)),
  resourceChange(fc.constant('Import'), fc.constant(undefined)),
  resourceChange(fc.constant('Modify'), fc.constant('False')),
);
const destructiveChange = fc.oneof(
  resourceChange(fc.constant('Remove'), fc.constant(undefined)),
  resourceChange(fc.constant('Modify'), fc.constantFrom('True', 'Conditional')),
);

// Nests a list of changes at a random depth of nested stacks.
const nestedTree = (changes: Change[], depth: number): ChangeSetTree =>
  depth === 0 ? { changes } : { changes: [], nested: { [`Nested${depth}`]: nestedTree(changes, depth - 1) } };

describe('changeSetVerdict properties', () => {
  test('only Add, Import and non-replacing Modify changes are always safe', () => {
    fc.assert(fc.property(fc.array(safeChange, { maxLength: 30 }), (changes) => changeSetVerdict(changes).safe));
  });

  test('one destructive change anywhere, at any nesting depth, makes the verdict unsafe', () => {
    fc.assert(
      fc.property(
        fc.array(safeChange, { maxLength: 10 }),
        destructiveChange,
        fc.array(safeChange, { maxLength: 10 }),
        fc.nat({ max: 4 }),
        (before, destructive, after, depth) => {
          const verdict = changeSetVerdict(nestedTree([...before, destructive, ...after], depth));
          return !verdict.safe && verdict.violations.length === 1 && verdict.violations[0]?.stackPath.length === depth;
        },
      ),
    );
  });

  test('allow-listing removes a violation only for unprotected types', () => {
    fc.assert(
      fc.property(destructiveChange, (change) => {
        const { LogicalResourceId = '', ResourceType = '' } = change.ResourceChange ?? {};
        const verdict = changeSetVerdict([change], { allowedLogicalIds: [LogicalResourceId] });
        return verdict.safe === !ALWAYS_PROTECTED_RESOURCE_TYPES.includes(ResourceType);
      }),
    );
  });

  test('every change is counted exactly once, as a violation, an accepted change or a safe change', () => {
    const policy = fc.record({
      allowedLogicalIds: fc.array(logicalId, { maxLength: 5 }),
      allowedResourceTypes: fc.subarray(['AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::S3::Bucket']),
    });
    const changes = fc.array(fc.oneof(safeChange, destructiveChange), { maxLength: 40 });
    // The allow-list also names ids taken from the changes, so accepted changes are produced, not just possible.
    const withPolicy = fc.tuple(changes, policy, fc.array(fc.nat(), { maxLength: 10 })).map(([cs, p, picks]) => {
      const picked = picks.flatMap((i) =>
        cs.length > 0 ? [cs[i % cs.length]?.ResourceChange?.LogicalResourceId ?? ''] : [],
      );
      return { changes: cs, policy: { ...p, allowedLogicalIds: [...p.allowedLogicalIds, ...picked] } };
    });
    let acceptedSeen = 0;
    fc.assert(
      fc.property(withPolicy, ({ changes: cs, policy: p }) => {
        const verdict = changeSetVerdict(cs, p);
        const destructive = cs
          .map((c) => c.ResourceChange ?? {})
          .filter((c) => c.Action === 'Remove' || ['True', 'Conditional'].includes(c.Replacement ?? ''));
        const acceptable = destructive.filter(
          (c) =>
            !ALWAYS_PROTECTED_RESOURCE_TYPES.includes(c.ResourceType ?? '') &&
            (p.allowedLogicalIds.includes(c.LogicalResourceId ?? '') ||
              p.allowedResourceTypes.includes(c.ResourceType ?? '')),
        );
        acceptedSeen += verdict.accepted.length;
        expect(verdict.inspectedChanges).toBe(cs.length);
        expect(verdict.accepted.map((v) => v.logicalId)).toEqual(acceptable.map((c) => c.LogicalResourceId));
        expect(verdict.violations.length + verdict.accepted.length).toBe(destructive.length);
        expect(verdict.safe).toBe(verdict.violations.length === 0);
      }),
      { numRuns: 200 },
    );
    expect(acceptedSeen).toBeGreaterThan(0);
  });
});
