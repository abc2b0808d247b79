// What the orchestrator keeps in the template staging bucket besides staged templates: verdicts (and the pages of a
// change set read across invocations) and plans. One place for the keys, so IAM (tasks.js) and docs match.
import { ConfigurationError, parseS3Url, errorName } from '@glue-cd/core';
import { s3Sdk, type S3Sender } from './clients';

export const VERDICTS_PREFIX = 'verdicts/';
export const PLANS_PREFIX = 'plans/';

// Keyed by stack first, as templates/ and plans/ are: IAM scopes each environment's objects by its stack names.
export const verdictKey = (stackName: string, executionName: string): string =>
  `${VERDICTS_PREFIX}${stackName}/${executionName}/verdict.json`;
export const progressKey = (stackName: string, executionName: string, pagesRead: number): string =>
  `${VERDICTS_PREFIX}${stackName}/${executionName}/progress-${pagesRead}.json`;
export const planKeys = (stackName: string, executionName: string): { json: string; text: string } => ({
  json: `${PLANS_PREFIX}${stackName}/${executionName}.json`,
  text: `${PLANS_PREFIX}${stackName}/${executionName}.txt`,
});

export const s3Url = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

export const putJson = async (s3: S3Sender, bucket: string, key: string, value: unknown): Promise<string> => {
  await s3.send(
    new (s3Sdk().PutObjectCommand)({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: 'application/json',
    }),
  );
  return s3Url(bucket, key);
};

export const putText = async (s3: S3Sender, bucket: string, key: string, text: string): Promise<string> => {
  await s3.send(
    new (s3Sdk().PutObjectCommand)({ Bucket: bucket, Key: key, Body: text, ContentType: 'text/plain; charset=utf-8' }),
  );
  return s3Url(bucket, key);
};

/** The JSON object at `key`, or undefined when it does not exist. */
export const getJson = async (s3: S3Sender, bucket: string, key: string): Promise<unknown> => {
  try {
    const response = await s3.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }));
    const text = await response.Body?.transformToString('utf-8');
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    if (errorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
};

/** An approved plan's location, which must be a plan in this orchestrator's staging bucket. */
export const approvedPlanLocation = (url: string, stagingBucket: string): { bucket: string; key: string } => {
  const location = parseS3Url(url);
  if (location === undefined || location.bucket !== stagingBucket || !location.key.startsWith(PLANS_PREFIX)) {
    throw new ConfigurationError(
      `DeployInput.approvedPlan: ${url} is not a plan in the template staging bucket (s3://${stagingBucket}/${PLANS_PREFIX}…)`,
    );
  }
  return location;
};
