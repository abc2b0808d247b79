import type { Change } from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { changeSetVerdict, formatVerdict, isEmptyChangeSet, type ChangeSetTree } from '../src';

const change = (resourceChange: NonNullable<Change['ResourceChange']>): Change => ({
  Type: 'Resource',
  ResourceChange: { Scope: ['Properties'], ...resourceChange },
});

const fn = (action: string, extra: Partial<NonNullable<Change['ResourceChange']>> = {}) =>
  change({
    Action: action as 'Modify',
    LogicalResourceId: 'TransformFunction',
    ResourceType: 'AWS::Lambda::Function',
    ...extra,
  });

describe('changeSetVerdict', () => {
  test.each([
    ['accepts an Add', fn('Add'), true],
    ['accepts a Modify without replacement', fn('Modify', { Replacement: 'False' }), true],
    ['accepts an Import (adopts an existing resource)', fn('Import'), true],
    ['refuses a Remove', fn('Remove'), false],
    ['refuses a Remove even when PolicyAction is Retain', fn('Remove', { PolicyAction: 'Retain' }), false],
    ['refuses a Modify with Replacement True', fn('Modify', { Replacement: 'True' }), false],
    ['refuses a Conditional replacement by default', fn('Modify', { Replacement: 'Conditional' }), false],
    ['refuses a Dynamic change', fn('Dynamic'), false],
    [
      'refuses a Modify whose PolicyAction is Delete',
      fn('Modify', { Replacement: 'False', PolicyAction: 'Delete' }),
      false,
    ],
    ['refuses a ReplaceAndDelete', fn('Modify', { Replacement: 'True', PolicyAction: 'ReplaceAndDelete' }), false],
    ['refuses an unknown action', fn('Teleport'), false],
  ])('%s', (_name, input, safe) => {
    const verdict = changeSetVerdict([input]);
    expect(verdict.safe).toBe(safe);
    expect(verdict.verdict).toBe(safe ? 'CAN-SAFELY-UPDATE-EXISTING-STACK' : 'RESOURCES-BEING-DELETED-OR-REPLACED');
    expect(verdict.violations).toHaveLength(safe ? 0 : 1);
  });

  test('names the logical id, type, action, replacement and reason of each violation', () => {
    const verdict = changeSetVerdict([
      change({
        Action: 'Modify',
        LogicalResourceId: 'RawBucket',
        ResourceType: 'AWS::S3::Bucket',
        Replacement: 'True',
      }),
    ]);
    expect(verdict.violations).toEqual([
      {
        logicalId: 'RawBucket',
        stackPath: [],
        resourceType: 'AWS::S3::Bucket',
        action: 'Modify',
        replacement: 'True',
        reason: expect.stringContaining('replaced'),
      },
    ]);
    expect(formatVerdict(verdict)).toMatch(
      /RawBucket \(AWS::S3::Bucket\): Modify, Replacement True: resource would be replaced/,
    );
  });

  test('accepts a Conditional replacement when the policy allows it', () => {
    expect(
      changeSetVerdict([fn('Modify', { Replacement: 'Conditional' })], { conditionalReplacement: 'allow' }).safe,
    ).toBe(true);
  });

  test('accepts an allow-listed logical id or type and reports it as accepted', () => {
    const byId = changeSetVerdict([fn('Remove')], { allowedLogicalIds: ['TransformFunction'] });
    expect(byId.safe).toBe(true);
    expect(byId.accepted.map((v) => v.logicalId)).toEqual(['TransformFunction']);
    expect(
      changeSetVerdict([fn('Modify', { Replacement: 'True' })], { allowedResourceTypes: ['AWS::Lambda::Function'] })
        .safe,
    ).toBe(true);
  });

  test.each(['AWS::S3::Bucket', 'AWS::Glue::Database', 'AWS::Glue::Table'])(
    'refuses replacing a protected %s even when allow-listed',
    (type) => {
      const input = [change({ Action: 'Modify', Replacement: 'True', LogicalResourceId: 'Data', ResourceType: type })];
      const verdict = changeSetVerdict(input, { allowedLogicalIds: ['Data'], allowedResourceTypes: [type] });
      expect(verdict.safe).toBe(false);
    },
  );

  test('inspects nested change sets and reports the nested stack path', () => {
    const tree: ChangeSetTree = {
      changes: [
        change({
          Action: 'Modify',
          Replacement: 'False',
          LogicalResourceId: 'Storage',
          ResourceType: 'AWS::CloudFormation::Stack',
        }),
      ],
      nested: {
        Storage: {
          changes: [],
          nested: {
            Catalog: {
              changes: [
                change({ Action: 'Remove', LogicalResourceId: 'RawDatabase', ResourceType: 'AWS::Glue::Database' }),
              ],
            },
          },
        },
      },
    };
    const verdict = changeSetVerdict(tree);
    expect(verdict.safe).toBe(false);
    expect(verdict.violations[0]).toMatchObject({ logicalId: 'RawDatabase', stackPath: ['Storage', 'Catalog'] });
    expect(formatVerdict(verdict)).toContain('in nested stack Storage > Catalog');
  });

  test('reads a real describe-change-set page', () => {
    const page = JSON.parse(
      readFileSync(path.join(__dirname, 'fixtures/glue-etl-bucket-rename.describe-change-set.json'), 'utf8'),
    ) as { Changes: Change[] };
    const verdict = changeSetVerdict(page.Changes);
    expect(verdict.inspectedChanges).toBe(2);
    expect(verdict.violations.map((v) => v.logicalId)).toEqual(['RawBucket']);
  });
});

