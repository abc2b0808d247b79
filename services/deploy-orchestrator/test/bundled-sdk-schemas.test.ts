// The SDK clients bundled with the services' plugins (config/esbuild-plugins.cjs): a bundle keeps only the schemas
// of the commands it sends, and those commands still write and read what the unbundled SDK writes and reads.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleAsServices, SERVICE_DIR } from './support/bundle';

const S3_PACKAGE = path.dirname(require.resolve('@aws-sdk/client-s3/package.json', { paths: [SERVICE_DIR] }));

const LIST_VERSIONS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>data</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>
  <NextKeyMarker>raw/b.csv</NextKeyMarker><NextVersionIdMarker>v2</NextVersionIdMarker>
  <MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <Version><Key>raw/a.csv</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>"e1"</ETag><Size>12</Size>
    <StorageClass>STANDARD</StorageClass></Version>
  <DeleteMarker><Key>raw/b.csv</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest>
    <LastModified>2026-01-02T03:04:06.000Z</LastModified></DeleteMarker>
</ListVersionsResult>`;

const DELETE_RESULT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Error><Key>raw/a.csv</Key><VersionId>v1</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
</DeleteResult>`;

/**
 * Sends ListObjectVersions, DeleteObjects and a GetObject that fails with NoSuchKey through an S3 client of `module`,
 * answered by a request handler that records each request; prints requests, outputs and the error as JSON.
 */
const s3Exchange = (module: string) => [
  "const { Readable } = require('node:stream');",
  `const { S3Client, ListObjectVersionsCommand, DeleteObjectsCommand, GetObjectCommand } = require(${JSON.stringify(module)});`,
  `const answers = ${JSON.stringify([
    { statusCode: 200, xml: LIST_VERSIONS_XML },
    { statusCode: 200, xml: DELETE_RESULT_XML },
    { statusCode: 404, xml: '<Error><Code>NoSuchKey</Code><Message>gone</Message><Key>k</Key></Error>' },
  ])};`,
  'const requests = [];',
  'const requestHandler = {',
  '  handle: async (request) => {',
  '    const { statusCode, xml } = answers[requests.length];',
  "    const body = typeof request.body === 'string' ? request.body : request.body ? Buffer.from(request.body).toString('utf8') : '';",
  '    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !/^(authorization|x-amz-date|x-amz-content-sha256|amz-sdk-invocation-id|amz-sdk-request|x-amz-user-agent|user-agent)$/i.test(name)));',
  '    requests.push({ method: request.method, path: request.path, query: request.query, headers, body });',
  "    return { response: { statusCode, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) } };",
  '  },',
  '};',
  "const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler, maxAttempts: 1 });",
  '(async () => {',
  "  const list = await s3.send(new ListObjectVersionsCommand({ Bucket: 'data', MaxKeys: 2, KeyMarker: 'raw/', VersionIdMarker: 'v0' }));",
  "  const removed = await s3.send(new DeleteObjectsCommand({ Bucket: 'data', Delete: { Quiet: true, Objects: [{ Key: 'raw/a.csv', VersionId: 'v1' }, { Key: 'raw/b.csv', VersionId: 'v2' }] } }));",
  "  const missing = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'k' })).then(() => 'no error', (error) => ({ name: error.name, message: error.message, status: error.$metadata.httpStatusCode }));",
  '  delete list.$metadata; delete removed.$metadata;',
  '  process.stdout.write(JSON.stringify({ requests, list, removed, missing }));',
  '})().catch((error) => { process.stderr.write(String(error.stack)); process.exit(1); });',
];

const runNode = (lines: string[]) =>
  spawnSync(process.execPath, ['-e', lines.join('\n')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });

describe('the S3 client bundled with the services’ plugins', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await bundleAsServices(
      "export { S3Client, ListObjectVersionsCommand, DeleteObjectsCommand, GetObjectCommand } from '@aws-sdk/client-s3';\n",
      { prefix: 'glue-cd-sdk-schemas-' },
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the schemas of the commands it exports, not those of the rest of S3', () => {
    const code = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    for (const used of ['ListObjectVersionsRequest', 'DeleteObjectsRequest', 'ObjectVersion', 'DeleteMarkerEntry']) {
      expect(code).toContain(`"${used}"`);
    }
    for (const unused of [
      'PutBucketLifecycleConfigurationRequest',
      'AnalyticsConfiguration',
      'SelectObjectContentRequest',
    ]) {
      expect(code).not.toContain(`"${unused}"`);
    }
    // The package.json it reads its user agent version from: name and version only.
    const { version } = JSON.parse(readFileSync(path.join(S3_PACKAGE, 'package.json'), 'utf8')) as { version: string };
    expect(code).toContain(`version: "${version}"`);
    expect(code).not.toContain('"devDependencies"');
  });

  it('writes the same requests and reads the same answers and errors as the unbundled client', () => {
    const bundled = runNode(s3Exchange(path.join(dir, 'bundle.js')));
    const unbundled = runNode(s3Exchange(S3_PACKAGE));
    expect(bundled.stderr).toBe('');
    expect(unbundled.stderr).toBe('');
    const result = JSON.parse(bundled.stdout) as {
      requests: { body: string; query: Record<string, string> }[];
      list: { Versions: { Key: string; LastModified: string }[]; DeleteMarkers: unknown[]; NextKeyMarker: string };
      removed: { Errors: { Code: string }[] };
      missing: { name: string; status: number };
    };
    // What the exchange proves: the schemas serialise and parse, not an empty answer on both sides.
    expect(result.requests[0]?.query).toMatchObject({ versions: '', 'max-keys': '2', 'key-marker': 'raw/' });
    expect(result.requests[1]?.body).toContain('<Quiet>true</Quiet>');
    expect(result.list.Versions[0]).toMatchObject({ Key: 'raw/a.csv', LastModified: '2026-01-02T03:04:05.000Z' });
    expect(result.list.DeleteMarkers).toHaveLength(1);
    expect(result.list.NextKeyMarker).toBe('raw/b.csv');
    expect(result.removed.Errors[0]?.Code).toBe('AccessDenied');
    expect(result.missing).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(result).toEqual(JSON.parse(unbundled.stdout));
  });
});
