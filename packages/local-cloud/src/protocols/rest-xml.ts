import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AwsServiceError } from '../aws-error';
import type { LocalResponse } from '../contracts';
import { membersOf, operationModel, type ServiceModel } from './shapes';
import { type XmlNode, xmlDocument } from './xml';

// REST-XML (S3): operations addressed by method, path and query; XML payloads both ways.

export const xmlResponse = (root: XmlNode, status = 200, headers: Record<string, string> = {}): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/xml', ...headers },
  body: xmlDocument(root),
});

export const malformedXml = (detail?: string): AwsServiceError =>
  new AwsServiceError(
    'MalformedXML',
    `The XML you provided was not well-formed or did not validate against our published schema${detail ? `: ${detail}` : ''}`,
    400,
  );

/** Parses an XML request payload; a truncated or malformed document is S3's 400 MalformedXML, never half-read. */
export function parseXmlBody<T>(body: Buffer, parser: XMLParser): T {
  const text = body.toString('utf8');
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw malformedXml();
  try {
    return parser.parse(text) as T;
  } catch {
    throw malformedXml();
  }
}

/** Query parameters of presigned URLs (SigV4 itself, not any operation's members). */
export const SIGV4_QUERY_PARAMETERS: readonly string[] = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
];

/**
 * Every query parameter the model binds for these operations (their `httpQuery` members and the literals of their
 * URI templates, such as `list-type` or `x-id`): what is left over in a request names a sub-resource.
 */
export function queryParametersOf(model: ServiceModel, operations: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const name of operations) {
    const operation = operationModel(model, name);
    if (!operation) throw new Error(`The ${name} operation is not in the service model`);
    for (const [, member] of membersOf(operation.input)) {
      const query = member.getMergedTraits().httpQuery;
      if (query) names.add(query);
    }
    const literals = operation.http?.[1].split('?')[1] ?? '';
    for (const literal of literals.split('&').filter(Boolean)) names.add(literal.split('=')[0]!);
  }
  return names;
}
