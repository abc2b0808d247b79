import { AwsServiceError } from '../aws-error';
import type { LocalResponse } from '../contracts';
import { xmlResponse } from '../protocols/rest-xml';
import { el, elWithAttributes, optional, type XmlNode } from '../protocols/xml';
import { OWNER, S3_NAMESPACE } from './common';
import type { ListedObject, LocalObjectStore } from './object-store';

// ListObjects (v1 and v2) and ListObjectVersions: S3's paging, prefixes and delimiters over the object store.

const MAX_KEYS = 1000;

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

export async function listObjects(
  store: LocalObjectStore,
  bucket: string,
  query: URLSearchParams,
): Promise<LocalResponse> {
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
        optional('NextMarker', page.isTruncated && page.next && delimiter !== '' ? encode(page.next.value) : undefined),
        optional('EncodingType', urlEncode ? 'url' : undefined),
        ...contents,
        ...common,
      );
  return xmlResponse(root);
}

/** Buckets are unversioned: every current object is one version with VersionId "null", there are no delete markers. */
export async function listObjectVersions(
  store: LocalObjectStore,
  bucket: string,
  query: URLSearchParams,
): Promise<LocalResponse> {
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
}
