import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { classifyStackStatus, errorName, isEmptyChangeSet, operationOutcome } from '@glue-cd/core';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { CloudClients } from './clients';
import type { CloudFormationTemplate, PackagedService } from './package-services';

export class ServiceDeployError extends Error {
  override name = 'ServiceDeployError';
}

const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the bucket unless it is there. Deploys run side by side (each stack's code and template go to the same
 * deployment bucket): one that finds the bucket created by another in between is done too.
 */
export const ensureBucket = async (clients: CloudClients, bucket: string): Promise<void> => {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (!['NotFound', 'NoSuchBucket'].includes(errorName(error) ?? '')) throw error;
  }
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error;
  }
};

/**
 * The packaged template with each function's code under a content-addressed S3 key: `sls package` names the folder
 * after the time (`serverless/<service>/<stage>/<time>/<zip>`), which would make every deploy an update; like
 * `sls deploy` skipping unchanged code, an unchanged zip keeps its key, so an unchanged stack has no changes.
 */
export const contentAddressedTemplate = async (
  packaged: PackagedService,
): Promise<{ template: CloudFormationTemplate; uploads: { bucket: string; key: string; file: string }[] }> => {
  const template = structuredClone(packaged.template);
  const uploads: { bucket: string; key: string; file: string }[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const code = resource.Properties?.Code as { S3Bucket?: unknown; S3Key?: unknown } | undefined;
    if (typeof code?.S3Key !== 'string' || typeof code.S3Bucket !== 'string') {
      throw new ServiceDeployError(`${packaged.service}: ${logicalId} has no literal Code.S3Bucket/S3Key to upload to`);
    }
    const zipName = path.posix.basename(code.S3Key);
    if (!packaged.artifacts.includes(zipName)) {
      throw new ServiceDeployError(`${packaged.service}: ${logicalId} needs ${zipName}, not in ${packaged.dir}`);
    }
    const file = path.join(packaged.dir, zipName);
    const digest = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    const key = `${path.posix.dirname(path.posix.dirname(code.S3Key))}/code-${digest.slice(0, 32)}/${zipName}`;
    code.S3Key = key;
    uploads.push({ bucket: code.S3Bucket, key, file });
  }
  return { template, uploads };
};

const objectExists = async (clients: CloudClients, bucket: string, key: string): Promise<boolean> => {
  try {
    await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
};

/**
 * Uploads each Lambda function's zip to the S3 key its (content-addressed) template names, as `sls deploy` does;
 * returns how many were not there yet.
 */
export const uploadFunctionCode = async (
  clients: CloudClients,
  uploads: { bucket: string; key: string; file: string }[],
): Promise<number> => {
  let uploaded = 0;
  for (const upload of uploads) {
    await ensureBucket(clients, upload.bucket);
    // A content-addressed key that exists holds these very bytes: nothing to upload.
    if (await objectExists(clients, upload.bucket, upload.key)) continue;
    const body = await readFile(upload.file);
    await clients.s3.send(new PutObjectCommand({ Bucket: upload.bucket, Key: upload.key, Body: body }));
    uploaded += 1;
  }
  return uploaded;
};

/** The file `sls package` leaves beside the package: where `sls deploy` uploads it (the parts read here). */
interface ServerlessState {
  service?: { provider?: { deploymentBucket?: unknown } };
  package?: { artifactDirectoryName?: unknown };
}

/**
 * Uploads the template where `sls deploy` does (the deployment bucket, beside the service's code) under a content-
 * addressed key, and returns its TemplateURL: CloudFormation takes at most 51,200 bytes as TemplateBody, and the
 * orchestrator's template is several times that.
 */
export const uploadTemplate = async (
  clients: CloudClients,
  packaged: PackagedService,
  templateJson: string,
): Promise<string> => {
  const stateFile = path.join(packaged.dir, 'serverless-state.json');
  let state: ServerlessState;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as ServerlessState;
  } catch (error) {
    throw new ServiceDeployError(
      `${packaged.service}: cannot read ${stateFile}, which says where sls deploys the template: ${(error as Error).message}`,
    );
  }
  const bucket = state.service?.provider?.deploymentBucket;
  const directory = state.package?.artifactDirectoryName;
  if (typeof bucket !== 'string' || typeof directory !== 'string') {
    throw new ServiceDeployError(
      `${packaged.service}: ${stateFile} names no deployment bucket (service.provider.deploymentBucket) or artifact directory (package.artifactDirectoryName)`,
    );
  }
  const digest = createHash('sha256').update(templateJson).digest('hex');
  const key = `${path.posix.dirname(directory)}/template-${digest.slice(0, 32)}/compiled-cloudformation-template.json`;
  await ensureBucket(clients, bucket);
  if (!(await objectExists(clients, bucket, key))) {
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: templateJson, ContentType: 'application/json' }),
    );
  }
  return `https://${bucket}.s3.amazonaws.com/${key}`;
};

