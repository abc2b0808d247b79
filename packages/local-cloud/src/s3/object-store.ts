import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AwsServiceError } from '../aws-error';
import type { ObjectStore } from '../contracts';

/** What S3 keeps beside an object's bytes (the sidecar JSON under `<stateDir>/s3-meta/`). */
export interface ObjectMetadata {
  contentType: string;
  /** Quoted hex MD5, as S3 returns it for single-part uploads. */
  etag: string;
  size: number;
  lastModified: Date;
  /** `x-amz-meta-*` headers without the prefix. */
  userMetadata: Record<string, string>;
  contentEncoding?: string;
  contentDisposition?: string;
  cacheControl?: string;
}

export type PutObjectOptions = Partial<
  Pick<ObjectMetadata, 'contentType' | 'userMetadata' | 'contentEncoding' | 'contentDisposition' | 'cacheControl'>
>;

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** The local S3 store: the `ObjectStore` contract plus what the S3 front end needs. */
export interface LocalObjectStore extends ObjectStore {
  listBuckets(): Promise<{ name: string; creationDate: Date }[]>;
  putObjectWithMetadata(
    bucket: string,
    key: string,
    body: Uint8Array,
    options?: PutObjectOptions,
  ): Promise<ObjectMetadata>;
  headObject(bucket: string, key: string): Promise<ObjectMetadata | undefined>;
  /** Every object of the bucket in S3 (UTF-8 binary) key order. */
  listObjects(bucket: string, prefix?: string): Promise<ListedObject[]>;
}

interface Sidecar {
  contentType: string;
  etag: string;
  size: number;
  mtimeMs: number;
  userMetadata: Record<string, string>;
  contentEncoding?: string;
  contentDisposition?: string;
  cacheControl?: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;

/** AWS's general-purpose bucket naming rules; the message names the rule that was broken. */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'bucket names must be between 3 and 63 characters long';
  if (!BUCKET_NAME.test(bucket)) {
    return 'bucket names may contain only lowercase letters, numbers, dots and hyphens, and must begin and end with a letter or number';
  }
  if (bucket.includes('..')) return 'bucket names must not contain two adjacent periods';
  if (IP_ADDRESS.test(bucket)) return 'bucket names must not be formatted as an IP address';
  if (bucket.startsWith('xn--') || bucket.startsWith('sthree-'))
    return 'bucket names must not start with "xn--" or "sthree-"';
  if (bucket.endsWith('-s3alias') || bucket.endsWith('--ol-s3'))
    return 'bucket names must not end with "-s3alias" or "--ol-s3"';
  return undefined;
}

