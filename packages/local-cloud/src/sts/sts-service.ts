import { AwsServiceError, newRequestId } from '../aws-error';
import { LOCAL_ACCOUNT_ID, type Principal, type ServiceHandler } from '../contracts';
import { el, xmlDocument } from '../xml';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A role's caller identity is its session, as STS names an assumed role: `arn:aws:sts::<account>:assumed-role/<name>/<session>`. */
const callerArn = (principal: Principal | undefined): string => {
  if (principal?.kind !== 'role' || !principal.arn) return principal?.arn ?? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root`;
  const roleName = principal.arn.slice(principal.arn.lastIndexOf('/') + 1);
  return `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName}/local-cloud`;
};

/**
 * The local STS (awsQuery/XML): GetCallerIdentity only. The operator's key is the account root
 * (`arn:aws:iam::000000000000:root`), a key issued to a role is that role's session; nothing else of STS is served.
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
  const principal = request.context?.principal;
  const accessKey = principal?.accessKeyId;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: xmlDocument({
      name: 'GetCallerIdentityResponse',
      attributes: { xmlns: STS_XMLNS },
      children: [
        el(
          'GetCallerIdentityResult',
          el('Arn', callerArn(principal)),
          el('UserId', accessKey ?? LOCAL_ACCOUNT_ID),
          el('Account', LOCAL_ACCOUNT_ID),
        ),
        el('ResponseMetadata', el('RequestId', requestId)),
      ],
    }),
  };
};
