import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_WAITER_DELAYS } from '../src';

// The repository's copy of the real NYC TLC sample (glue-jobs/nyc-taxi/sample/SOURCE.md).
export const SAMPLE_FILE = path.resolve(
  __dirname,
  '../../../glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv',
);

export interface SampleFacts {
  header: string[];
  records: number;
  totalAmount: number;
}

/** The sample counted the plainest way, independently of DuckDB: it has no quotes, so a record is a non-empty line. */
export const sampleFacts = async (): Promise<SampleFacts> => {
  const text = await readFile(SAMPLE_FILE, 'utf8');
  if (text.includes('"')) throw new Error('the sample has quotes; the plain split below no longer applies');
  const [headerLine, ...lines] = text.split(/\r\n|\n/).filter((line) => line.length > 0);
  const header = headerLine!.split(',');
  const totalIndex = header.indexOf('total_amount');
  return {
    header,
    records: lines.length,
    totalAmount: lines.reduce((sum, line) => sum + Number(line.split(',')[totalIndex]), 0),
  };
};

/** Creates a bucket and uploads the sample under `<prefix>sample.csv` through the S3 SDK. */
export const uploadSample = async (s3: S3Client, bucket: string, prefix: string): Promise<void> => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  });
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${prefix}sample.csv`,
      Body: await readFile(SAMPLE_FILE),
    }),
  );
};

/** An IAM policy statement of the roles these tests declare. */
export interface TestStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

/** What the crawls and job runs of these tests do, on any bucket and database of the test cloud. */
export const GLUE_TEST_STATEMENTS: TestStatement[] = [
  {
    Sid: 'ListBuckets',
    Effect: 'Allow',
    Action: ['s3:ListBucket', 's3:GetBucketLocation'],
    Resource: 'arn:aws:s3:::*',
  },
  {
    Sid: 'Objects',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    Resource: 'arn:aws:s3:::*/*',
  },
  {
    Sid: 'Catalog',
    Effect: 'Allow',
    Action: [
      'glue:GetDatabase',
      'glue:GetDatabases',
      'glue:GetTable',
      'glue:GetTables',
      'glue:CreateTable',
      'glue:UpdateTable',
      'glue:DeleteTable',
      'glue:GetPartitions',
    ],
    Resource: 'arn:aws:glue:us-east-1:000000000000:*',
  },
];

/**
 * Declares IAM roles the way the local cloud knows roles: a CloudFormation stack of AWS::IAM::Role, each with one
 * inline policy (crawls, job runs and queries act as these roles). Updates the stack when it exists.
 */
export const declareRoles = async (stackName: string, roles: Record<string, TestStatement[]>): Promise<void> => {
  const cfn = new CloudFormationClient({});
  const TemplateBody = JSON.stringify({
    Resources: Object.fromEntries(
      Object.entries(roles).map(([name, statements]) => [
        `Role${name.replace(/[^A-Za-z0-9]/g, '')}`,
        {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: name,
            AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
            Policies: [{ PolicyName: 'test', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
          },
        },
      ]),
    ),
  });
  const exists = await cfn
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .then(() => true)
    .catch(() => false);
  if (exists) {
    await cfn.send(
      new UpdateStackCommand({ StackName: stackName, TemplateBody, Capabilities: ['CAPABILITY_NAMED_IAM'] }),
    );
    await waitUntilStackUpdateComplete(
      { client: cfn, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
      { StackName: stackName },
    );
  } else {
    await cfn.send(
      new CreateStackCommand({ StackName: stackName, TemplateBody, Capabilities: ['CAPABILITY_NAMED_IAM'] }),
    );
    await waitUntilStackCreateComplete(
      { client: cfn, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
      { StackName: stackName },
    );
  }
};
