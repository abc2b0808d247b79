import { XMLParser } from 'fast-xml-parser';
import { AwsServiceError, isAwsServiceError } from '../aws-error';
import type { LocalRequest, LocalResponse } from '../contracts';
import { malformedXml, parseXmlBody, xmlResponse } from '../protocols/rest-xml';
import { el, elWithAttributes, type XmlNode } from '../protocols/xml';
import { requireBucket, S3_NAMESPACE } from './common';
import type { LocalObjectStore, ObjectMetadata, PutObjectOptions } from './object-store';

// Object reads and writes: GetObject/HeadObject (ranges), PutObject metadata, CopyObject, DeleteObjects.

const deleteRequestParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Object',
});

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

export const putOptionsFromHeaders = (headers: Record<string, string>): PutObjectOptions => {
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

export async function deleteObjects(store: LocalObjectStore, bucket: string, body: Buffer): Promise<LocalResponse> {
  const parsed = parseXmlBody<{ Delete?: { Object?: { Key?: unknown }[]; Quiet?: unknown } }>(
    body,
    deleteRequestParser,
  );
  const objects = parsed.Delete?.Object ?? [];
  if (!parsed.Delete || objects.length === 0) throw malformedXml('<Delete> needs at least one <Object>');
  if (objects.length > 1000) throw malformedXml('DeleteObjects accepts at most 1000 keys per request');
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
}

export async function getObject(
  store: LocalObjectStore,
  bucket: string,
  key: string,
  request: LocalRequest,
): Promise<LocalResponse> {
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
}

export async function copyObject(
  store: LocalObjectStore,
  bucket: string,
  key: string,
  request: LocalRequest,
): Promise<LocalResponse> {
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
  await requireBucket(store, sourceBucket);
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
}
