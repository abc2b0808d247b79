import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  changedPaths,
  createCloudFormationService,
  decodeQueryMembers,
  parseTemplate,
  parseTemplateUrl,
  replacementForPath,
  toXml,
} from '../src/cloudformation';
import { NO_VALUE, type ResolveContext, resolveValue } from '../src/cloudformation/model/intrinsics';
import { FakeFunctionRuntime, FakeObjectStore, FakeStateMachineRegistry } from './cloudformation/harness';

describe('TemplateURL forms', () => {
  it.each([
    ['https://my-bucket.s3.amazonaws.com/path/to/t.json', 'my-bucket', 'path/to/t.json'],
    ['https://my.bucket.s3.us-east-1.amazonaws.com/t.yaml', 'my.bucket', 't.yaml'],
    ['https://my-bucket.s3-eu-west-1.amazonaws.com/t.yaml', 'my-bucket', 't.yaml'],
    ['https://s3.us-east-1.amazonaws.com/my-bucket/dir/t.json', 'my-bucket', 'dir/t.json'],
    ['https://s3.amazonaws.com/my-bucket/t.json', 'my-bucket', 't.json'],
    ['http://127.0.0.1:4566/my-bucket/a%20b/t.json', 'my-bucket', 'a b/t.json'],
    ['s3://my-bucket/deploy/t.json', 'my-bucket', 'deploy/t.json'],
  ])('%s → %s / %s', (url, bucket, key) => {
    // Act
    const location = parseTemplateUrl(url);

    // Assert
    expect(location).toEqual({ bucket, key });
  });

  it.each(['ftp://b/k', 'https://example.com/b/k', 'https://s3.amazonaws.com/only-bucket', 'not a url'])(
    'rejects %s naming it',
    (url) => {
      // Act
      const parse = () => parseTemplateUrl(url);

      // Assert
      expect(parse).toThrow(`TemplateURL must be a supported URL: ${url}`);
    },
  );
});

