import { ConfigurationError, parseS3Url, type TemplateSource, errorMessage, errorName } from '@glue-cd/core';
import { s3Sdk, type S3Sender } from '../clients';
import { requireStagingBucket, type OrchestratorSettings } from '../settings';
import type { PrepareTemplateEvent, PreparedTemplate } from '../state';
import type * as Unzip from './unzip';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const unzipSync = (zip: Uint8Array) => (require('./unzip') as typeof Unzip).unzipSync(zip);

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

/** One file from a zip artifact, or a ConfigurationError naming the path, the artifact and what it holds. */
export const extractFromZip = (zip: Uint8Array, path: string, artifactName: string): string => {
  const wanted = path.replace(/^\.?\//, '');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    throw new ConfigurationError(`artifact ${artifactName} is not a readable zip: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  const file = files[wanted];
  if (file === undefined) {
    const names = Object.keys(files).filter((name) => !name.endsWith('/'));
    const shown = names.slice(0, 20).join(', ') + (names.length > 20 ? ', …' : '');
    throw new ConfigurationError(
      `DeployInput.template.path: ${path} is not in artifact ${artifactName} (it holds ${names.length} files: ${shown || 'none'})`,
    );
  }
  return new TextDecoder().decode(file);
};

const readArtifact = async (s3: S3Sender, bucket: string, key: string): Promise<Uint8Array> => {
  try {
    const response = await s3.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }));
    if (response.Body === undefined) throw new ConfigurationError(`artifact s3://${bucket}/${key} has no body`);
    return await response.Body.transformToByteArray();
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