/** Keys become file paths, so the few keys a file system cannot hold are refused up front. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the object key must not be empty';
  if (Buffer.byteLength(key) > 1024) return 'the object key must be at most 1024 bytes long';
  if (key.includes('\0')) return 'the object key must not contain NUL characters';
  const segments = key.split('/');
  if (segments.includes('')) {
    return 'the local S3 stores keys as files, so keys must not start or end with "/" or contain "//"';
  }
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return 'the local S3 stores keys as files, so keys must not contain "." or ".." path segments';
  }
  return undefined;
}

export const noSuchBucket = (bucket: string): AwsServiceError =>
  new AwsServiceError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });

const md5Etag = (body: Uint8Array): string => `"${createHash('md5').update(body).digest('hex')}"`;

const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const isErrno = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');

export function createObjectStore(stateDir: string): LocalObjectStore {
  const dataRoot = path.join(stateDir, 's3');
  const metaRoot = path.join(stateDir, 's3-meta');
  const tempRoot = path.join(stateDir, 's3-tmp');

  const bucketPath = (bucket: string): string => {
    const problem = bucketNameProblem(bucket);
    if (problem)
      throw new AwsServiceError('InvalidBucketName', `The specified bucket is not valid: ${problem}.`, 400, {
        BucketName: bucket,
      });
    return path.join(dataRoot, bucket);
  };

  const objectPaths = (bucket: string, key: string): { file: string; sidecar: string } => {
    const problem = keyProblem(key);
    if (problem)
      throw new AwsServiceError('InvalidArgument', `Invalid object key "${key}": ${problem}.`, 400, { Key: key });
    return {
      file: path.join(bucketPath(bucket), ...key.split('/')),
      sidecar: `${path.join(metaRoot, bucket, ...key.split('/'))}.meta.json`,
    };
  };

  const bucketExists = async (bucket: string): Promise<boolean> => {
    if (bucketNameProblem(bucket)) return false;
    try {
      return (await stat(path.join(dataRoot, bucket))).isDirectory();
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
      throw error;
    }
  };

  const requireBucket = async (bucket: string): Promise<string> => {
    const dir = bucketPath(bucket);
    if (!(await bucketExists(bucket))) throw noSuchBucket(bucket);
    return dir;
  };

  const walk = async (dir: string, prefixSegments: string[], out: ListedObject[]): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const entry of entries) {
      const segments = [...prefixSegments, entry.name];
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full, segments, out);
      } else if (entry.isFile()) {
        const info = await stat(full);
        out.push({ key: segments.join('/'), size: info.size, lastModified: info.mtime });
      }
    }
  };

  const listObjects = async (bucket: string, prefix = ''): Promise<ListedObject[]> => {
    const dir = await requireBucket(bucket);
    // Only walk the deepest folder the prefix names; keys are files below it.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const startSegments = folder === '' ? [] : folder.split('/');
    if (startSegments.some((segment) => segment === '' || segment === '.' || segment === '..')) return [];
    const out: ListedObject[] = [];
    await walk(path.join(dir, ...startSegments), startSegments, out);
    return out.filter((object) => object.key.startsWith(prefix)).sort((a, b) => compareKeys(a.key, b.key));
  };

  const readSidecar = async (sidecar: string): Promise<Sidecar | undefined> => {
    try {
      return JSON.parse(await readFile(sidecar, 'utf8')) as Sidecar;
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR') || error instanceof SyntaxError) return undefined;
      throw error;
    }
  };

  const headObject = async (bucket: string, key: string): Promise<ObjectMetadata | undefined> => {
    await requireBucket(bucket);
    const { file, sidecar } = objectPaths(bucket, key);
    let info;
    try {
      info = await stat(file);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
    if (!info.isFile()) return undefined;
    const meta = await readSidecar(sidecar);
    // A file written straight into the bucket folder (or changed there) has no current sidecar: derive one.
    const current = meta && meta.size === info.size && meta.mtimeMs === info.mtimeMs;
    const etag = current ? meta.etag : md5Etag(await readFile(file));
    return {
      contentType: meta?.contentType ?? DEFAULT_CONTENT_TYPE,
      etag,
      size: info.size,
      lastModified: info.mtime,
      userMetadata: meta?.userMetadata ?? {},
      ...(meta?.contentEncoding ? { contentEncoding: meta.contentEncoding } : {}),
      ...(meta?.contentDisposition ? { contentDisposition: meta.contentDisposition } : {}),
      ...(meta?.cacheControl ? { cacheControl: meta.cacheControl } : {}),
    };
  };

  const putObjectWithMetadata = async (
    bucket: string,
    key: string,
    body: Uint8Array,
    options: PutObjectOptions = {},
  ): Promise<ObjectMetadata> => {
    await requireBucket(bucket);
    const { file, sidecar } = objectPaths(bucket, key);
    const conflict = (): AwsServiceError =>
      new AwsServiceError(
        'InvalidArgument',
        `The local S3 stores keys as files and cannot hold both "${key}" and another key that uses it as a folder (or the other way round).`,
        400,
        { Key: key },
      );
    await mkdir(tempRoot, { recursive: true, mode: 0o700 });
    const temp = path.join(tempRoot, randomUUID());
    await writeFile(temp, body, { mode: 0o600 });
    try {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      if (isErrno(error, 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY')) throw conflict();
      throw error;
    }
    const info = await stat(file);
    const meta: Sidecar = {
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      etag: md5Etag(body),
      size: info.size,
      mtimeMs: info.mtimeMs,
      userMetadata: options.userMetadata ?? {},
      ...(options.contentEncoding ? { contentEncoding: options.contentEncoding } : {}),
      ...(options.contentDisposition ? { contentDisposition: options.contentDisposition } : {}),
      ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
    };
    await mkdir(path.dirname(sidecar), { recursive: true, mode: 0o700 });
    await writeFile(sidecar, JSON.stringify(meta), { mode: 0o600 });
    return { ...meta, lastModified: info.mtime };
  };

  /** Removes folders left empty by a delete, up to (not including) `stopAt`. */
  const pruneEmptyFolders = async (start: string, stopAt: string): Promise<void> => {
    let dir = start;
    while (dir.startsWith(stopAt + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = path.dirname(dir);
    }
  };

  return {
    bucketPath,
    bucketExists,
    listObjects,
    headObject,
    putObjectWithMetadata,

    async createBucket(bucket) {
      const dir = bucketPath(bucket);
      if (await bucketExists(bucket)) {
        throw new AwsServiceError(
          'BucketAlreadyOwnedByYou',
          'Your previous request to create the named bucket succeeded and you already own it.',
          409,
          { BucketName: bucket },
        );
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
    },

    async deleteBucket(bucket) {
      const dir = await requireBucket(bucket);
      if ((await listObjects(bucket)).length > 0) {
        throw new AwsServiceError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
          BucketName: bucket,
        });
      }
      await rm(dir, { recursive: true, force: true });
      await rm(path.join(metaRoot, bucket), { recursive: true, force: true });
    },

    async listBuckets() {
      let entries;
      try {
        entries = await readdir(dataRoot, { withFileTypes: true });
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return [];
        throw error;
      }
      const buckets = [];
      for (const entry of entries) {
        if (!entry.isDirectory() || bucketNameProblem(entry.name)) continue;
        const info = await stat(path.join(dataRoot, entry.name));
        buckets.push({ name: entry.name, creationDate: info.birthtimeMs > 0 ? info.birthtime : info.ctime });
      }
      return buckets.sort((a, b) => compareKeys(a.name, b.name));
    },

    async putObject(bucket, key, body) {
      await putObjectWithMetadata(bucket, key, body);
    },

    async getObject(bucket, key) {
      await requireBucket(bucket);
      const { file } = objectPaths(bucket, key);
      try {
        return new Uint8Array(await readFile(file));
      } catch (error) {
        if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
        throw error;
      }
    },

    async deleteObject(bucket, key) {
      const dir = await requireBucket(bucket);
      const { file, sidecar } = objectPaths(bucket, key);
      try {
        if (!(await stat(file)).isFile()) return;
      } catch (error) {
        if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
        throw error;
      }
      await rm(file, { force: true });
      await rm(sidecar, { force: true });
      await pruneEmptyFolders(path.dirname(file), dir);
      await pruneEmptyFolders(path.dirname(sidecar), path.join(metaRoot, bucket));
    },
  };
}
