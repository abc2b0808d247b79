import type { Change } from '@aws-sdk/client-cloudformation';
import { zipSync } from 'fflate';

export const STACK = 'glue-cd-etl-test';

export const TEMPLATE = JSON.stringify({
  Resources: {
    DataBucket: { Type: 'AWS::S3::Bucket' },
    GlueJob: { Type: 'AWS::Glue::Job', Properties: { Command: { ScriptLocation: 's3://b/job.py' } } },
  },
});

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
