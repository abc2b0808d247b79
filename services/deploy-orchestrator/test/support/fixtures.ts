import type { Change, StackStatus } from '@aws-sdk/client-cloudformation';
import { parseTemplateBody, type TemplateDocument } from '@glue-cd/core';
import { zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STAGING_BUCKET } from './run-deploy';

export const STACK = 'glue-cd-etl-test';

/** The Glue job's role, by ARN (CloudFormation does not check that it exists). */
export const JOB_ROLE_ARN = 'arn:aws:iam::000000000000:role/glue-cd-test-job';

/** An application template CloudFormation runs: a data bucket named after the stack, a Glue job, an output. */
export const appTemplate = (job: Record<string, unknown> = {}): Record<string, unknown> => ({
  Parameters: { Stage: { Type: 'String' } },
  Resources: {
    DataBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${AWS::StackName}-data' } } },
    GlueJob: {
      Type: 'AWS::Glue::Job',
      Properties: { Role: JOB_ROLE_ARN, Command: { Name: 'glueetl', ScriptLocation: 's3://b/job.py' }, ...job },
    },
  },
  Outputs: { DataBucketName: { Value: { Ref: 'DataBucket' } } },
});

export const TEMPLATE = JSON.stringify(appTemplate());

/** The template with `count` more queues (`Queue0` …), each with that visibility timeout: many cheap resources. */
export const withQueues = (
  template: Record<string, unknown>,
  count: number,
  visibilityTimeout: number,
): Record<string, unknown> => {
  const copy = structuredClone(template) as { Resources: Record<string, unknown> };
  for (let i = 0; i < count; i += 1) {
    copy.Resources[`Queue${i}`] = { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: visibilityTimeout } };
  }
  return copy;
};

export const deployInput = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  environmentName: 'test',
  stackName: STACK,
  template: { body: TEMPLATE },
  parameters: { Stage: 'test' },
  tags: { application: 'glue-cd' },
  ...overrides,
});

export const resourceChange = (
  logicalId: string,
  resourceType: string,
  action: 'Add' | 'Modify' | 'Remove',
  extra: Record<string, unknown> = {},
): Change => ({
  Type: 'Resource',
  ResourceChange: { LogicalResourceId: logicalId, ResourceType: resourceType, Action: action, ...extra },
});

export const zipOf = (files: Record<string, string>): Uint8Array =>
  zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, new TextEncoder().encode(text)])));

/**
 * The Glue ETL stack's resources as declared: serverless.yml's own plus the buckets and roles resources.js builds
 * for the test environment (a real template to diff).
 */
export const glueEtlTemplate = (): TemplateDocument => {
  const file = path.resolve(__dirname, '../../../glue-etl/serverless.yml');
  const service = parseTemplateBody(readFileSync(file, 'utf8'), file) as {
    resources: ({ Resources?: object } | string)[] | { Resources: object };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const built = require('../../../glue-etl/resources.js') as {
    resourcesFor: (stage: { stage: string; deploymentBucket: string }) => { Resources: object };
  };
  const declared = (Array.isArray(service.resources) ? service.resources : [service.resources]).flatMap((part) =>
    typeof part === 'object' && part.Resources ? [part.Resources] : [],
  );
  const generated = built.resourcesFor({ stage: 'test', deploymentBucket: 'glue-cd-deployments-test' }).Resources;
  // The two Serverless variables of the declared part, as `sls package --stage test` resolves them.
  const resolved = JSON.stringify(Object.assign({}, ...declared, generated))
    .replaceAll('${self:custom.dataRetention}', 'Delete')
    .replaceAll('${self:custom.jobFiles}', 's3://glue-cd-deployments-test/glue-jobs/test/nyc-taxi');
  const unresolved = /\$\{(self|sls|file|param|opt|env):[^}]*\}/.exec(resolved);
  if (unresolved !== null) throw new Error(`glueEtlTemplate: unresolved Serverless variable ${unresolved[0]}`);
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: JSON.parse(resolved) as TemplateDocument['Resources'] };
};

/** The same template with `iam:*` on every resource added to the Glue job role. */
export const withIamStarOnJobRole = (template: TemplateDocument): TemplateDocument => {
  const copy = structuredClone(template) as {
    Resources: { JobRole: { Properties: { Policies: { PolicyDocument: { Statement: object[] } }[] } } };
  };
  copy.Resources.JobRole.Properties.Policies[0]!.PolicyDocument.Statement.push({
    Sid: 'EverythingIam',
    Effect: 'Allow',
    Action: 'iam:*',
    Resource: '*',
  });
  return copy as unknown as TemplateDocument;
};

/** A deploy input's `template` holding this template as its body. */
export const body = (template: Record<string, unknown>) => ({ template: { body: JSON.stringify(template) } });

/** A stub's stack, for the few cases the local cloud cannot hold long enough (see each). */
export const stubStack = (status: StackStatus, reason?: string) => ({
  Stacks: [
    {
      StackName: STACK,
      StackId: `arn:aws:cloudformation:us-east-1:000000000000:stack/${STACK}/1`,
      StackStatus: status,
      CreationTime: new Date(),
      ...(reason === undefined ? {} : { StackStatusReason: reason }),
    },
  ],
});

/** The protected environment's stack, its deploy input and its stack parameters. */
export const PROD_STACK = 'glue-cd-glue-etl-prod';
export const prodInput = (overrides: Record<string, unknown> = {}) =>
  deployInput({ environmentName: 'prod', stackName: PROD_STACK, parameters: { Stage: 'prod' }, ...overrides });
export const PROD = { parameters: { Stage: 'prod' } };

/** Where a run's full verdict is written. */
export const verdictUrl = (stackName: string = STACK, execution = 'codepipeline-job-1') =>
  `s3://${STAGING_BUCKET}/verdicts/${stackName}/${execution}/verdict.json`;
