import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { LocalCloud } from '../src';
import { removeDir, signedHeaders, startTestCloud } from './helpers';

let cloud: LocalCloud;
let logs: string[];
let restore: () => void;
let s3: S3Client;

beforeAll(async () => {
  ({ cloud, logs, restore } = await startTestCloud());
  // No endpoint, region or credentials here: AWS_ENDPOINT_URL & co. from the environment must be enough.
  s3 = new S3Client({});
});

afterAll(async () => {
  s3.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

/** Runs a command that must fail; returns the SDK error for assertions on name, status and message. */
async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error('expected the S3 call to fail');
}

const LISTING_KEYS = ['a/1.txt', 'a/2.txt', 'a/deep/3.txt', 'b/4.txt', 'b/5.txt', 'root.txt', 'z.txt'];

/** A bucket of its own for one test, holding the listing keys (each object's body is its key). */
async function listingBucket(bucket: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of LISTING_KEYS)
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: key,
      }),
    );
  return bucket;
}

describe('local S3 through a plain S3Client', () => {
  test('creates a bucket, refuses the same name twice and invalid names, lists and locates it', async () => {
    // Arrange
    await s3.send(new CreateBucketCommand({ Bucket: 'roundtrip-bucket' }));

    // Act
    const again = await failure(s3.send(new CreateBucketCommand({ Bucket: 'roundtrip-bucket' })));
    const invalid = await failure(s3.send(new CreateBucketCommand({ Bucket: 'Not_A_Valid_Bucket' })));
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'roundtrip-bucket' }));

    // Assert
    expect(again.name).toBe('BucketAlreadyOwnedByYou');
    expect(again.$metadata.httpStatusCode).toBe(409);
    expect(invalid.name).toBe('InvalidBucketName');
    expect(invalid.message).toMatch(/lowercase letters/);
    expect(Buckets?.map((bucket) => bucket.Name)).toContain('roundtrip-bucket');
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'roundtrip-bucket' }))).resolves.toBeDefined();
    expect(location.LocationConstraint ?? '').toBe('');
    expect(existsSync(path.join(cloud.stateDir, 's3', 'roundtrip-bucket'))).toBe(true);
  });

  test('puts objects from a Buffer and from a stream (aws-chunked) and gets them back with metadata', async () => {
    // Arrange
    await s3.send(new CreateBucketCommand({ Bucket: 'put-get-bucket' }));
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, index) => index % 251));
    const streamed = 'line one\n'.repeat(10_000);

    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'put-get-bucket',
        Key: 'data/buffer.bin',
        Body: bytes,
        ContentType: 'application/x-test',
        Metadata: { owner: 'tests' },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'put-get-bucket',
        Key: 'data/stream.txt',
        Body: Readable.from([Buffer.from(streamed.slice(0, 40_000)), Buffer.from(streamed.slice(40_000))]),
        ContentLength: Buffer.byteLength(streamed),
        ContentType: 'text/plain',
      }),
    );
    const gotBuffer = await s3.send(new GetObjectCommand({ Bucket: 'put-get-bucket', Key: 'data/buffer.bin' }));
    const gotStream = await s3.send(new GetObjectCommand({ Bucket: 'put-get-bucket', Key: 'data/stream.txt' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'put-get-bucket', Key: 'data/buffer.bin' }));
    const range = await s3.send(
      new GetObjectCommand({
        Bucket: 'put-get-bucket',
        Key: 'data/stream.txt',
        Range: 'bytes=5-7',
      }),
    );

    // Assert
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Buffer.from(await gotBuffer.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    expect(gotBuffer.ContentType).toBe('application/x-test');
    expect(gotBuffer.Metadata).toEqual({ owner: 'tests' });
    expect(gotBuffer.ETag).toBe(put.ETag);
    expect(await gotStream.Body!.transformToString()).toBe(streamed);
    // The SDK streamed that body with aws-chunked framing + a CRC32 trailer, which the router decoded.
    expect(logs.some((line) => line.includes('PUT /put-get-bucket/data/stream.txt: decoded aws-chunked body'))).toBe(
      true,
    );
    // The file on disk holds the decoded payload, not the aws-chunked framing.
    expect(cloud.objects.bucketPath('put-get-bucket')).toBe(path.join(cloud.stateDir, 's3', 'put-get-bucket'));
    expect(Buffer.from((await cloud.objects.getObject('put-get-bucket', 'data/stream.txt'))!).toString()).toBe(
      streamed,
    );
    expect(head.ContentLength).toBe(bytes.length);
    expect(await range.Body!.transformToString()).toBe('one');
  });

  test('missing keys and buckets are AWS errors (NoSuchKey / NotFound / NoSuchBucket)', async () => {
    // Arrange
    await s3.send(new CreateBucketCommand({ Bucket: 'missing-keys-bucket' }));

    // Act
    const missingKey = await failure(s3.send(new GetObjectCommand({ Bucket: 'missing-keys-bucket', Key: 'nope.txt' })));
    const missingHead = await failure(
      s3.send(new HeadObjectCommand({ Bucket: 'missing-keys-bucket', Key: 'nope.txt' })),
    );
    const missingBucket = await failure(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'a' })));

    // Assert
    expect(missingKey.name).toBe('NoSuchKey');
    expect(missingKey.$metadata.httpStatusCode).toBe(404);
    expect(missingKey.message).toBe('The specified key does not exist.');
    expect(missingHead.name).toBe('NotFound');
    expect(missingHead.$metadata.httpStatusCode).toBe(404);
    expect(missingBucket.name).toBe('NoSuchBucket');
    expect(missingBucket.message).toBe('The specified bucket does not exist');
  });

  test('lists with prefix, delimiter (CommonPrefixes) and continuation-token pagination', async () => {
    // Arrange
    const bucket = await listingBucket('listing-bucket');

    // Act
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const prefixed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/' }));
    const delimited = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    const nested = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'a/',
        Delimiter: '/',
      }),
    );
    // Pages of 2 entries, CommonPrefixes counting as entries, until IsTruncated is false.
    const pages: string[][] = [];
    const tokensWhileTruncated: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      pages.push([
        ...(page.CommonPrefixes ?? []).map((prefix) => prefix.Prefix!),
        ...(page.Contents ?? []).map((object) => object.Key!),
      ]);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) tokensWhileTruncated.push(token);
    } while (token);
    const flatPages: string[] = [];
    const flatPageSizes: number[] = [];
    token = undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: 3,
          ContinuationToken: token,
        }),
      );
      flatPageSizes.push(page.Contents!.length);
      flatPages.push(...page.Contents!.map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    const afterStart = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'b/4.txt' }));
    const badToken = await failure(
      s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: 'not-a-token' })),
    );

    // Assert
    expect(all.Contents?.map((object) => object.Key)).toEqual(LISTING_KEYS);
    expect(all.KeyCount).toBe(LISTING_KEYS.length);
    expect(all.Contents?.[0]?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(prefixed.Contents?.map((object) => object.Key)).toEqual(['a/1.txt', 'a/2.txt', 'a/deep/3.txt']);
    expect(delimited.Contents?.map((object) => object.Key)).toEqual(['root.txt', 'z.txt']);
    expect(delimited.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/', 'b/']);
    expect(nested.Contents?.map((object) => object.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(nested.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/deep/']);
    expect(tokensWhileTruncated.every((pageToken) => pageToken !== undefined)).toBe(true);
    expect(pages).toEqual([
      ['a/', 'b/'],
      ['root.txt', 'z.txt'],
    ]);
    expect(flatPageSizes.every((size) => size <= 3)).toBe(true);
    expect(flatPages).toEqual(LISTING_KEYS);
    expect(afterStart.Contents?.map((object) => object.Key)).toEqual(['b/5.txt', 'root.txt', 'z.txt']);
    expect(badToken.name).toBe('InvalidArgument');
  });

  test('ListObjectVersions reports current objects as "null" versions and no delete markers', async () => {
    // Arrange
    const bucket = await listingBucket('versions-bucket');

    // Act
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'b/' }));
    const firstPage = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 4 }));
    const secondPage = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: firstPage.NextKeyMarker }),
    );

    // Assert
    expect(versions.Versions?.map((version) => [version.Key, version.VersionId, version.IsLatest])).toEqual([
      ['b/4.txt', 'null', true],
      ['b/5.txt', 'null', true],
    ]);
    expect(versions.DeleteMarkers ?? []).toEqual([]);
    expect(firstPage.IsTruncated).toBe(true);
    expect([...firstPage.Versions!, ...secondPage.Versions!].map((version) => version.Key)).toEqual(LISTING_KEYS);
  });

  test('copies an object with its metadata', async () => {
    // Arrange
    const bucket = await listingBucket('copy-bucket');

    // Act
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copies/root.txt',
        CopySource: `${bucket}/root.txt`,
      }),
    );
    const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copies/root.txt' }));

    // Assert
    expect(await copy.Body!.transformToString()).toBe('root.txt');
  });

  test('DeleteObjects (quiet and verbose), DeleteBucket refuses a non-empty bucket with BucketNotEmpty', async () => {
    // Arrange
    const bucket = await listingBucket('delete-bucket');

    // Act
    const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: bucket })));
    const verbose = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'a/1.txt' }, { Key: 'a/deep/3.txt' }, { Key: 'never-existed' }] },
      }),
    );
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Quiet: true,
          Objects: ['a/2.txt', 'b/4.txt', 'b/5.txt', 'root.txt'].map((Key) => ({ Key })),
        },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'z.txt' }));
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const gone = await failure(s3.send(new HeadBucketCommand({ Bucket: bucket })));

    // Assert
    expect(notEmpty.name).toBe('BucketNotEmpty');
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    expect(verbose.Deleted?.map((deleted) => deleted.Key)).toEqual(['a/1.txt', 'a/deep/3.txt', 'never-existed']);
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors ?? []).toEqual([]);
    expect(left.KeyCount).toBe(0);
    // Emptied folders and metadata sidecars are gone, so nothing shows up as an object.
    expect(existsSync(path.join(cloud.stateDir, 's3', bucket, 'a'))).toBe(false);
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  test('keys the file system cannot hold are refused with a message naming the key', async () => {
    // Arrange
    await s3.send(new CreateBucketCommand({ Bucket: 'odd-keys-bucket' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'odd-keys-bucket',
        Key: 'file',
        Body: 'x',
      }),
    );

    // Act
    const dotDot = await failure(
      s3.send(
        new PutObjectCommand({
          Bucket: 'odd-keys-bucket',
          Key: 'a/../../escape',
          Body: 'x',
        }),
      ),
    );
    const clash = await failure(
      s3.send(
        new PutObjectCommand({
          Bucket: 'odd-keys-bucket',
          Key: 'file/child',
          Body: 'x',
        }),
      ),
    );

    // Assert
    expect(dotDot.name).toBe('InvalidArgument');
    expect(dotDot.message).toContain('a/../../escape');
    expect(clash.name).toBe('InvalidArgument');
    expect(clash.message).toContain('"file/child"');
  });
});

