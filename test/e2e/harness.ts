import {
  DescribeStacksCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob } from '@glue-cd/core';
import type { FaultInjector } from '@glue-cd/local-cloud';
import {
  DEFAULT_REINVOKE_MS,
  deployDeliveryServices,
  packageDeliveryServices,
  runLambdaInvokeAction,
  startReleaseCloud,
  type DeliveryServices,
  type InvokeActionOutcome,
  type ReleaseCloud,
  type ReleaseTarget,
} from '@glue-cd/release';
import { zipSync, strToU8 } from 'fflate';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DELIVERY_STAGE } from '../support/packagings';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const STAGE = DELIVERY_STAGE;
// The artifact store the pipeline of this stage names (serverless.yml): the orchestrator may read build artifacts there only.
const ARTIFACT_BUCKET = `glue-cd-pipeline-${STAGE}-artifacts`;

/**
 * The pipeline's own services (orchestrator + trigger) packaged by `sls package` and deployed on a fresh local cloud;
 * `deploy` runs one CodePipeline Lambda invoke action against them with a build artifact made of `files`.
 */
export interface Harness<Release extends ReleaseTarget = ReleaseCloud> {
  release: Release;
  delivery: DeliveryServices;
  runAction(files: Record<string, unknown>, userParameters: unknown): Promise<InvokeActionOutcome>;
  /** Uploads a build artifact zip made of `files` and returns its location. */
  uploadArtifact(files: Record<string, unknown>): Promise<{ name: string; bucket: string; key: string }>;
  describeStack(stackName: string): Promise<Stack | undefined>;
  /** The stack's current template, as CloudFormation returns it (GetTemplate). */
  stackTemplate(stackName: string): Promise<unknown>;
  /** Change sets the stack still has (an empty one the orchestrator left behind would show here). */
  changeSetNames(stackName: string): Promise<string[]>;
  /** The keys in a bucket, or undefined when the bucket does not exist. */
  bucketKeys(bucket: string): Promise<string[] | undefined>;
  executionCount(): Promise<number>;
  /** The local cloud's state folder (removed by close). */
  stateDir: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Fault injection in the local cloud (the fault suite, faults/); off by default. */
  faults?: FaultInjector;
  /**
   * The local CloudFormation's pause per status step (default 20 ms, so a racing caller can catch a stack mid-operation,
   * as the fault suite's races do); 0 as `pnpm start` runs it, when nothing must (every status is still recorded).
   */
  stackStepMs?: number;
}

export const startHarness = async (options: HarnessOptions = {}): Promise<Harness> => {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-e2e-'));
  const release = await startReleaseCloud({
    stateDir,
    waitScale: 0.001,
    ...(options.stackStepMs !== undefined ? { stackStepMs: options.stackStepMs } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const packaged = await packageDeliveryServices({
    repoRoot: REPO_ROOT,
    buildDir: path.join(stateDir, 'build'),
    stage: STAGE,
  });
  const delivery = await deployDeliveryServices(release.clients, packaged, STAGE);
  await release.clients.s3.send(new CreateBucketCommand({ Bucket: ARTIFACT_BUCKET }));
  return harnessOver(release, delivery, stateDir);
};

/**
 * A harness over a cloud whose delivery services are deployed already: the one startHarness made, a cloud restarted
 * on (a copy of) its state folder, or a separate `pnpm cloud` process serving such a folder.
 */
export const harnessOver = <Release extends ReleaseTarget>(
  release: Release,
  delivery: DeliveryServices,
  stateDir: string,
): Harness<Release> => {
  let artifacts = 0;
  const uploadArtifact = async (files: Record<string, unknown>) => {
    artifacts += 1;
    const key = `BuildOutput/${artifacts}-${randomUUID().slice(0, 8)}.zip`;
    const zip = zipSync(
      Object.fromEntries(
        Object.entries(files).map(([name, content]) => [
          name,
          strToU8(typeof content === 'string' ? content : JSON.stringify(content, null, 2)),
        ]),
      ),
    );
    await release.clients.s3.send(new PutObjectCommand({ Bucket: ARTIFACT_BUCKET, Key: key, Body: zip }));
    return { name: 'BuildOutput', bucket: ARTIFACT_BUCKET, key };
  };
  return {
    release,
    delivery,
    stateDir,
    uploadArtifact,
    runAction: async (files, userParameters) =>
      runLambdaInvokeAction({
        clients: release.clients,
        jobResult: (jobId) => release.connection.jobResult(jobId),
        jobs: { createJob: (jobId, data) => release.connection.createJob(jobId, data) },
        functionName: delivery.triggerFunctionName,
        userParameters: JSON.stringify(userParameters),
        inputArtifacts: [await uploadArtifact(files)],
        artifactCredentials: release.artifactCredentials,
        // As the release does: the next job once the deploy execution has ended (a cloud in this process), instead of
        // re-invoking the trigger every 20 ms while it runs.
        ...(release.executionEnded
          ? {
              pollIntervalMs: DEFAULT_REINVOKE_MS,
              reinvokeEarly: (jobIds: readonly string[]) =>
                release.executionEnded!(executionArnFor(delivery.stateMachineArn, executionNameForJob(jobIds[0]!))),
            }
          : { pollIntervalMs: 20 }),
        maxInvocations: 3000,
      }),
    describeStack: async (stackName) => {
      try {
        const { Stacks } = await release.clients.cloudFormation.send(
          new DescribeStacksCommand({ StackName: stackName }),
        );
        return Stacks?.[0];
      } catch (error) {
        if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
        throw error;
      }
    },
    stackTemplate: async (stackName) => {
      const { TemplateBody } = await release.clients.cloudFormation.send(
        new GetTemplateCommand({ StackName: stackName }),
      );
      return JSON.parse(TemplateBody ?? 'null') as unknown;
    },
    changeSetNames: async (stackName) => {
      const { Summaries } = await release.clients.cloudFormation.send(
        new ListChangeSetsCommand({ StackName: stackName }),
      );
      return (Summaries ?? []).map((summary) => summary.ChangeSetName ?? '');
    },
    bucketKeys: async (bucket) => {
      try {
        await release.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw error;
      }
      const { Contents } = await release.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (Contents ?? []).map((object) => object.Key ?? '');
    },
    executionCount: async () => {
      const { executions } = await release.clients.stepFunctions.send(
        new ListExecutionsCommand({ stateMachineArn: delivery.stateMachineArn }),
      );
      return executions?.length ?? 0;
    },
    close: async () => {
      await release.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
};

/** A small application template: a data bucket (name given), a Glue database (named after the stack) and an output. */
export const dataTemplate = (options: {
  bucketName: string;
  databaseName?: string;
  extraTag?: string;
  retain?: boolean;
}) => ({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    DataBucket: {
      Type: 'AWS::S3::Bucket',
      ...(options.retain ? { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } : {}),
      Properties: {
        BucketName: options.bucketName,
        ...(options.extraTag ? { Tags: [{ Key: 'purpose', Value: options.extraTag }] } : {}),
      },
    },
    Database: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        // A Glue database belongs to one stack: by default it is named after the stack, as the Glue ETL stack's are.
        DatabaseInput: {
          Name: options.databaseName ?? { 'Fn::Join': ['_', { 'Fn::Split': ['-', { Ref: 'AWS::StackName' }] }] },
        },
      },
    },
  },
  Outputs: { DataBucketName: { Value: { Ref: 'DataBucket' } } },
});