describe('intrinsic functions', () => {
  const ctx = (overrides: Partial<ResolveContext> = {}): ResolveContext => ({
    stackName: 's',
    stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1',
    parameters: { Env: 'dev', Subnets: ['a', 'b'] },
    conditions: { On: true, Off: false },
    mappings: { M: { dev: { Size: 3 } } },
    resourceIds: new Set(['Bucket']),
    resourceRef: () => 'bucket-1',
    resourceAttribute: (_id, attribute) => `attr-${attribute}`,
    importValue: (name) => `imported-${name}`,
    ...overrides,
  });

  it.each<[string, unknown, unknown]>([
    ['Sub with literal ${!x}', { 'Fn::Sub': '${!Keep}-${Env}-${AWS::StackName}' }, '${Keep}-dev-s'],
    ['Sub with a resource attribute', { 'Fn::Sub': '${Bucket.Arn}' }, 'attr-Arn'],
    ['Sub list parameter joins with commas', { 'Fn::Sub': '${Subnets}' }, 'a,b'],
    ['Join skips NoValue', { 'Fn::Join': ['-', ['a', { Ref: 'AWS::NoValue' }, 'b']] }, 'a-b'],
    ['Select from a list parameter', { 'Fn::Select': ['1', { Ref: 'Subnets' }] }, 'b'],
    ['If on a false condition', { 'Fn::If': ['Off', 'x', 'y'] }, 'y'],
    [
      'And/Or/Not',
      { 'Fn::And': [{ 'Fn::Or': [{ Condition: 'Off' }, { Condition: 'On' }] }, { 'Fn::Not': [{ Condition: 'Off' }] }] },
      true,
    ],
    ['Equals compares numbers as strings', { 'Fn::Equals': [3, '3'] }, true],
    ['FindInMap', { 'Fn::FindInMap': ['M', { Ref: 'Env' }, 'Size'] }, 3],
    ['ImportValue', { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-x' } }, 'imported-dev-x'],
    ['ToJsonString', { 'Fn::ToJsonString': { a: { Ref: 'Env' } } }, '{"a":"dev"}'],
    ['GetAZs', { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }, 'us-east-1c'],
  ])('%s', (_name, value, expected) => {
    // Act
    const resolved = resolveValue(value, ctx());

    // Assert
    expect(resolved).toEqual(expected);
  });

  it('removes properties that resolve to AWS::NoValue', () => {
    // Arrange
    const properties = {
      A: { Ref: 'AWS::NoValue' },
      B: [1, { 'Fn::If': ['Off', 2, { Ref: 'AWS::NoValue' }] }],
    };

    // Act
    const resolved = resolveValue(properties, ctx());
    const alone = resolveValue({ Ref: 'AWS::NoValue' }, ctx());

    // Assert
    expect(resolved).toEqual({ B: [1] });
    expect(alone).toBe(NO_VALUE);
  });

  it('names what is wrong', () => {
    // Act
    const resolve = (value: unknown) => () => resolveValue(value, ctx());

    // Assert
    expect(resolve({ Ref: 'Nope' })).toThrow('Unresolved resource dependencies [Nope]');
    expect(resolve({ 'Fn::FindInMap': ['M', 'prod', 'Size'] })).toThrow('Unable to get mapping for M::prod::Size');
    expect(resolve({ 'Fn::Select': [5, ['a']] })).toThrow('Fn::Select cannot select nonexistent value at index 5');
    expect(resolve({ 'Fn::If': ['Missing', 1, 2] })).toThrow('Unresolved condition dependency Missing');
  });

  it('partial resolution (for diffs) fills parameters and keeps resource references', () => {
    // Arrange
    const partial = ctx({ partial: true });

    // Act
    const sub = resolveValue({ 'Fn::Sub': '${Env}-${Bucket}' }, partial);
    const join = resolveValue({ 'Fn::Join': ['/', [{ Ref: 'Env' }, { 'Fn::GetAtt': ['Bucket', 'Arn'] }]] }, partial);

    // Assert
    expect(sub).toEqual({ 'Fn::Sub': 'dev-${Bucket}' });
    expect(join).toEqual({ 'Fn::Join': ['/', ['dev', { 'Fn::GetAtt': ['Bucket', 'Arn'] }]] });
  });
});

describe('templates', () => {
  it('parses the YAML short forms into their long forms', () => {
    // Arrange
    const yaml = [
      'Resources:',
      '  T:',
      '    Type: AWS::SNS::Topic',
      '    Properties:',
      '      DisplayName: !Sub ["${A}", {A: !GetAtt X.Y.Z}]',
      '      Tags: [{Key: k, Value: !ImportValue shared}]',
      '',
    ].join('\n');

    // Act
    const template = parseTemplate(yaml);

    // Assert
    expect(template.Resources.T!.Properties).toEqual({
      DisplayName: { 'Fn::Sub': ['${A}', { A: { 'Fn::GetAtt': ['X', 'Y.Z'] } }] },
      Tags: [{ Key: 'k', Value: { 'Fn::ImportValue': 'shared' } }],
    });
  });

  it('rejects templates without resources, resources without Type, and transforms', () => {
    // Act
    const parse = (body: string) => () => parseTemplate(body);

    // Assert
    expect(parse('{"Resources":{}}')).toThrow('Template format error: At least one Resources member must be defined.');
    expect(parse('{"Resources":{"A":{"Properties":{}}}}')).toThrow(/^Template format error: \[\/Resources\/A\/Type\]/);
    expect(parse('{"Transform":"AWS::Serverless-2016-10-31","Resources":{"A":{"Type":"X::Y::Z"}}}')).toThrow(
      'is not supported by the local cloud',
    );
  });

  it("holds a template to CloudFormation's quotas: 500 resources, 200 outputs, parameters and mappings", () => {
    // Arrange
    const named = (count: number, value: (i: number) => unknown) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`N${i}`, value(i)]));
    const template = (resources: number, section?: 'Outputs' | 'Parameters' | 'Mappings', count = 0) =>
      JSON.stringify({
        Resources: named(resources, () => ({ Type: 'AWS::CloudFormation::WaitConditionHandle' })),
        ...(section === 'Outputs' ? { Outputs: named(count, () => ({ Value: 'v' })) } : {}),
        ...(section === 'Parameters' ? { Parameters: named(count, () => ({ Type: 'String' })) } : {}),
        ...(section === 'Mappings' ? { Mappings: named(count, () => ({ k: { v: 'x' } })) } : {}),
      });

    // Act + Assert: at each quota it parses, one more is refused naming the count.
    expect(Object.keys(parseTemplate(template(500)).Resources)).toHaveLength(500);
    expect(() => parseTemplate(template(501))).toThrow(
      'Template format error: Number of resources, 501, is greater than maximum allowed, 500',
    );
    for (const [section, what] of [
      ['Outputs', 'outputs'],
      ['Parameters', 'parameters'],
      ['Mappings', 'mappings'],
    ] as const) {
      expect(() => parseTemplate(template(1, section, 200))).not.toThrow();
      expect(() => parseTemplate(template(1, section, 201))).toThrow(
        `Template format error: Number of ${what}, 201, is greater than maximum allowed, 200`,
      );
    }
  });
});

