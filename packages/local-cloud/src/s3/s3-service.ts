import { XMLParser } from 'fast-xml-parser';
import * as s3Model from '@aws-sdk/client-s3';
import { AwsServiceError, isAwsServiceError, newRequestId } from '../aws-error';
import type { LocalRequest, LocalResponse, ServiceHandler } from '../contracts';
import { LOCAL_REGION } from '../contracts';
import { authorizeCall } from '../protocols/call';
import { restXmlErrorResponse } from '../protocols/errors';
import { parseXmlBody, queryParametersOf, SIGV4_QUERY_PARAMETERS, xmlResponse } from '../protocols/rest-xml';
import { el, elWithAttributes } from '../protocols/xml';
import { OWNER, requireBucket, S3_NAMESPACE } from './common';
import { listObjects, listObjectVersions } from './listing';
import type { LocalObjectStore } from './object-store';
import { copyObject, deleteObjects, getObject, putOptionsFromHeaders } from './objects';

// Query parameters that are operation members (from the S3 model), not sub-resources; `x-id` is the SDK's operation marker.
const LIST_PARAMETERS = new Set([...queryParametersOf(s3Model, ['ListObjects', 'ListObjectsV2']), 'x-id']);
const OBJECT_PARAMETERS = new Set([
  ...queryParametersOf(s3Model, ['GetObject', 'HeadObject', 'PutObject', 'CopyObject', 'DeleteObject']),
  ...SIGV4_QUERY_PARAMETERS,
]);

const createBucketParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

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

const notImplemented = (request: LocalRequest): AwsServiceError =>
  new AwsServiceError(
    'NotImplemented',
    `The local S3 does not implement ${request.method} ${request.path}${[...request.query.keys()].length > 0 ? `?${[...request.query.keys()].join('&')}` : ''}`,
    501,
  );

/** The S3 operation a request addresses (for the router's authorize hook: `s3:<operation>`). */
const operationOf = (request: LocalRequest, target: { bucket?: string; key?: string }): string => {
  const { method, query } = request;
  if (target.bucket === undefined) return 'ListBuckets';
  if (target.key === undefined) {
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    if (query.has('location')) return 'GetBucketLocation';
    if (query.has('versioning')) return 'GetBucketVersioning';
    if (query.has('versions')) return 'ListObjectVersions';
    return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  }
  if (method === 'PUT') return request.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  return ({ GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as Record<string, string>)[method] ?? method;
};

/** REST-XML front end of the local S3 (path-style addressing, or a `<bucket>.localhost` Host). */
export function createS3Service(store: LocalObjectStore): ServiceHandler {
  const bucketOperation = async (bucket: string, request: LocalRequest): Promise<LocalResponse> => {
    const { method, query } = request;
    if (method === 'PUT' && [...query.keys()].length === 0) {
      // A CreateBucketConfiguration (a location constraint) may come along; it must at least be well-formed XML.
      if (request.body.length > 0) parseXmlBody(request.body, createBucketParser);
      await store.createBucket(bucket);
      return { status: 200, headers: { location: `/${bucket}` } };
    }
    await requireBucket(store, bucket);
    if (method === 'HEAD') return { status: 200, headers: { 'x-amz-bucket-region': LOCAL_REGION } };
    if (method === 'DELETE' && [...query.keys()].length === 0) {
      await store.deleteBucket(bucket);
      return { status: 204 };
    }
    if (method === 'GET' && query.has('location'))
      return xmlResponse(elWithAttributes('LocationConstraint', S3_NAMESPACE));
    if (method === 'GET' && query.has('versioning'))
      return xmlResponse(elWithAttributes('VersioningConfiguration', S3_NAMESPACE));
    if (method === 'GET' && query.has('versions')) return listObjectVersions(store, bucket, query);
    if (method === 'POST' && query.has('delete')) return deleteObjects(store, bucket, request.body);
    if (method === 'GET' && [...query.keys()].every((name) => LIST_PARAMETERS.has(name)))
      return listObjects(store, bucket, query);
    throw notImplemented(request);
  };

  const objectOperation = async (bucket: string, key: string, request: LocalRequest): Promise<LocalResponse> => {
    await requireBucket(store, bucket);
    const { method, query } = request;
    const subresources = [...query.keys()].filter((name) => !OBJECT_PARAMETERS.has(name));
    if (subresources.length > 0) throw notImplemented(request);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return getObject(store, bucket, key, request);
      case 'PUT': {
        if (request.headers['x-amz-copy-source']) return copyObject(store, bucket, key, request);
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
    const requestId = request.context?.requestId ?? newRequestId();
    try {
      const target = parseS3Target(request.path, request.headers.host);
      await authorizeCall(request, operationOf(request, target), {
        ...(target.bucket === undefined ? {} : { Bucket: target.bucket }),
        ...(target.key === undefined ? {} : { Key: target.key }),
      });
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
      if (isAwsServiceError(error)) return restXmlErrorResponse(error, requestId, request.method);
      throw error;
    }
  };
}
