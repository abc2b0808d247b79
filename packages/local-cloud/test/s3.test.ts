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
import { removeDir, startTestCloud } from './helpers';

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

describe('local S3 through a plain S3Client', () => {
  test('creates a bucket, refuses the same name twice and invalid names, lists and locates it', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'roundtrip-bucket' }));
    const again = await failure(s3.send(new CreateBucketCommand({ Bucket: 'roundtrip-bucket' })));
    expect(again.name).toBe('BucketAlreadyOwnedByYou');
    expect(again.$metadata.httpStatusCode).toBe(409);

    const invalid = await failure(s3.send(new CreateBucketCommand({ Bucket: 'Not_A_Valid_Bucket' })));
    expect(invalid.name).toBe('InvalidBucketName');
    expect(invalid.message).toMatch(/lowercase letters/);

    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((bucket) => bucket.Name)).toContain('roundtrip-bucket');
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'roundtrip-bucket' }))).resolves.toBeDefined();
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'roundtrip-bucket' }));
    expect(location.LocationConstraint ?? '').toBe('');
    expect(existsSync(path.join(cloud.stateDir, 's3', 'roundtrip-bucket'))).toBe(true);
  });

  test('puts objects from a Buffer and from a stream (aws-chunked) and gets them back with metadata', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, index) => index % 251));
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'roundtrip-bucket',
        Key: 'data/buffer.bin',
        Body: bytes,
        ContentType: 'application/x-test',
        Metadata: { owner: 'tests' },
      }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const streamed = 'line one\n'.repeat(10_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'roundtrip-bucket',
        Key: 'data/stream.txt',
        Body: Readable.from([Buffer.from(streamed.slice(0, 40_000)), Buffer.from(streamed.slice(40_000))]),
        ContentLength: Buffer.byteLength(streamed),
        ContentType: 'text/plain',
      }),
    );

    const gotBuffer = await s3.send(new GetObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'data/buffer.bin' }));
    expect(Buffer.from(await gotBuffer.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    expect(gotBuffer.ContentType).toBe('application/x-test');
    expect(gotBuffer.Metadata).toEqual({ owner: 'tests' });
    expect(gotBuffer.ETag).toBe(put.ETag);

    const gotStream = await s3.send(new GetObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'data/stream.txt' }));
    expect(await gotStream.Body!.transformToString()).toBe(streamed);
    // The SDK streamed that body with aws-chunked framing + a CRC32 trailer, which the router decoded.
    expect(logs.some((line) => line.includes('PUT /roundtrip-bucket/data/stream.txt: decoded aws-chunked body'))).toBe(
      true,
    );
    // The file on disk holds the decoded payload, not the aws-chunked framing.
    expect(cloud.objects.bucketPath('roundtrip-bucket')).toBe(path.join(cloud.stateDir, 's3', 'roundtrip-bucket'));
    expect(Buffer.from((await cloud.objects.getObject('roundtrip-bucket', 'data/stream.txt'))!).toString()).toBe(
      streamed,
    );

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'data/buffer.bin' }));
    expect(head.ContentLength).toBe(bytes.length);

    const range = await s3.send(
      new GetObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'data/stream.txt', Range: 'bytes=5-7' }),
    );
    expect(await range.Body!.transformToString()).toBe('one');
  });

  test('missing keys and buckets are AWS errors (NoSuchKey / NotFound / NoSuchBucket)', async () => {
    const missingKey = await failure(s3.send(new GetObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'nope.txt' })));
    expect(missingKey.name).toBe('NoSuchKey');
    expect(missingKey.$metadata.httpStatusCode).toBe(404);
    expect(missingKey.message).toBe('The specified key does not exist.');

    const missingHead = await failure(s3.send(new HeadObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'nope.txt' })));
    expect(missingHead.name).toBe('NotFound');
    expect(missingHead.$metadata.httpStatusCode).toBe(404);

    const missingBucket = await failure(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'a' })));
    expect(missingBucket.name).toBe('NoSuchBucket');
    expect(missingBucket.message).toBe('The specified bucket does not exist');
  });

  test('lists with prefix, delimiter (CommonPrefixes) and continuation-token pagination', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing-bucket' }));
    const keys = ['a/1.txt', 'a/2.txt', 'a/deep/3.txt', 'b/4.txt', 'b/5.txt', 'root.txt', 'z.txt'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing-bucket', Key: key, Body: key }));

    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket' }));
    expect(all.Contents?.map((object) => object.Key)).toEqual(keys);
    expect(all.KeyCount).toBe(keys.length);
    expect(all.Contents?.[0]?.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const prefixed = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket', Prefix: 'a/' }));
    expect(prefixed.Contents?.map((object) => object.Key)).toEqual(['a/1.txt', 'a/2.txt', 'a/deep/3.txt']);

    const delimited = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket', Delimiter: '/' }));
    expect(delimited.Contents?.map((object) => object.Key)).toEqual(['root.txt', 'z.txt']);
    expect(delimited.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/', 'b/']);

    const nested = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket', Prefix: 'a/', Delimiter: '/' }));
    expect(nested.Contents?.map((object) => object.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(nested.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/deep/']);

    // Pages of 2 entries, CommonPrefixes counting as entries, until IsTruncated is false.
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing-bucket', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push([
        ...(page.CommonPrefixes ?? []).map((prefix) => prefix.Prefix!),
        ...(page.Contents ?? []).map((object) => object.Key!),
      ]);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      expect(page.IsTruncated ? token : 'done').toBeDefined();
    } while (token);
    expect(pages).toEqual([
      ['a/', 'b/'],
      ['root.txt', 'z.txt'],
    ]);

    const flatPages: string[] = [];
    token = undefined;
    do {
      const page: ListObjectsV2CommandOutput = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing-bucket', MaxKeys: 3, ContinuationToken: token }),
      );
      expect(page.Contents!.length).toBeLessThanOrEqual(3);
      flatPages.push(...page.Contents!.map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(flatPages).toEqual(keys);

    const afterStart = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket', StartAfter: 'b/4.txt' }));
    expect(afterStart.Contents?.map((object) => object.Key)).toEqual(['b/5.txt', 'root.txt', 'z.txt']);

    const badToken = await failure(
      s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket', ContinuationToken: 'not-a-token' })),
    );
    expect(badToken.name).toBe('InvalidArgument');
  });

  test('ListObjectVersions reports current objects as "null" versions and no delete markers', async () => {
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'listing-bucket', Prefix: 'b/' }));
    expect(versions.Versions?.map((version) => [version.Key, version.VersionId, version.IsLatest])).toEqual([
      ['b/4.txt', 'null', true],
      ['b/5.txt', 'null', true],
    ]);
    expect(versions.DeleteMarkers ?? []).toEqual([]);

    const firstPage = await s3.send(new ListObjectVersionsCommand({ Bucket: 'listing-bucket', MaxKeys: 4 }));
    expect(firstPage.IsTruncated).toBe(true);
    const secondPage = await s3.send(
      new ListObjectVersionsCommand({ Bucket: 'listing-bucket', KeyMarker: firstPage.NextKeyMarker }),
    );
    expect([...firstPage.Versions!, ...secondPage.Versions!].map((version) => version.Key)).toEqual([
      'a/1.txt',
      'a/2.txt',
      'a/deep/3.txt',
      'b/4.txt',
      'b/5.txt',
      'root.txt',
      'z.txt',
    ]);
  });

  test('copies an object with its metadata', async () => {
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'listing-bucket',
        Key: 'copies/root.txt',
        CopySource: 'listing-bucket/root.txt',
      }),
    );
    const copy = await s3.send(new GetObjectCommand({ Bucket: 'listing-bucket', Key: 'copies/root.txt' }));
    expect(await copy.Body!.transformToString()).toBe('root.txt');
  });

  test('DeleteObjects (quiet and verbose), DeleteBucket refuses a non-empty bucket with BucketNotEmpty', async () => {
    const notEmpty = await failure(s3.send(new DeleteBucketCommand({ Bucket: 'listing-bucket' })));
    expect(notEmpty.name).toBe('BucketNotEmpty');
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);

    const verbose = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'listing-bucket',
        Delete: { Objects: [{ Key: 'a/1.txt' }, { Key: 'a/deep/3.txt' }, { Key: 'never-existed' }] },
      }),
    );
    expect(verbose.Deleted?.map((deleted) => deleted.Key)).toEqual(['a/1.txt', 'a/deep/3.txt', 'never-existed']);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'listing-bucket',
        Delete: {
          Quiet: true,
          Objects: ['a/2.txt', 'b/4.txt', 'b/5.txt', 'root.txt', 'copies/root.txt'].map((Key) => ({ Key })),
        },
      }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors ?? []).toEqual([]);
    await s3.send(new DeleteObjectCommand({ Bucket: 'listing-bucket', Key: 'z.txt' }));

    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'listing-bucket' }));
    expect(left.KeyCount).toBe(0);
    // Emptied folders and metadata sidecars are gone, so nothing shows up as an object.
    expect(existsSync(path.join(cloud.stateDir, 's3', 'listing-bucket', 'a'))).toBe(false);

    await s3.send(new DeleteBucketCommand({ Bucket: 'listing-bucket' }));
    const gone = await failure(s3.send(new HeadBucketCommand({ Bucket: 'listing-bucket' })));
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  test('keys the file system cannot hold are refused with a message naming the key', async () => {
    const dotDot = await failure(
      s3.send(new PutObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'a/../../escape', Body: 'x' })),
    );
    expect(dotDot.name).toBe('InvalidArgument');
    expect(dotDot.message).toContain('a/../../escape');
    await s3.send(new PutObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'file', Body: 'x' }));
    const clash = await failure(
      s3.send(new PutObjectCommand({ Bucket: 'roundtrip-bucket', Key: 'file/child', Body: 'x' })),
    );
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
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${cloud.endpoint}${urlPath}`,
      {
        method,
        headers: {
          host,
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('addressing', () => {
  test('a <bucket>.localhost Host header addresses the bucket (virtual-hosted style)', async () => {
    await cloud.objects.createBucket('vhost-bucket');
    const put = await rawRequest('PUT', '/folder/v.txt', `vhost-bucket.localhost:${cloud.port}`, 'virtual');
    expect(put.status).toBe(200);
    expect(Buffer.from((await cloud.objects.getObject('vhost-bucket', 'folder/v.txt'))!).toString()).toBe('virtual');
    const pathStyle = await rawRequest('GET', '/vhost-bucket/folder/v.txt', `127.0.0.1:${cloud.port}`);
    expect(pathStyle).toEqual({ status: 200, body: 'virtual' });
  });
});

describe('ObjectStore used directly (as the CloudFormation engine and the release do)', () => {
  test('objects written directly are visible to the SDK, and sidecars never list as objects', async () => {
    await cloud.objects.createBucket('direct-bucket');
    await cloud.objects.putObject(
      'direct-bucket',
      'templates/stack.json',
      new TextEncoder().encode('{"Resources":{}}'),
    );
    const listed = await cloud.objects.listObjects('direct-bucket');
    expect(listed.map((object) => object.key)).toEqual(['templates/stack.json']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'direct-bucket', Key: 'templates/stack.json' }));
    expect(await got.Body!.transformToString()).toBe('{"Resources":{}}');
    expect(await cloud.objects.getObject('direct-bucket', 'missing')).toBeUndefined();
    await expect(cloud.objects.deleteBucket('direct-bucket')).rejects.toMatchObject({ name: 'BucketNotEmpty' });
    await cloud.objects.deleteObject('direct-bucket', 'templates/stack.json');
    await cloud.objects.deleteBucket('direct-bucket');
    expect(await cloud.objects.bucketExists('direct-bucket')).toBe(false);
  });
});