export interface StackDeployment {
  stackName: string;
  outcome: 'created' | 'updated' | 'no-changes';
  outputs: Record<string, string>;
}

/**
 * Deploys a packaged service straight through CloudFormation, as an operator's `sls deploy` would (code and template
 * uploaded to the deployment bucket, the template passed by TemplateURL):
 * the pipeline's own infrastructure (trigger, orchestrator) is not deployed by the pipeline.
 */
export const deployServiceStack = async (
  clients: CloudClients,
  packaged: PackagedService,
  stackName: string,
  pollMs = 50,
): Promise<StackDeployment> => {
  const { template, uploads } = await contentAddressedTemplate(packaged);
  await uploadFunctionCode(clients, uploads);
  const existing = await describeStackStatus(clients, stackName);
  if (classifyStackStatus(existing) === 'not-found') {
    const TemplateURL = await uploadTemplate(clients, packaged, JSON.stringify(template));
    await clients.cloudFormation.send(
      new CreateStackCommand({ StackName: stackName, TemplateURL, Capabilities: [...CAPABILITIES] }),
    );
    return { stackName, outcome: 'created', outputs: await waitForOperation(clients, stackName, 'create', pollMs) };
  }
  // As `sls deploy` and `cdk deploy` skip a stack whose template is unchanged: no change set to create and delete.
  if (STABLE_STATUSES.has(existing ?? '') && (await deployedTemplateIs(clients, stackName, template))) {
    return { stackName, outcome: 'no-changes', outputs: await stackOutputs(clients, stackName) };
  }
  const changeSetName = `release-${Date.now()}`;
  const TemplateURL = await uploadTemplate(clients, packaged, JSON.stringify(template));
  await clients.cloudFormation.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: 'UPDATE',
      TemplateURL,
      Capabilities: [...CAPABILITIES],
    }),
  );
  for (;;) {
    const changeSet = await clients.cloudFormation.send(
      new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }),
    );
    if (isEmptyChangeSet(changeSet)) {
      await clients.cloudFormation.send(
        new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }),
      );
      return { stackName, outcome: 'no-changes', outputs: await stackOutputs(clients, stackName) };
    }
    if (changeSet.Status === 'FAILED') {
      throw new ServiceDeployError(`${stackName}: change set failed: ${changeSet.StatusReason ?? 'no reason given'}`);
    }
    if (changeSet.Status === 'CREATE_COMPLETE') break;
    await sleep(pollMs);
  }
  await clients.cloudFormation.send(
    new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }),
  );
  return { stackName, outcome: 'updated', outputs: await waitForOperation(clients, stackName, 'update', pollMs) };
};

// A stack in one of these holds the template of its last successful operation (never a rolled-back attempt's).
const STABLE_STATUSES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);

/** Whether the stack's deployed template is this one (parsed, so the serialization does not matter). */
const deployedTemplateIs = async (
  clients: CloudClients,
  stackName: string,
  template: CloudFormationTemplate,
): Promise<boolean> => {
  const { TemplateBody } = await clients.cloudFormation.send(
    new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
  );
  if (TemplateBody === undefined) return false;
  try {
    return isDeepStrictEqual(JSON.parse(TemplateBody), JSON.parse(JSON.stringify(template)));
  } catch {
    // A YAML template (or none): the change set decides.
    return false;
  }
};

export const describeStackStatus = async (clients: CloudClients, stackName: string): Promise<string | undefined> => {
  try {
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.StackStatus;
  } catch (error) {
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
};

export const stackOutputs = async (clients: CloudClients, stackName: string): Promise<Record<string, string>> => {
  const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  return outputsToRecord(Stacks?.[0]?.Outputs ?? []);
};

export const outputsToRecord = (outputs: Output[]): Record<string, string> =>
  Object.fromEntries(
    outputs.flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [])),
  );

const waitForOperation = async (
  clients: CloudClients,
  stackName: string,
  operation: 'create' | 'update',
  pollMs: number,
): Promise<Record<string, string>> => {
  for (;;) {
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    const outcome = operationOutcome(operation, stack?.StackStatus);
    if (outcome === 'succeeded') return outputsToRecord(stack?.Outputs ?? []);
    if (outcome === 'failed') {
      throw new ServiceDeployError(
        `${stackName}: ${operation} ended in ${stack?.StackStatus}: ${stack?.StackStatusReason ?? 'no reason given'}`,
      );
    }
    await sleep(pollMs);
  }
};

/** The export names a template imports (`Fn::ImportValue` of a literal name); a computed name is returned as `''`. */
export const importsOf = (template: unknown): string[] => {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Fn::ImportValue') names.add(typeof inner === 'string' ? inner : '');
        else walk(inner);
      }
    }
  };
  walk(template);
  return [...names].sort();
};
