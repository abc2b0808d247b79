import { readFileSync } from 'node:fs';
import path from 'node:path';

// Change sets as `aws cloudformation describe-change-set` prints them, and templates, for the glue-cd CLI tests.

export const unsafePage = readFileSync(
  path.join(__dirname, '..', 'fixtures', 'glue-etl-bucket-rename.describe-change-set.json'),
  'utf8',
);

export const ROOT_ID =
  'arn:aws:cloudformation:us-east-1:123456789012:changeSet/glue-cd-deploy-7/1f0e5c0a-0000-4000-8000-000000000001';
export const CHILD_ID =
  'arn:aws:cloudformation:us-east-1:123456789012:changeSet/glue-cd-deploy-7-Lake-XYZ/1f0e5c0a-0000-4000-8000-000000000002';

export const resourceChange = (change: Record<string, unknown>) => ({ Type: 'Resource', ResourceChange: change });

const lakeStackChange = {
  Action: 'Modify',
  LogicalResourceId: 'Lake',
  PhysicalResourceId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/glue-cd-glue-etl-test-Lake-XYZ/0002',
  ResourceType: 'AWS::CloudFormation::Stack',
  Replacement: 'False',
  ChangeSetId: CHILD_ID,
};

/** The root of a nested change set: the Lake nested stack changes (its own change set is CHILD_ID). */
export const rootPage = {
  ChangeSetName: 'glue-cd-deploy-7',
  ChangeSetId: ROOT_ID,
  StackName: 'glue-cd-glue-etl-test',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/glue-cd-glue-etl-test/0001',
  Status: 'CREATE_COMPLETE',
  IncludeNestedStacks: true,
  Changes: [
    resourceChange(lakeStackChange),
    resourceChange({
      Action: 'Modify',
      LogicalResourceId: 'NycTaxiJob',
      ResourceType: 'AWS::Glue::Job',
      Replacement: 'False',
    }),
  ],
};

/** The nested change set: it replaces the curated bucket. */
export const childPage = {
  ChangeSetName: 'glue-cd-deploy-7-Lake-XYZ',
  ChangeSetId: CHILD_ID,
  ParentChangeSetId: ROOT_ID,
  RootChangeSetId: ROOT_ID,
  StackName: 'glue-cd-glue-etl-test-Lake-XYZ',
  Status: 'CREATE_COMPLETE',
  Changes: [
    resourceChange({
      Action: 'Modify',
      LogicalResourceId: 'CuratedBucket',
      ResourceType: 'AWS::S3::Bucket',
      Replacement: 'True',
    }),
  ],
};

export const currentTemplate = {
  Resources: {
    JobRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [] },
        Policies: [
          {
            PolicyName: 'job',
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
          },
        ],
      },
    },
  },
};

/** The same role in YAML with short-form intrinsics, plus iam:* (security broadening). */
export const newTemplate = [
  'Resources:',
  '  JobRole:',
  '    Type: AWS::IAM::Role',
  '    Properties:',
  '      AssumeRolePolicyDocument: { Statement: [] }',
  '      Policies:',
  '        - PolicyName: job',
  '          PolicyDocument:',
  '            Statement:',
  '              - { Effect: Allow, Action: s3:GetObject, Resource: "*" }',
  '              - { Effect: Allow, Action: "iam:*", Resource: !Sub "arn:${AWS::Partition}:iam::*" }',
].join('\n');

const EMPTY_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

/** Every input file of the CLI tests by name: JSON values, or text as is. */
export const CLI_FILES: Record<string, unknown> = {
  'unsafe.json': unsafePage,
  'safe.json': {
    Changes: [resourceChange({ Action: 'Add', LogicalResourceId: 'Queue', ResourceType: 'AWS::SQS::Queue' })],
  },
  'pages.json': [{ ...JSON.parse(unsafePage), Changes: [], NextToken: 'page-2' }, JSON.parse(unsafePage)],
  'root.json': rootPage,
  'child.json': childPage,
  'first-page-only.json': {
    ChangeSetName: 'first',
    ChangeSetId: 'first',
    NextToken: 'page-2',
    Changes: [resourceChange({ Action: 'Add', LogicalResourceId: 'Queue', ResourceType: 'AWS::SQS::Queue' })],
  },
  'no-nested-preview.json': {
    ...rootPage,
    IncludeNestedStacks: false,
    Changes: [resourceChange({ ...lakeStackChange, ChangeSetId: undefined })],
  },
  'other-change-set.json': { ...childPage, ChangeSetId: 'other', ChangeSetName: 'other', ParentChangeSetId: undefined },
  'empty.json': {
    ChangeSetName: 'glue-cd-deploy-8',
    StackName: 'glue-cd-glue-etl-test',
    Status: 'FAILED',
    StatusReason: EMPTY_REASON,
    Changes: [],
  },
  'failed.json': { ChangeSetName: 'c', Status: 'FAILED', StatusReason: 'Template format error: bad', Changes: [] },
  'creating.json': { ChangeSetName: 'c', Status: 'CREATE_IN_PROGRESS', Changes: [] },
  'remove-job.json': {
    Changes: [resourceChange({ Action: 'Remove', LogicalResourceId: 'NycTaxiJob', ResourceType: 'AWS::Glue::Job' })],
  },
  'allow-raw-bucket.json': { allowedLogicalIds: ['RawBucket'], allowedResourceTypes: ['AWS::Glue::Job'] },
  'allow-job.json': { allowedLogicalIds: ['NycTaxiJob'] },
  'typo-policy.json': { allowedLogicalIdz: ['RawBucket'] },
  'bad-type-policy.json': { allowedResourceTypes: ['S3 bucket'] },
  'broken.json': '{"Changes": [',
  'stacks.json': { Stacks: [] },
  'current.json': currentTemplate,
  'new.yaml': newTemplate,
  'not-a-template.yaml': '- just\n- a list\n',
};
