import { XMLParser } from 'fast-xml-parser';
import { AwsServiceError, isAwsServiceError, newRequestId } from '../aws-error';
import type { LocalRequest, LocalResponse, ServiceHandler } from '../contracts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../contracts';
import { el, elWithAttributes, optional, xmlDocument, type XmlNode } from '../xml';
import {
  noSuchBucket,
  type ListedObject,
  type LocalObjectStore,
  type ObjectMetadata,
  type PutObjectOptions,
} from './object-store';

const S3_NAMESPACE = { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' };
const MAX_KEYS = 1000;
const OWNER = el('Owner', el('ID', LOCAL_ACCOUNT_ID), el('DisplayName', 'local-cloud'));

const deleteRequestParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Object',
});

interface S3Target {
  bucket?: string;
  key?: string;
}

/**
 * Path-style addressing (`/<bucket>/<key>`), which the SDK uses for an IP endpoint such as 127.0.0.1; a
 * `Host: <bucket>.localhost[:port]` (virtual-hosted style, sent for an `http://localhost:<port>` endpoint) names the
 * bucket instead.
 */
export function parseS3Target(path: string, host = ''): S3Target {
  const virtualBucket = /^(.+)\.localhost(?::\d+)?$/i.exec(host)?.[1];
  if (virtualBucket) {
    const rawKey = path.replace(/^\//, '');
    return rawKey === '' ? { bucket: virtualBucket } : { bucket: virtualBucket, key: decodeURIComponent(rawKey) };
  }
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '') return {};
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { bucket: decodeURIComponent(trimmed) };
  const bucket = decodeURIComponent(trimmed.slice(0, slash));
  const rawKey = trimmed.slice(slash + 1);
  return rawKey === '' ? { bucket } : { bucket, key: decodeURIComponent(rawKey) };
}

const xmlResponse = (root: XmlNode, status = 200, headers: Record<string, string> = {}): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/xml', ...headers },
  body: xmlDocument(root),
});

const s3ErrorResponse = (error: AwsServiceError, method: string, requestId: string): LocalResponse => {
  const headers = { 'x-amz-request-id': requestId, 'x-amz-error-code': error.code };
  // HEAD responses carry no body: the SDK maps the bare status (404 → NotFound) as AWS's own S3 does.
  if (method === 'HEAD') return { status: error.statusCode, headers };
  const details = Object.entries(error.details).map(([name, value]) => el(name, value));
  return xmlResponse(
    el('Error', el('Code', error.code), el('Message', error.message), ...details, el('RequestId', requestId)),
    error.statusCode,
    headers,
  );
};

const httpDate = (date: Date): string => date.toUTCString();

const objectHeaders = (meta: ObjectMetadata): Record<string, string> => {
  const headers: Record<string, string> = {
    'content-type': meta.contentType,
    etag: meta.etag,
    'last-modified': httpDate(meta.lastModified),
    'accept-ranges': 'bytes',
  };
  if (meta.contentEncoding) headers['content-encoding'] = meta.contentEncoding;
  if (meta.contentDisposition) headers['content-disposition'] = meta.contentDisposition;
  if (meta.cacheControl) headers['cache-control'] = meta.cacheControl;
  for (const [name, value] of Object.entries(meta.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
};

const putOptionsFromHeaders = (headers: Record<string, string>): PutObjectOptions => {
  const userMetadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-')) userMetadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const contentEncoding = (headers['content-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'aws-chunked')
    .join(',');
  return {
    userMetadata,
    ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}),
    ...(contentEncoding ? { contentEncoding } : {}),
    ...(headers['content-disposition'] ? { contentDisposition: headers['content-disposition'] } : {}),
    ...(headers['cache-control'] ? { cacheControl: headers['cache-control'] } : {}),
  };
};

