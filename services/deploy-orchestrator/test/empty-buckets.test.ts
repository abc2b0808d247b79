import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { StackOperationFailedError } from '@glue-cd/core';
import { mockClient } from 'aws-sdk-client-mock';
import { BucketsNotEmptyYetError } from '@glue-cd/core';
import { emptyStackBuckets, retainedLogicalIds } from '../src/tasks/empty-buckets';
import { STACK } from './support/fixtures';

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
const cfn = new CloudFormationClient({ region: 'us-east-1' });
const s3 = new S3Client({ region: 'us-east-1' });
beforeEach(() => {
  cfnMock.reset();
  s3Mock.reset();
});

const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1`;
const event = {
  stack: { stackName: STACK, stackId: STACK_ID, route: 'delete' as const, busyChecks: 0, waitSeconds: 10 },
};
const bucket = (logicalId: string, physical: string, status = 'CREATE_COMPLETE'): StackResourceSummary =>
  ({
    LogicalResourceId: logicalId,
    PhysicalResourceId: physical,
    ResourceType: 'AWS::S3::Bucket',
    ResourceStatus: status,
    LastUpdatedTimestamp: new Date(),
  }) as StackResourceSummary;
const versions = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, VersionId: `v${i}` }));

describe('retainedLogicalIds', () => {
  it('reads DeletionPolicy from JSON and from YAML with short-form intrinsics', () => {
    expect(
      retainedLogicalIds(
        JSON.stringify({ Resources: { A: { DeletionPolicy: 'Retain' }, B: { DeletionPolicy: 'Delete' }, C: {} } }),
        STACK,
      ),
    ).toEqual(new Set(['A']));
    const yaml = [
      'Resources:',
      '  Raw:',
      '    Type: AWS::S3::Bucket',
      '    DeletionPolicy: RetainExceptOnCreate',
      '    Properties:',
      '      BucketName: !Sub "${AWS::StackName}-raw"',
      '  Curated:',
      '    Type: AWS::S3::Bucket',
      '    Properties: { Tags: [{ Key: a, Value: !Ref AWS::StackName }] }',
    ].join('\n');
    expect(retainedLogicalIds(yaml, STACK)).toEqual(new Set(['Raw']));
  });

  it('refuses to guess when the template cannot be read', () => {
    expect(() => retainedLogicalIds('Resources: [unclosed', STACK)).toThrow(StackOperationFailedError);
  });
});

describe('emptyStackBuckets', () => {
  it('empties every version and delete marker in batches of at most 1000, across pages, skipping retained and gone buckets', async () => {
    cfnMock
      .on(ListStackResourcesCommand, { StackName: STACK_ID, NextToken: undefined })
      .resolves({
        StackResourceSummaries: [
          bucket('Data', 'glue-cd-data'),
          { LogicalResourceId: 'Job', ResourceType: 'AWS::Glue::Job' } as StackResourceSummary,
        ],
        NextToken: 'p2',
      })
      .on(ListStackResourcesCommand, { StackName: STACK_ID, NextToken: 'p2' })
      .resolves({
        StackResourceSummaries: [
          bucket('Raw', 'glue-cd-raw'),
          bucket('Gone', 'glue-cd-gone'),
          bucket('Old', 'glue-cd-old', 'DELETE_COMPLETE'),
        ],
      })
      .on(GetTemplateCommand)
      .resolves({
        TemplateBody: JSON.stringify({ Resources: { Data: {}, Raw: { DeletionPolicy: 'Retain' }, Gone: {} } }),
      });
    s3Mock
      .on(ListObjectVersionsCommand, { Bucket: 'glue-cd-data', KeyMarker: undefined })
      .resolves({
        Versions: versions('a', 900),
        DeleteMarkers: versions('m', 300),
        IsTruncated: true,
        NextKeyMarker: 'a899',
        NextVersionIdMarker: 'v899',
      })
      .on(ListObjectVersionsCommand, { Bucket: 'glue-cd-data', KeyMarker: 'a899', VersionIdMarker: 'v899' })
      .resolves({ Versions: versions('b', 5), IsTruncated: false })
      .on(ListObjectVersionsCommand, { Bucket: 'glue-cd-gone' })
      .rejects(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }))
      .on(DeleteObjectsCommand)
      .resolves({});

    const result = await emptyStackBuckets(cfn, s3, event, { remainingTimeMs: 900_000 });

    expect(result).toEqual({
      emptied: [{ bucket: 'glue-cd-data', deletedObjects: 1205 }],
      retained: ['glue-cd-raw'],
      missing: ['glue-cd-gone'],
    });
    const batches = s3Mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Delete?.Objects?.length)).toEqual([1000, 200, 5]);
    expect(batches.every((b) => b.Bucket === 'glue-cd-data')).toBe(true);
    expect(batches[0]?.Delete?.Objects?.[0]).toEqual({ Key: 'a0', VersionId: 'v0' });
    expect(s3Mock.commandCalls(ListObjectVersionsCommand).some((c) => c.args[0].input.Bucket === 'glue-cd-raw')).toBe(
      false,
    );
  });

  it('does not read the template when the stack has no buckets', async () => {
    cfnMock.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    expect(await emptyStackBuckets(cfn, s3, event, { remainingTimeMs: 900_000 })).toEqual({
      emptied: [],
      retained: [],
      missing: [],
    });
    expect(cfnMock.commandCalls(GetTemplateCommand)).toHaveLength(0);
  });

  it('fails when S3 refuses to delete some objects', async () => {
    cfnMock
      .on(ListStackResourcesCommand)
      .resolves({ StackResourceSummaries: [bucket('Data', 'glue-cd-data')] })
      .on(GetTemplateCommand)
      .resolves({ TemplateBody: '{"Resources":{}}' });
    s3Mock
      .on(ListObjectVersionsCommand)
      .resolves({ Versions: versions('a', 2) })
      .on(DeleteObjectsCommand)
      .resolves({ Errors: [{ Key: 'a1', Code: 'AccessDenied', Message: 'Access Denied' }] });
    await expect(emptyStackBuckets(cfn, s3, event, { remainingTimeMs: 900_000 })).rejects.toThrow(
      'bucket glue-cd-data: 1 objects could not be deleted (first: a1: AccessDenied Access Denied)',
    );
  });

  it('stops before the Lambda times out with the retriable BucketsNotEmptyYetError', async () => {
    cfnMock
      .on(ListStackResourcesCommand)
      .resolves({ StackResourceSummaries: [bucket('Data', 'glue-cd-data')] })
      .on(GetTemplateCommand)
      .resolves({ TemplateBody: '{"Resources":{}}' });
    s3Mock
      .on(ListObjectVersionsCommand)
      .resolves({ Versions: versions('a', 1000), IsTruncated: true, NextKeyMarker: 'k', NextVersionIdMarker: 'v' })
      .on(DeleteObjectsCommand)
      .resolves({});
    let clock = 0;
    const now = () => (clock += 10_000);
    await expect(emptyStackBuckets(cfn, s3, event, { remainingTimeMs: 60_000, now })).rejects.toBeInstanceOf(
      BucketsNotEmptyYetError,
    );
    expect(s3Mock.commandCalls(DeleteObjectsCommand).length).toBeGreaterThan(0);
  });
});