describe('replacement from the resource specification', () => {
  it.each<[string, string[], string | undefined]>([
    ['AWS::S3::Bucket', ['BucketName'], 'yes'],
    ['AWS::Glue::Database', ['DatabaseInput', 'Name'], 'yes'],
    ['AWS::Glue::Database', ['DatabaseInput', 'Description'], 'no'],
    ['AWS::Glue::Job', ['Command', 'ScriptLocation'], 'no'],
    ['AWS::Glue::Table', ['DatabaseName'], 'yes'],
    ['AWS::Lambda::Function', ['Environment', 'Variables', 'X'], 'no'],
    ['AWS::Unknown::Thing', ['Name'], undefined],
  ])('%s %j → %s', (type, path, expected) => {
    // Act
    const replacement = replacementForPath(type, path);

    // Assert
    expect(replacement).toBe(expected);
  });

  it('finds the changed nested paths', () => {
    // Arrange
    const before = { A: { B: 1, C: [1, 2] }, D: 1 };
    const after = { A: { B: 2, C: [1, 3] }, D: 1 };

    // Act
    const nested = changedPaths(before, after);
    const longerList = changedPaths({ L: [1] }, { L: [1, 2] });

    // Assert
    expect(nested).toEqual([
      ['A', 'B'],
      ['A', 'C', '1'],
    ]);
    expect(longerList).toEqual([['L']]);
  });
});

