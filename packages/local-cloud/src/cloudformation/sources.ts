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

/** The template of a request: exactly one of TemplateBody and TemplateURL. */
export async function templateBody(
  objects: ObjectStore,
  input: { TemplateBody?: string | undefined; TemplateURL?: string | undefined },
): Promise<string> {
  const hasBody = input.TemplateBody !== undefined && input.TemplateBody !== '';
  const hasUrl = input.TemplateURL !== undefined && input.TemplateURL !== '';
  if (hasBody === hasUrl) throw validationError('Exactly one of TemplateBody or TemplateUrl must be specified.');
  return hasBody ? input.TemplateBody! : documentAtUrl(objects, input.TemplateURL!, 'template');
}
