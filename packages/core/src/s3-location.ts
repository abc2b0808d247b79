/** Where an S3 object, or a prefix of objects, is. */
export interface S3Location {
  bucket: string;
  /** The object key; '' for the whole bucket, a prefix ending in `/` for a folder. */
  key: string;
}

const S3_URL = /^s3:\/\/([^/]+)\/?(.*)$/;

/** `s3://bucket/key` → `{ bucket, key }`; undefined for anything that is not an s3:// URL. */
export const parseS3Url = (url: string): S3Location | undefined => {
  const match = S3_URL.exec(url);
  return match?.[1] ? { bucket: match[1], key: match[2] ?? '' } : undefined;
};
