import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from '../aws-error';
import type { LocalRequest } from '../contracts';
import type { Protocol } from '../protocols/errors';
import type { AccessKey, CredentialStore, Identity } from './credentials';

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** A request's SigV4 signature, from its Authorization header or its presigned query. */
export interface SignedRequest {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  presigned: boolean;
  expiresSeconds?: number;
}

export const parseSignature = (request: Pick<LocalRequest, 'headers' | 'query'>): SignedRequest | undefined => {
  const header = request.headers.authorization;
  if (header?.startsWith(`${ALGORITHM} `)) {
    const fields = Object.fromEntries(
      header
        .slice(ALGORITHM.length + 1)
        .split(',')
        .map((part) => part.trim().split('=') as [string, string]),
    );
    const scope = (fields.Credential ?? '').split('/');
    if (scope.length !== 5 || !fields.SignedHeaders || !fields.Signature) return undefined;
    return {
      accessKeyId: scope[0]!,
      date: scope[1]!,
      region: scope[2]!,
      service: scope[3]!,
      signedHeaders: fields.SignedHeaders.split(';'),
      signature: fields.Signature,
      amzDate: request.headers['x-amz-date'] ?? '',
      presigned: false,
    };
  }
  if (request.query.get('X-Amz-Algorithm') === ALGORITHM) {
    const scope = (request.query.get('X-Amz-Credential') ?? '').split('/');
    const signedHeaders = request.query.get('X-Amz-SignedHeaders');
    const signature = request.query.get('X-Amz-Signature');
    if (scope.length !== 5 || !signedHeaders || !signature) return undefined;
    const expires = Number(request.query.get('X-Amz-Expires') ?? '');
    return {
      accessKeyId: scope[0]!,
      date: scope[1]!,
      region: scope[2]!,
      service: scope[3]!,
      signedHeaders: signedHeaders.split(';'),
      signature,
      amzDate: request.query.get('X-Amz-Date') ?? '',
      presigned: true,
      ...(Number.isFinite(expires) && expires > 0 ? { expiresSeconds: expires } : {}),
    };
  }
  return undefined;
};

/** RFC 3986 escaping as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const escape = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** S3 signs the path as sent; every other service signs it escaped once more, with `.`/`..`/empty segments removed. */
const canonicalPath = (rawPath: string, service: string): string => {
  if (service === 's3') return rawPath || '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escape(normalized).replace(/%2F/g, '/');
};

const canonicalQuery = (query: URLSearchParams): string =>
  [...query.entries()]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [escape(name), escape(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

const payloadHash = (request: LocalRequest, signed: SignedRequest): string => {
  const declared =
    request.headers['x-amz-content-sha256'] ??
    [...request.query.entries()].find(([name]) => name.toLowerCase() === 'x-amz-content-sha256')?.[1];
  if (declared) return declared;
  return signed.presigned ? 'UNSIGNED-PAYLOAD' : sha256Hex(request.body);
};

/** The signature `key` gives `request` (the request as received, before any aws-chunked decoding). */
export const expectedSignature = (request: LocalRequest, signed: SignedRequest, key: AccessKey): string => {
  const headers = signed.signedHeaders
    .map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path, signed.service),
    canonicalQuery(request.query),
    headers,
    signed.signedHeaders.join(';'),
    payloadHash(request, signed),
  ].join('\n');
  const scope = `${signed.date}/${signed.region}/${signed.service}/aws4_request`;
  const stringToSign = [ALGORITHM, signed.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let signingKey = hmac(`AWS4${key.secretAccessKey}`, signed.date);
  for (const part of [signed.region, signed.service, 'aws4_request']) signingKey = hmac(signingKey, part);
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
};

/** AWS's code for a key it never issued, per protocol. */
const UNKNOWN_KEY_CODE: Record<Protocol, string> = {
  query: 'InvalidClientTokenId',
  json: 'UnrecognizedClientException',
  'rest-json': 'UnrecognizedClientException',
  'rest-xml': 'InvalidAccessKeyId',
};

const UNKNOWN_KEY_MESSAGE: Record<Protocol, string> = {
  query: 'The security token included in the request is invalid.',
  json: 'The security token included in the request is invalid.',
  'rest-json': 'The security token included in the request is invalid.',
  'rest-xml': 'The AWS Access Key Id you provided does not exist in our records.',
};

const amzDateMs = (amzDate: string): number => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  return match ? Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!) : Number.NaN;
};

/**
 * Who signed `request`: verifies its SigV4 signature (header or presigned query) against the keys this cloud issued.
 * A key it never issued is AWS's 403 for the protocol; a wrong signature `SignatureDoesNotMatch`; an expired presigned
 * URL `AccessDenied`.
 */
export const verifySignature = (
  request: LocalRequest,
  protocol: Protocol,
  credentials: CredentialStore,
  now = Date.now(),
): Identity => {
  const signed = parseSignature(request);
  if (!signed) {
    throw new AwsServiceError(
      protocol === 'rest-xml' ? 'AccessDenied' : 'MissingAuthenticationToken',
      `The local cloud verifies SigV4 (${ALGORITHM}) signatures: ${request.method} ${request.path} carried none (anonymous requests are not served)`,
      403,
    );
  }
  const known = credentials.lookup(signed.accessKeyId);
  if (!known) {
    throw new AwsServiceError(
      UNKNOWN_KEY_CODE[protocol],
      `${UNKNOWN_KEY_MESSAGE[protocol]} (access key ${signed.accessKeyId} was not issued by this local cloud: use the keys \`pnpm cloud\` prints or cloud.environment())`,
      403,
      protocol === 'rest-xml' ? { AWSAccessKeyId: signed.accessKeyId } : {},
    );
  }
  const expected = expectedSignature(request, signed, known.key);
  const matches =
    expected.length === signed.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(signed.signature));
  if (!matches) {
    throw new AwsServiceError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    );
  }
  if (signed.presigned && signed.expiresSeconds !== undefined) {
    const expiresAt = amzDateMs(signed.amzDate) + signed.expiresSeconds * 1000;
    if (!(now <= expiresAt)) {
      throw new AwsServiceError('AccessDenied', 'Request has expired', 403, {
        Expires: new Date(expiresAt).toISOString(),
        ServerTime: new Date(now).toISOString(),
      });
    }
  }
  return known.identity;
};