const parseMaxKeys = (query: URLSearchParams, name: string): number => {
  const raw = query.get(name);
  if (raw === null) return MAX_KEYS;
  if (!/^\d+$/.test(raw))
    throw new AwsServiceError('InvalidArgument', `Provided ${name} not an integer or within integer range`, 400, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  return Math.min(Number(raw), MAX_KEYS);
};

interface Marker {
  value: string;
  /** The marker is a CommonPrefix: everything under it was already returned. */
  isPrefix: boolean;
}

interface Page {
  contents: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  next?: Marker;
}

/** One page of a listing, S3's way: keys after the marker, rolled up at the delimiter, max-keys entries. */
function listPage(objects: ListedObject[], prefix: string, delimiter: string, maxKeys: number, after?: Marker): Page {
  const contents: ListedObject[] = [];
  const commonPrefixes: string[] = [];
  let last: Marker | undefined;
  for (const object of objects) {
    if (
      after &&
      (Buffer.compare(Buffer.from(object.key), Buffer.from(after.value)) <= 0 ||
        (after.isPrefix && object.key.startsWith(after.value)))
    ) {
      continue;
    }
    const rest = object.key.slice(prefix.length);
    const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
    const commonPrefix = cut < 0 ? undefined : prefix + rest.slice(0, cut + delimiter.length);
    if (commonPrefix !== undefined && last?.isPrefix && last.value === commonPrefix) continue;
    if (contents.length + commonPrefixes.length >= maxKeys)
      return { contents, commonPrefixes, isTruncated: true, ...(last ? { next: last } : {}) };
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      last = { value: commonPrefix, isPrefix: true };
    } else {
      contents.push(object);
      last = { value: object.key, isPrefix: false };
    }
  }
  return { contents, commonPrefixes, isTruncated: false };
}

const encodeToken = (marker: Marker): string => Buffer.from(JSON.stringify(marker)).toString('base64');

const decodeToken = (token: string): Marker => {
  try {
    const marker = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<Marker>;
    if (typeof marker.value === 'string' && typeof marker.isPrefix === 'boolean')
      return { value: marker.value, isPrefix: marker.isPrefix };
  } catch {
    // fall through to the AWS error below
  }
  throw new AwsServiceError('InvalidArgument', 'The continuation token provided is incorrect', 400, {
    ArgumentName: 'continuation-token',
  });
};

