import path from 'node:path';
import { parseS3Url } from '@glue-cd/core';
import { AwsServiceError } from '../aws-error';
import type { ObjectStore } from '../contracts';
import { noSuchBucket } from './object-store';

/** An `s3://bucket/prefix` URL as engines that read files (DuckDB) see it: a folder or file under the bucket folder. */
export interface LocalS3Location {
  bucket: string;
  /** The key or prefix without a trailing `/`; '' for the whole bucket. */
  key: string;
  /** `<stateDir>/s3/<bucket>/<key>`. */
  path: string;
}

/**
 * Resolves an `s3://` URL to the local S3's folder. The bucket must exist (NoSuchBucket, as S3 answers) and the key
 * must stay inside it: `.`/`..`/empty segments are refused, so a hostile URL cannot reach other files.
 */
export const resolveS3Url = async (objects: ObjectStore, url: string): Promise<LocalS3Location> => {
  const location = parseS3Url(url);
  if (!location) throw new AwsServiceError('InvalidArgument', `${url} is not an s3://bucket/key URL`, 400);
  const key = location.key.replace(/\/+$/, '');
  const segments = key === '' ? [] : key.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new AwsServiceError(
      'InvalidArgument',
      `${url}: the local S3 keeps keys as files, so keys must not contain empty, "." or ".." segments`,
      400,
    );
  }
  const bucketFolder = objects.bucketPath(location.bucket);
  if (!(await objects.bucketExists(location.bucket))) throw noSuchBucket(location.bucket);
  return { bucket: location.bucket, key, path: path.join(bucketFolder, ...segments) };
};