describe('isEmptyChangeSet', () => {
  test.each([
    [
      'FAILED',
      "The submitted information didn't contain changes. Submit different information to create a change set.",
      true,
    ],
    ['FAILED', 'No updates are to be performed.', true],
    ['FAILED', 'Template format error: Unresolved resource dependencies [X]', false],
    ['CREATE_COMPLETE', undefined, false],
    ['FAILED', undefined, false],
  ])('%s with %p → %p', (Status, StatusReason, empty) => {
    expect(isEmptyChangeSet({ Status, StatusReason })).toBe(empty);
  });
});

describe('changeSetVerdict: the less common change shapes', () => {
  test.each(['Add', 'Import'])('refuses an %s whose PolicyAction is Delete, naming the PolicyAction', (action) => {
    const verdict = changeSetVerdict([fn(action, { PolicyAction: 'Delete' })]);
    expect(verdict.safe).toBe(false);
    expect(verdict.violations).toEqual([
      {
        logicalId: 'TransformFunction',
        stackPath: [],
        resourceType: 'AWS::Lambda::Function',
        action,
        policyAction: 'Delete',
        reason: 'PolicyAction Delete deletes the resource',
      },
    ]);
  });

  test('refuses a Remove with PolicyAction Snapshot: the stack stops managing the resource', () => {
    const verdict = changeSetVerdict([fn('Remove', { PolicyAction: 'Snapshot' })]);
    expect(verdict.violations).toEqual([
      expect.objectContaining({
        action: 'Remove',
        policyAction: 'Snapshot',
        reason: 'resource would be removed from the stack (PolicyAction Snapshot)',
      }),
    ]);
  });

  test('neither counts nor judges changes that are not Resource changes', () => {
    const hook = { Type: 'Hook' } as unknown as Change;
    const verdict = changeSetVerdict([hook, fn('Remove'), { Type: 'Resource' }]);
    expect(verdict.inspectedChanges).toBe(1);
    expect(verdict.violations.map((v) => v.action)).toEqual(['Remove']);
  });

  test('refuses a caller-supplied protected type even when its logical id and type are allow-listed', () => {
    const queue = change({ Action: 'Remove', LogicalResourceId: 'Events', ResourceType: 'AWS::SQS::Queue' });
    const allowed = { allowedLogicalIds: ['Events'], allowedResourceTypes: ['AWS::SQS::Queue'] };
    expect(changeSetVerdict([queue], allowed).safe).toBe(true);
    const verdict = changeSetVerdict([queue], { ...allowed, protectedResourceTypes: ['AWS::SQS::Queue'] });
    expect(verdict.safe).toBe(false);
    expect(verdict.accepted).toEqual([]);
    expect(verdict.violations.map((v) => v.logicalId)).toEqual(['Events']);
  });

  test('formatVerdict lists the violations, then the changes accepted by the policy', () => {
    const verdict = changeSetVerdict(
      [
        change({ Action: 'Remove', LogicalResourceId: 'Raw', ResourceType: 'AWS::S3::Bucket' }),
        fn('Modify', { Replacement: 'True' }),
      ],
      { allowedLogicalIds: ['TransformFunction', 'Raw'] },
    );
    expect(formatVerdict(verdict).split('\n')).toEqual([
      'RESOURCES-BEING-DELETED-OR-REPLACED: 1 of 2 resource changes would delete or replace resources',
      '  - Raw (AWS::S3::Bucket): Remove: resource would be deleted',
      '  accepted by the safety policy:',
      '  + TransformFunction (AWS::Lambda::Function): Modify, Replacement True: resource would be replaced (a new physical resource, the old one removed)',
    ]);
  });

  test('formatVerdict prints no accepted section when the policy accepted nothing', () => {
    const text = formatVerdict(changeSetVerdict([fn('Remove')]));
    expect(text).not.toContain('accepted by the safety policy');
    expect(text.split('\n')).toHaveLength(2);
  });
});
