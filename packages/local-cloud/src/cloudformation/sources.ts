import type { ObjectStore } from '../contracts';
import { validationError } from './errors';
import { parseTemplateUrl } from './model/template';

/** The text of an S3 document a request names by URL (TemplateURL, StackPolicyURL …), read from the local S3. */
export async function documentAtUrl(objects: ObjectStore, url: string, what: string): Promise<string> {
  const { bucket, key } = parseTemplateUrl(url);
  const object = await objects.getObject(bucket, key);
  if (object === undefined)
    throw validationError(`S3 error: the ${what} ${url} does not exist (bucket ${bucket}, key ${key})`);
  return Buffer.from(object).toString('utf8');
}

/** CloudFormation's template size quotas: in the request (TemplateBody), and read from S3 (TemplateURL). */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;
export const TEMPLATE_URL_LIMIT_BYTES = 1_000_000;

/**
 * The template of a request: exactly one of TemplateBody (at most 51,200 bytes) and TemplateURL (at most 1 MB), as
 * CloudFormation takes them: a larger template passes in S3 only (`sls deploy` uploads it, the orchestrator stages it).
 */
export async function templateBody(
  objects: ObjectStore,
  input: { TemplateBody?: string | undefined; TemplateURL?: string | undefined },
): Promise<string> {
  const hasBody = input.TemplateBody !== undefined && input.TemplateBody !== '';
  const hasUrl = input.TemplateURL !== undefined && input.TemplateURL !== '';
  if (hasBody === hasUrl) throw validationError('Exactly one of TemplateBody or TemplateUrl must be specified.');
  if (hasBody) {
    if (Buffer.byteLength(input.TemplateBody!) > TEMPLATE_BODY_LIMIT_BYTES) {
      throw validationError(
        `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${TEMPLATE_BODY_LIMIT_BYTES}`,
      );
    }
    return input.TemplateBody!;
  }
  const body = await documentAtUrl(objects, input.TemplateURL!, 'template');
  if (Buffer.byteLength(body) > TEMPLATE_URL_LIMIT_BYTES) {
    throw validationError(`Template may not exceed ${TEMPLATE_URL_LIMIT_BYTES} bytes in size.`);
  }
  return body;
}