export function createS3Service(store: LocalObjectStore): ServiceHandler {
  const requireBucket = async (bucket: string): Promise<void> => {
    store.bucketPath(bucket); // validates the name
    if (!(await store.bucketExists(bucket))) throw noSuchBucket(bucket);
  };

  const listObjects = async (bucket: string, query: URLSearchParams): Promise<LocalResponse> => {
    const v2 = query.get('list-type') === '2';
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxKeys = parseMaxKeys(query, 'max-keys');
    const urlEncode = query.get('encoding-type') === 'url';
    const encode = (value: string): string => (urlEncode ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
    const continuationToken = query.get('continuation-token') ?? undefined;
    const startAfter = query.get('start-after') ?? undefined;
    const marker = query.get('marker') ?? undefined;
    let after: Marker | undefined;
    if (v2 && continuationToken !== undefined) after = decodeToken(continuationToken);
    else if (v2 && startAfter) after = { value: startAfter, isPrefix: false };
    else if (!v2 && marker) after = { value: marker, isPrefix: delimiter !== '' && marker.endsWith(delimiter) };
    const page = listPage(await store.listObjects(bucket, prefix), prefix, delimiter, maxKeys, after);
    // ETags live in the sidecars: read them only for the page being returned.
    const contents: XmlNode[] = [];
    for (const object of page.contents) {
      const meta = await store.headObject(bucket, object.key);
      contents.push(
        el(
          'Contents',
          el('Key', encode(object.key)),
          el('LastModified', object.lastModified.toISOString()),
          el('ETag', meta?.etag ?? ''),
          el('Size', object.size),
          el('StorageClass', 'STANDARD'),
        ),
      );
    }
    const common = page.commonPrefixes.map((commonPrefix) => el('CommonPrefixes', el('Prefix', encode(commonPrefix))));
    const root = v2
      ? elWithAttributes(
          'ListBucketResult',
          S3_NAMESPACE,
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          optional('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
          el('MaxKeys', maxKeys),
          el('KeyCount', page.contents.length + page.commonPrefixes.length),
          el('IsTruncated', page.isTruncated),
          optional('ContinuationToken', continuationToken),
          optional('NextContinuationToken', page.isTruncated && page.next ? encodeToken(page.next) : undefined),
          optional('StartAfter', startAfter === undefined ? undefined : encode(startAfter)),
          optional('EncodingType', urlEncode ? 'url' : undefined),
          ...contents,
          ...common,
        )
      : elWithAttributes(
          'ListBucketResult',
          S3_NAMESPACE,
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          el('Marker', encode(marker ?? '')),
          optional('Delimiter', delimiter === '' ? undefined : encode(delimiter)),
          el('MaxKeys', maxKeys),
          el('IsTruncated', page.isTruncated),
          optional(
            'NextMarker',
            page.isTruncated && page.next && delimiter !== '' ? encode(page.next.value) : undefined,
          ),
          optional('EncodingType', urlEncode ? 'url' : undefined),
          ...contents,
          ...common,
        );
    return xmlResponse(root);
  };

  /** Buckets are unversioned: every current object is one version with VersionId "null", there are no delete markers. */
  const listObjectVersions = async (bucket: string, query: URLSearchParams): Promise<LocalResponse> => {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxKeys = parseMaxKeys(query, 'max-keys');
    const keyMarker = query.get('key-marker') ?? '';
    const after =
      keyMarker === '' ? undefined : { value: keyMarker, isPrefix: delimiter !== '' && keyMarker.endsWith(delimiter) };
    const page = listPage(await store.listObjects(bucket, prefix), prefix, delimiter, maxKeys, after);
    const versions: XmlNode[] = [];
    for (const object of page.contents) {
      const meta = await store.headObject(bucket, object.key);
      versions.push(
        el(
          'Version',
          el('Key', object.key),
          el('VersionId', 'null'),
          el('IsLatest', true),
          el('LastModified', object.lastModified.toISOString()),
          el('ETag', meta?.etag ?? ''),
          el('Size', object.size),
          el('StorageClass', 'STANDARD'),
          OWNER,
        ),
      );
    }
    return xmlResponse(
      elWithAttributes(
        'ListVersionsResult',
        S3_NAMESPACE,
        el('Name', bucket),
        el('Prefix', prefix),
        el('KeyMarker', keyMarker),
        el('VersionIdMarker', query.get('version-id-marker') ?? ''),
        el('MaxKeys', maxKeys),
        optional('Delimiter', delimiter === '' ? undefined : delimiter),
        el('IsTruncated', page.isTruncated),
        optional('NextKeyMarker', page.isTruncated ? page.next?.value : undefined),
        optional('NextVersionIdMarker', page.isTruncated ? 'null' : undefined),
        ...versions,
        ...page.commonPrefixes.map((commonPrefix) => el('CommonPrefixes', el('Prefix', commonPrefix))),
      ),
    );
  };

  const deleteObjects = async (bucket: string, body: Buffer): Promise<LocalResponse> => {
    let parsed: { Delete?: { Object?: { Key?: unknown }[]; Quiet?: unknown } };
    try {
      parsed = deleteRequestParser.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new AwsServiceError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
        400,
      );
    }
    const objects = parsed.Delete?.Object ?? [];
    if (!parsed.Delete || objects.length === 0) {
      throw new AwsServiceError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema: <Delete> needs at least one <Object>',
        400,
      );
    }
    if (objects.length > 1000)
      throw new AwsServiceError('MalformedXML', 'DeleteObjects accepts at most 1000 keys per request', 400);
    const quiet = String(parsed.Delete.Quiet ?? '').trim() === 'true';
    const results: XmlNode[] = [];
    for (const object of objects) {
      const key = typeof object.Key === 'string' ? object.Key : String(object.Key ?? '');
      try {
        await store.deleteObject(bucket, key);
        if (!quiet) results.push(el('Deleted', el('Key', key)));
      } catch (error) {
        if (!isAwsServiceError(error)) throw error;
        results.push(el('Error', el('Key', key), el('Code', error.code), el('Message', error.message)));
      }
    }
    return xmlResponse(elWithAttributes('DeleteResult', S3_NAMESPACE, ...results));
  };

  const getObject = async (bucket: string, key: string, request: LocalRequest): Promise<LocalResponse> => {
    const meta = await store.headObject(bucket, key);
    if (!meta) throw new AwsServiceError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
    const headers = objectHeaders(meta);
    if (request.method === 'HEAD') return { status: 200, headers: { ...headers, 'content-length': String(meta.size) } };
    const body = (await store.getObject(bucket, key)) ?? new Uint8Array();
    const range = request.headers.range;
    if (range) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      let start = match?.[1] ? Number(match[1]) : undefined;
      let end = match?.[2] ? Number(match[2]) : undefined;
      if (start === undefined && end !== undefined) {
        start = Math.max(0, body.length - end);
        end = body.length - 1;
      }
      if (!match || start === undefined || start >= body.length || (end !== undefined && end < start)) {
        throw new AwsServiceError('InvalidRange', 'The requested range is not satisfiable', 416, {
          RangeRequested: range,
          ActualObjectSize: String(body.length),
        });
      }
      const last = Math.min(end ?? body.length - 1, body.length - 1);
      return {
        status: 206,
        headers: { ...headers, 'content-range': `bytes ${start}-${last}/${body.length}` },
        body: body.subarray(start, last + 1),
      };
    }
    return { status: 200, headers, body };
  };

  const copyObject = async (bucket: string, key: string, request: LocalRequest): Promise<LocalResponse> => {
    const source = decodeURIComponent((request.headers['x-amz-copy-source'] ?? '').split('?')[0] ?? '').replace(
      /^\/+/,
      '',
    );
    const slash = source.indexOf('/');
    if (slash <= 0 || slash === source.length - 1) {
      throw new AwsServiceError(
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        400,
        {
          ArgumentName: 'x-amz-copy-source',
        },
      );
    }
    const sourceBucket = source.slice(0, slash);
    const sourceKey = source.slice(slash + 1);
    await requireBucket(sourceBucket);
    const sourceMeta = await store.headObject(sourceBucket, sourceKey);
    const body = sourceMeta ? await store.getObject(sourceBucket, sourceKey) : undefined;
    if (!sourceMeta || !body)
      throw new AwsServiceError('NoSuchKey', 'The specified key does not exist.', 404, { Key: sourceKey });
    const replace = (request.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
    if (!replace && sourceBucket === bucket && sourceKey === key) {
      throw new AwsServiceError(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        400,
      );
    }
    const options: PutObjectOptions = replace
      ? putOptionsFromHeaders(request.headers)
      : {
          contentType: sourceMeta.contentType,
          userMetadata: sourceMeta.userMetadata,
          ...(sourceMeta.contentEncoding ? { contentEncoding: sourceMeta.contentEncoding } : {}),
          ...(sourceMeta.contentDisposition ? { contentDisposition: sourceMeta.contentDisposition } : {}),
          ...(sourceMeta.cacheControl ? { cacheControl: sourceMeta.cacheControl } : {}),
        };
    const written = await store.putObjectWithMetadata(bucket, key, body, options);
    return xmlResponse(
      elWithAttributes(
        'CopyObjectResult',
        S3_NAMESPACE,
        el('LastModified', written.lastModified.toISOString()),
        el('ETag', written.etag),
      ),
    );
  };

  const bucketOperation = async (bucket: string, request: LocalRequest): Promise<LocalResponse> => {
    const { method, query } = request;
    if (method === 'PUT' && [...query.keys()].length === 0) {
      await store.createBucket(bucket);
      return { status: 200, headers: { location: `/${bucket}` } };
    }
    await requireBucket(bucket);
    if (method === 'HEAD') return { status: 200, headers: { 'x-amz-bucket-region': LOCAL_REGION } };
    if (method === 'DELETE' && [...query.keys()].length === 0) {
      await store.deleteBucket(bucket);
      return { status: 204 };
    }
    if (method === 'GET' && query.has('location'))
      return xmlResponse(elWithAttributes('LocationConstraint', S3_NAMESPACE));
    if (method === 'GET' && query.has('versioning'))
      return xmlResponse(elWithAttributes('VersioningConfiguration', S3_NAMESPACE));
    if (method === 'GET' && query.has('versions')) return listObjectVersions(bucket, query);
    if (method === 'POST' && query.has('delete')) return deleteObjects(bucket, request.body);
    if (method === 'GET' && [...query.keys()].every((name) => LIST_PARAMETERS.has(name)))
      return listObjects(bucket, query);
    throw notImplemented(request);
  };

  const objectOperation = async (bucket: string, key: string, request: LocalRequest): Promise<LocalResponse> => {
    await requireBucket(bucket);
    const { method, query } = request;
    const subresources = [...query.keys()].filter((name) => !OBJECT_PARAMETERS.has(name));
    if (subresources.length > 0) throw notImplemented(request);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return getObject(bucket, key, request);
      case 'PUT': {
        if (request.headers['x-amz-copy-source']) return copyObject(bucket, key, request);
        const written = await store.putObjectWithMetadata(
          bucket,
          key,
          request.body,
          putOptionsFromHeaders(request.headers),
        );
        return { status: 200, headers: { etag: written.etag } };
      }
      case 'DELETE':
        await store.deleteObject(bucket, key);
        return { status: 204 };
      default:
        throw notImplemented(request);
    }
  };

  return async (request) => {
    const requestId = newRequestId();
    try {
      const target = parseS3Target(request.path, request.headers.host);
      let response: LocalResponse;
      if (target.bucket === undefined) {
        if (request.method !== 'GET') throw notImplemented(request);
        const buckets = await store.listBuckets();
        response = xmlResponse(
          elWithAttributes(
            'ListAllMyBucketsResult',
            S3_NAMESPACE,
            OWNER,
            el(
              'Buckets',
              ...buckets.map((bucket) =>
                el(
                  'Bucket',
                  el('Name', bucket.name),
                  el('CreationDate', bucket.creationDate.toISOString()),
                  el('BucketRegion', LOCAL_REGION),
                ),
              ),
            ),
          ),
        );
      } else if (target.key === undefined) {
        response = await bucketOperation(target.bucket, request);
      } else {
        response = await objectOperation(target.bucket, target.key, request);
      }
      return { ...response, headers: { 'x-amz-request-id': requestId, ...response.headers } };
    } catch (error) {
      if (isAwsServiceError(error)) return s3ErrorResponse(error, request.method, requestId);
      throw error;
    }
  };
}

const LIST_PARAMETERS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'continuation-token',
  'start-after',
  'marker',
  'encoding-type',
  'fetch-owner',
  'x-id',
]);
// Query parameters of GetObject/PutObject/… that are not sub-resources (`x-id` is the SDK's operation marker).
const OBJECT_PARAMETERS = new Set([
  'x-id',
  'versionId',
  'partNumber',
  'response-content-type',
  'response-content-disposition',
  'response-cache-control',
  'response-content-encoding',
  'response-expires',
  'response-content-language',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'X-Amz-Content-Sha256',
  'x-amz-checksum-mode',
]);

const notImplemented = (request: LocalRequest): AwsServiceError =>
  new AwsServiceError(
    'NotImplemented',
    `The local S3 does not implement ${request.method} ${request.path}${[...request.query.keys()].length > 0 ? `?${[...request.query.keys()].join('&')}` : ''}`,
    501,
  );