/** A raw request with a chosen Host header (fetch does not let a caller set Host). */
function rawRequest(
  method: string,
  urlPath: string,
  host: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  const signed = signedHeaders(cloud, {
    method,
    path: urlPath,
    service: 's3',
    headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  return signed.then(
    (headers) =>
      new Promise((resolve, reject) => {
        const request = httpRequest(
          `${cloud.endpoint}${urlPath}`,
          {
            method,
            headers,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      }),
  );
}

describe('addressing', () => {
  test('a <bucket>.localhost Host header addresses the bucket (virtual-hosted style)', async () => {
    // Arrange
    await cloud.objects.createBucket('vhost-bucket');

    // Act
    const put = await rawRequest('PUT', '/folder/v.txt', `vhost-bucket.localhost:${cloud.port}`, 'virtual');
    const pathStyle = await rawRequest('GET', '/vhost-bucket/folder/v.txt', `127.0.0.1:${cloud.port}`);

    // Assert
    expect(put.status).toBe(200);
    expect(Buffer.from((await cloud.objects.getObject('vhost-bucket', 'folder/v.txt'))!).toString()).toBe('virtual');
    expect(pathStyle).toEqual({ status: 200, body: 'virtual' });
  });
});

describe('ObjectStore used directly (as the CloudFormation engine and the release do)', () => {
  test('objects written directly are visible to the SDK, and sidecars never list as objects', async () => {
    // Arrange
    await cloud.objects.createBucket('direct-bucket');
    await cloud.objects.putObject(
      'direct-bucket',
      'templates/stack.json',
      new TextEncoder().encode('{"Resources":{}}'),
    );

    // Act
    const listed = await cloud.objects.listObjects('direct-bucket');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'direct-bucket', Key: 'templates/stack.json' }));
    const missing = await cloud.objects.getObject('direct-bucket', 'missing');
    const refused = await cloud.objects.deleteBucket('direct-bucket').catch((error: unknown) => error);
    await cloud.objects.deleteObject('direct-bucket', 'templates/stack.json');
    await cloud.objects.deleteBucket('direct-bucket');

    // Assert
    expect(listed.map((object) => object.key)).toEqual(['templates/stack.json']);
    expect(await got.Body!.transformToString()).toBe('{"Resources":{}}');
    expect(missing).toBeUndefined();
    expect(refused).toMatchObject({ name: 'BucketNotEmpty' });
    expect(await cloud.objects.bucketExists('direct-bucket')).toBe(false);
  });
});
