import {
  GetTemplateCommand,
  ListStackResourcesCommand,
  type CloudFormationClient,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { StackOperationFailedError, BucketsNotEmptyYetError, errorMessage, errorName } from '@glue-cd/core';
import type * as Yaml from 'yaml';
import { s3Sdk, type S3Sender } from '../clients';
import type { EmptiedBuckets, EmptyBucketsEvent } from '../state';

/** S3 DeleteObjects takes at most 1000 keys. */
export const DELETE_BATCH_SIZE = 1000;
const RETAINING_POLICIES = new Set(['Retain', 'RetainExceptOnCreate']);

/** Every resource of the stack (ListStackResources pages). */
export const listStackResources = async (
  cfn: CloudFormationClient,
  stackName: string,
): Promise<StackResourceSummary[]> => {
  const resources: StackResourceSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }));
    resources.push(...(page.StackResourceSummaries ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return resources;
};

/** Logical ids whose DeletionPolicy keeps the resource when the stack is deleted (JSON or YAML template). */
export const retainedLogicalIds = (templateBody: string, stackName: string): Set<string> => {
  let template: unknown;
  try {
    template = JSON.parse(templateBody);
  } catch {
    try {
      // Short-form intrinsics (!Ref …) are unknown tags to a plain YAML parser; only DeletionPolicy matters here.
      // The parser is loaded for a YAML template only: a cold start with JSON ones does not pay for it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      template = (require('yaml') as typeof Yaml).parse(templateBody, { logLevel: 'error' });
    } catch (error) {
      throw new StackOperationFailedError(
        `stack ${stackName}: cannot read its template to find retained buckets, so no bucket was emptied: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
  const resources = (template as { Resources?: Record<string, { DeletionPolicy?: unknown }> } | null)?.Resources ?? {};
  return new Set(
    Object.entries(resources)
      .filter(
        ([, resource]) =>
          typeof resource?.DeletionPolicy === 'string' && RETAINING_POLICIES.has(resource.DeletionPolicy),
      )
      .map(([logicalId]) => logicalId),
  );
};

/** Deletes every object version and delete marker; returns how many were deleted. Stops at the deadline. */
export const emptyBucket = async (
  s3: S3Sender,
  bucket: string,
  deadline: number,
  now: () => number,
): Promise<number> => {
  let deleted = 0;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    if (now() > deadline) {
      throw new BucketsNotEmptyYetError(
        `bucket ${bucket}: ${deleted} object versions deleted so far; continuing on retry`,
      );
    }
    const page = await s3.send(
      new (s3Sdk().ListObjectVersionsCommand)({
        Bucket: bucket,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
        MaxKeys: DELETE_BATCH_SIZE,
      }),
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((o) => o.Key !== undefined)
      .map((o) => ({ Key: o.Key as string, ...(o.VersionId !== undefined ? { VersionId: o.VersionId } : {}) }));
    for (let start = 0; start < objects.length; start += DELETE_BATCH_SIZE) {
      const batch = objects.slice(start, start + DELETE_BATCH_SIZE);
      const result = await s3.send(
        new (s3Sdk().DeleteObjectsCommand)({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
      );
      const errors = result.Errors ?? [];
      if (errors.length > 0) {
        const first = errors[0];
        throw new StackOperationFailedError(
          `bucket ${bucket}: ${errors.length} objects could not be deleted (first: ${first?.Key ?? '?'}: ${first?.Code ?? '?'} ${first?.Message ?? ''})`.trim(),
        );
      }
      deleted += batch.length;
    }
    if (!page.IsTruncated) return deleted;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
};

export interface EmptyBucketsOptions {
  /** Milliseconds left before the Lambda times out (context.getRemainingTimeInMillis()). */
  remainingTimeMs: number;
  now?: () => number;
}

/** Time kept back for returning (or throwing) before the Lambda times out. */
const SAFETY_MARGIN_MS = 15_000;

/**
 * EmptyStackBuckets: before DeleteStack, empties the stack's buckets (CloudFormation cannot delete a non-empty
 * bucket). Buckets the template retains are never touched; buckets already gone are skipped.
 */
export const emptyStackBuckets = async (
  cfn: CloudFormationClient,
  s3: S3Sender,
  event: EmptyBucketsEvent,
  options: EmptyBucketsOptions,
): Promise<EmptiedBuckets> => {
  const now = options.now ?? Date.now;
  const deadline = now() + options.remainingTimeMs - SAFETY_MARGIN_MS;
  const stackName = event.stack.stackId ?? event.stack.stackName;
  const buckets = (await listStackResources(cfn, stackName)).filter(
    (r) => r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId && r.ResourceStatus !== 'DELETE_COMPLETE',
  );
  const result: EmptiedBuckets = { emptied: [], retained: [], missing: [] };
  if (buckets.length === 0) return result;

  const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }));
  if (TemplateBody === undefined) {
    throw new StackOperationFailedError(
      `stack ${event.stack.stackName}: GetTemplate returned no template, so no bucket was emptied`,
    );
  }
  const retained = retainedLogicalIds(TemplateBody, event.stack.stackName);
  for (const resource of buckets) {
    const bucket = resource.PhysicalResourceId as string;
    if (retained.has(resource.LogicalResourceId ?? '')) {
      result.retained.push(bucket);
      continue;
    }
    try {
      result.emptied.push({ bucket, deletedObjects: await emptyBucket(s3, bucket, deadline, now) });
    } catch (error) {
      if (errorName(error) !== 'NoSuchBucket') throw error;
      result.missing.push(bucket);
    }
  }
  return result;
};
