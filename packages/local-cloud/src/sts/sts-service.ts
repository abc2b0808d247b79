import { AwsServiceError, newRequestId } from '../aws-error';
import { LOCAL_ACCOUNT_ID, type ServiceHandler } from '../contracts';
import { el, xmlDocument } from '../xml';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The access key id of the request's SigV4 credential scope (header or presigned query). */
const accessKeyOf = (headers: Record<string, string>, query: URLSearchParams): string | undefined =>
  (/Credential=([^/,\s]+)\//.exec(headers.authorization ?? '')?.[1] ?? query.get('X-Amz-Credential')?.split('/')[0]) ||
  undefined;

/**
 * The local STS (awsQuery/XML): GetCallerIdentity only. Every caller is the local account's root user
 * (`arn:aws:iam::000000000000:root`), whatever credentials it signs with; nothing else of STS is served.
 */
export const createStsService = (): ServiceHandler => async (request) => {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const action = form.get('Action') ?? request.query.get('Action') ?? '';
  if (action !== 'GetCallerIdentity') {
    throw new AwsServiceError(
      'InvalidAction',
      `The local STS serves GetCallerIdentity only; ${action || 'a request without Action'} is not supported`,
      400,
    );
  }
  const requestId = newRequestId();
  const accessKey = accessKeyOf(request.headers, request.query);
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: xmlDocument({
      name: 'GetCallerIdentityResponse',
      attributes: { xmlns: STS_XMLNS },
      children: [
        el(
          'GetCallerIdentityResult',
          el('Arn', `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root`),
          el('UserId', accessKey ?? LOCAL_ACCOUNT_ID),
          el('Account', LOCAL_ACCOUNT_ID),
        ),
        el('ResponseMetadata', el('RequestId', requestId)),
      ],
    }),
  };
};
