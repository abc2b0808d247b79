import { LOCAL_ACCOUNT_ID } from '../contracts';
import { el } from '../protocols/xml';
import { type LocalObjectStore, noSuchBucket } from './object-store';

export const S3_NAMESPACE = { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' };
export const OWNER = el('Owner', el('ID', LOCAL_ACCOUNT_ID), el('DisplayName', 'local-cloud'));

/** NoSuchBucket (404) unless the bucket exists; an invalid name is InvalidBucketName first. */
export const requireBucket = async (store: LocalObjectStore, bucket: string): Promise<void> => {
  store.bucketPath(bucket); // validates the name
  if (!(await store.bucketExists(bucket))) throw noSuchBucket(bucket);
};
