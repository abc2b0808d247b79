import { ConfigurationError, parseTemplateBody } from '../src';

describe('parseTemplateBody', () => {
  test('reads JSON', () => {
    expect(parseTemplateBody('{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}')).toEqual({
      Resources: { B: { Type: 'AWS::S3::Bucket' } },
    });
  });

  test('reads YAML with short-form intrinsics in their long form, nested and aliased', () => {
    const yaml = [
      'Resources:',
      '  Bucket:',
      '    Type: AWS::S3::Bucket',
      '    Properties:',
      "      BucketName: !Sub '${AWS::StackName}-raw'",
      '      Tags: &tags',
      '        - { Key: a, Value: !If [IsProd, !Ref Stage, !GetAtt Other.Arn] }',
      "      Joined: !Join ['', [!Ref A, !Sub b]]",
      '      Att: !GetAtt [Role, Arn]',
      '      When: !Condition IsProd',
      '  Copy:',
      '    Type: AWS::S3::Bucket',
      '    Properties: { Tags: *tags }',
    ].join('\n');
    const template = parseTemplateBody(yaml) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    expect(template.Resources.Bucket?.Properties).toEqual({
      BucketName: { 'Fn::Sub': '${AWS::StackName}-raw' },
      Tags: [{ Key: 'a', Value: { 'Fn::If': ['IsProd', { Ref: 'Stage' }, { 'Fn::GetAtt': ['Other', 'Arn'] }] } }],
      Joined: { 'Fn::Join': ['', [{ Ref: 'A' }, { 'Fn::Sub': 'b' }]] },
      Att: { 'Fn::GetAtt': ['Role', 'Arn'] },
      When: { Condition: 'IsProd' },
    });
    expect(template.Resources.Copy?.Properties.Tags).toEqual(template.Resources.Bucket?.Properties.Tags);
  });

  test('an empty body is an empty template', () => {
    expect(parseTemplateBody('  ')).toEqual({});
  });

  test.each([
    ['{"Resources": ', /current.json is not valid JSON/],
    ['Resources: [unclosed', /current.json is neither JSON nor YAML/],
    ['- a\n- b', /current.json is not a CloudFormation template/],
  ])('names the file when %p is not a template', (body, message) => {
    expect(() => parseTemplateBody(body, 'current.json')).toThrow(ConfigurationError);
    expect(() => parseTemplateBody(body, 'current.json')).toThrow(message);
  });
});