describe('AWS Query wire format', () => {
  it('decodes members, lists and booleans', () => {
    // Arrange
    const form = new URLSearchParams(
      [
        'Action=CreateChangeSet',
        'Version=2010-05-15',
        'StackName=s',
        'Parameters.member.2.ParameterKey=B',
        'Parameters.member.2.UsePreviousValue=true',
        'Parameters.member.1.ParameterKey=A',
        'Parameters.member.1.ParameterValue=x',
        'Capabilities.member.1=CAPABILITY_IAM',
        'Tags.member.1.Key=k',
        'Tags.member.1.Value=v',
        'IncludeNestedStacks=false',
      ].join('&'),
    );

    // Act
    const members = decodeQueryMembers(form);

    // Assert
    expect(members).toEqual({
      StackName: 's',
      Parameters: [
        { ParameterKey: 'A', ParameterValue: 'x' },
        { ParameterKey: 'B', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      Tags: [{ Key: 'k', Value: 'v' }],
      IncludeNestedStacks: false,
    });
  });

  it('decodes an empty list the way the SDK sends it (`Tags=`) as an empty list, and keeps empty values', () => {
    // Arrange
    const form = new URLSearchParams(
      [
        'Action=CreateStack',
        'StackName=s',
        'Tags=',
        'Capabilities=',
        'Parameters.member.1.ParameterKey=A',
        'Parameters.member.1.ParameterValue=',
      ].join('&'),
    );

    // Act
    const members = decodeQueryMembers(form);

    // Assert
    expect(members).toEqual({
      StackName: 's',
      Tags: [],
      Capabilities: [],
      Parameters: [{ ParameterKey: 'A', ParameterValue: '' }],
    });
  });

  it('encodes lists as members, dates as ISO 8601 and escapes text', () => {
    // Arrange
    const value = {
      A: [{ B: 'x<y&"z"' }],
      T: new Date('2026-01-02T03:04:05.000Z'),
      F: false,
      U: undefined,
    };

    // Act
    const xml = toXml(value);

    // Assert
    expect(xml).toBe(
      '<A><member><B>x&lt;y&amp;&quot;z&quot;</B></member></A><T>2026-01-02T03:04:05.000Z</T><F>false</F>',
    );
  });
});

describe('AWS Query envelopes from the handler', () => {
  const request = (body: string) => ({
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(body),
  });

  it('answers errors as <ErrorResponse> with Type, Code, Message and RequestId, status 400', async () => {
    // Arrange
    const stateDir = mkdtempSync(`${tmpdir()}/local-cfn-envelope-`);
    try {
      const { handle } = createCloudFormationService({
        stateDir,
        objects: new FakeObjectStore(),
        functions: new FakeFunctionRuntime(),
        stateMachines: new FakeStateMachineRegistry(),
      });

      // Act
      const missing = await handle(request('Action=DescribeStacks&Version=2010-05-15&StackName=ghost'));
      const unknown = await handle(request('Action=FlyStack&Version=2010-05-15'));
      const listed = await handle({
        ...request(''),
        method: 'GET',
        query: new URLSearchParams('Action=ListExports&Version=2010-05-15'),
      });

      // Assert
      expect(missing.status).toBe(400);
      expect(missing.headers?.['content-type']).toBe('text/xml');
      expect(String(missing.body)).toMatch(
        /<ErrorResponse xmlns="http:\/\/cloudformation\.amazonaws\.com\/doc\/2010-05-15\/"><Error><Type>Sender<\/Type><Code>ValidationError<\/Code><Message>Stack with id ghost does not exist<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
      );
      expect(unknown.status).toBe(400);
      expect(String(unknown.body)).toContain(
        '<Code>InvalidAction</Code><Message>The action FlyStack is not valid for this web service.</Message>',
      );
      expect(listed.status).toBe(200);
      expect(String(listed.body)).toMatch(
        /<ListExportsResponse xmlns="[^"]+"><ListExportsResult><Exports><\/Exports><\/ListExportsResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/ListExportsResponse>$/,
      );
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('the pause between stack status steps', () => {
  it('is changed by setStepDelay, which refuses anything but milliseconds >= 0', () => {
    // Arrange
    const stateDir = mkdtempSync(`${tmpdir()}/local-cfn-step-`);
    try {
      const { engine } = createCloudFormationService({
        stateDir,
        objects: new FakeObjectStore(),
        functions: new FakeFunctionRuntime(),
        stateMachines: new FakeStateMachineRegistry(),
      });

      // Act
      const set = (ms: number) => () => engine.setStepDelay(ms);

      // Assert
      expect(set(0)).not.toThrow();
      expect(set(2)).not.toThrow();
      expect(set(-1)).toThrow('a stack step delay is a number of milliseconds >= 0, not -1');
      expect(set(Number.NaN)).toThrow('a stack step delay is a number of milliseconds >= 0, not NaN');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
