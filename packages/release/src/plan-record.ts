import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parsePlanDocument, parseS3Url } from '@glue-cd/core';
import type { PlanRecord } from './report-schema';

const readText = async (s3: S3Client, url: string): Promise<string> => {
  const location = parseS3Url(url);
  if (!location?.key) throw new Error(`${url} is not an s3://bucket/key URL`);
  const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
};

/**
 * The plan a Lambda invoke action published (output variables of outcome `planned`), read back from the staging
 * bucket as a reviewer would open it: undefined for any other outcome.
 */
export const readPlanRecord = async (
  s3: S3Client,
  action: string,
  variables: Record<string, string>,
  summary: string,
): Promise<PlanRecord | undefined> => {
  const { outcome, PlanUrl: url, PlanTextUrl: textUrl } = variables;
  if (outcome !== 'planned' || url === undefined || textUrl === undefined) return undefined;
  const [json, text] = await Promise.all([readText(s3, url), readText(s3, textUrl)]);
  const document = parsePlanDocument(JSON.parse(json) as unknown, url);
  return {
    action,
    stackName: document.stackName,
    url,
    textUrl,
    summary,
    counts: document.counts,
    verdict: variables.verdict ?? (document.verdict.safe ? 'accepted' : `refused-${document.verdict.refusal}`),
    text,
  };
};

// At the approval prompt: enough of the plan to decide on; the whole text is in the report and in S3.
const PROMPT_LINES = 60;

/** A plan as the approval prompt and the summary show it: the summary, then the text's first lines. */
export const formatPlanForReview = (plan: PlanRecord, maxLines = PROMPT_LINES): string => {
  const lines = plan.text.trimEnd().split('\n');
  const shown = lines.slice(0, maxLines);
  const more = lines.length > shown.length ? [`… ${lines.length - shown.length} more lines in ${plan.textUrl}`] : [];
  return [`${plan.action}: ${plan.summary}`, ...shown.map((line) => `  ${line}`), ...more].join('\n');
};
