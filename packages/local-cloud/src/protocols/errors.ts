import type { AwsServiceError } from '../aws-error';
import type { LocalRequest, LocalResponse } from '../contracts';
import { jsonErrorResponse } from './json';
import { queryErrorResponse } from './query';
import { el, xmlDocument } from './xml';

/** The wire protocols of the local cloud's services. */
export type Protocol = 'query' | 'json' | 'rest-xml' | 'rest-json';

/**
 * The protocol a request speaks, read from the request itself (for errors the router answers before any service
 * does): S3 is REST-XML, a form body or `Action=` query is AWS Query, `X-Amz-Target` is JSON, the rest REST-JSON.
 */
export function protocolOfRequest(request: Pick<LocalRequest, 'headers' | 'query'>, service?: string): Protocol {
  if (service === 's3') return 'rest-xml';
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('application/x-www-form-urlencoded') || request.query.has('Action')) return 'query';
  if (request.headers['x-amz-target'] !== undefined || contentType.startsWith('application/x-amz-json')) return 'json';
  return 'rest-json';
}

/** S3's `<Error>` document (HEAD responses carry no body: the SDK maps the bare status, as AWS's own S3 does). */
export function restXmlErrorResponse(error: AwsServiceError, requestId: string, method = 'GET'): LocalResponse {
  const headers = { 'x-amz-request-id': requestId, 'x-amz-error-code': error.code };
  if (method === 'HEAD') return { status: error.statusCode, headers };
  const details = Object.entries(error.details).map(([name, value]) => el(name, value));
  return {
    status: error.statusCode,
    headers: { 'content-type': 'application/xml', ...headers },
    body: xmlDocument(
      el('Error', el('Code', error.code), el('Message', error.message), ...details, el('RequestId', requestId)),
    ),
  };
}

/** An AwsServiceError in the shape the caller's protocol reads. */
export function errorResponse(
  protocol: Protocol,
  error: AwsServiceError,
  requestId: string,
  method?: string,
): LocalResponse {
  switch (protocol) {
    case 'query':
      return queryErrorResponse(error, requestId);
    case 'rest-xml':
      return restXmlErrorResponse(error, requestId, method);
    case 'json':
      return jsonErrorResponse(error, 'application/x-amz-json-1.1', requestId);
    case 'rest-json':
      return jsonErrorResponse(error, 'application/json', requestId);
  }
}
