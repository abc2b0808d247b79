import { ConfigurationError, parseS3Url, type TemplateSource, errorName } from '@glue-cd/core';
import {
  ARTIFACT_ZIP_LIMIT,
  CLOUDFORMATION_TEMPLATE_LIMIT,
  readZipEntry,
} from '@glue-cd/core/src/codepipeline/artifact-zip';
import { readObjectBody } from '@glue-cd/lambda-edge';
import { s3Sdk, type S3Sender } from '../clients';
import { requireStagingBucket, type OrchestratorSettings } from '../settings';
import type { PrepareTemplateEvent, PreparedTemplate } from '../state';

/** CloudFormation's TemplateBody limit; larger templates must come from S3 (limit 1 MB). */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;

/** The https URL CloudFormation accepts for an S3 object. */
export const s3HttpsUrl = (bucket: string, key: string, region: string): string =>
  `https://${bucket}.s3.${region}.amazonaws.com/${key.split('/').map(encodeURIComponent).join('/')}`;

/** `s3://bucket/key` as an https URL; https URLs unchanged. */
export const templateUrl = (url: string, region: string): string => {
  const s3 = parseS3Url(url);
  if (s3?.key) return s3HttpsUrl(s3.bucket, s3.key, region);
  if (url.startsWith('s3://')) throw new ConfigurationError(`DeployInput.template.url: ${url} names no object key`);
  return url;
};

/**
 * One file from a zip artifact, read by core's zip reader (only that entry inflated, capped at the largest template
 * CloudFormation takes), or a ConfigurationError naming the input field, the path, the artifact and what is wrong.
 */
export const extractFromZip = (zip: Uint8Array, path: string, artifactName: string): string => {
  try {
    const file = readZipEntry(zip, path, {
      describeZip: `artifact ${artifactName}`,
      maxBytes: CLOUDFORMATION_TEMPLATE_LIMIT,
    });
    return new TextDecoder().decode(file);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(`DeployInput.template.path: ${error.message}`, { cause: error });
  }
};

const readArtifact = async (s3: S3Sender, bucket: string, key: string): Promise<Uint8Array> => {
  try {
    const response = await s3.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }));
    if (response.Body === undefined) throw new ConfigurationError(`artifact s3://${bucket}/${key} has no body`);
    // Refused from its Content-Length, or as soon as the download passes the cap: never read whole into memory.
    return await readObjectBody(response, `DeployInput.template.artifact: s3://${bucket}/${key}`, ARTIFACT_ZIP_LIMIT);
  } catch (error) {
    if (errorName(error) === 'NoSuchKey' || errorName(error) === 'NoSuchBucket') {
      throw new ConfigurationError(
        `DeployInput.template.artifact: s3://${bucket}/${key} does not exist (${errorName(error)})`,
        { cause: error },
      );
    }
    throw error;
  }
};

const stagingKey = (event: PrepareTemplateEvent, fileName: string): string =>
  `templates/${event.input.stackName}/${event.executionName}/${fileName}`;

const bodyOrStaged = async (
  s3: S3Sender,
  settings: Pick<OrchestratorSettings, 'templateStagingBucket' | 'region'>,
  event: PrepareTemplateEvent,
  body: string,
  fileName: string,
): Promise<PreparedTemplate> => {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= TEMPLATE_BODY_LIMIT_BYTES) return { kind: 'body', templateBody: body, bytes };
  const bucket = requireStagingBucket(
    settings,
    `the template is ${bytes} bytes (TemplateBody allows ${TEMPLATE_BODY_LIMIT_BYTES})`,
  );
  // Keyed by stack and execution: a retried task overwrites the same object.
  const key = stagingKey(event, fileName);
  await s3.send(
    new (s3Sdk().PutObjectCommand)({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain; charset=utf-8' }),
  );
  return { kind: 'url', templateURL: s3HttpsUrl(bucket, key, settings.region), staged: true };
};

const fileNameOf = (source: TemplateSource): string =>
  'path' in source ? (source.path.split('/').pop() ?? 'template') : 'template.json';

/** PrepareTemplate: resolves the input's TemplateSource into TemplateBody or TemplateURL. */
export const prepareTemplate = async (
  s3: S3Sender,
  settings: Pick<OrchestratorSettings, 'templateStagingBucket' | 'region'>,
  event: PrepareTemplateEvent,
): Promise<PreparedTemplate> => {
  const source = event.input.template;
  if (source === undefined) throw new ConfigurationError('DeployInput.template: is required when action is deploy');
  if ('url' in source) return { kind: 'url', templateURL: templateUrl(source.url, settings.region), staged: false };
  if ('body' in source) return bodyOrStaged(s3, settings, event, source.body, fileNameOf(source));
  const { bucket, key } = source.artifact;
  const zip = await readArtifact(s3, bucket, key);
  const body = extractFromZip(zip, source.path, `s3://${bucket}/${key}`);
  return bodyOrStaged(s3, settings, event, body, fileNameOf(source));
};
