import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud, type LocalCloud } from '@glue-cd/local-cloud';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main, parseArguments, uploadGlueJobs, UploadGlueJobsError, UsageError } from '../scripts/upload-glue-jobs';
import { REPO_ROOT } from './e2e/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { glueJobsVersion, jobFiles } = require('../scripts/glue-jobs-version.js') as {
  glueJobsVersion: (root?: string) => string;
  jobFiles: (root?: string) => string[];
};

let work: string;
let cloud: LocalCloud;
let s3: S3Client;
let jobs: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-upload-'));
  cloud = await startLocalCloud({ stateDir: path.join(work, 'state'), port: 0 });
  s3 = new S3Client({
    endpoint: cloud.endpoint,
    region: 'us-east-1',
    // The operator key the cloud issued (it verifies every signature).
    credentials: {
      accessKeyId: cloud.environment().AWS_ACCESS_KEY_ID!,
      secretAccessKey: cloud.environment().AWS_SECRET_ACCESS_KEY!,
    },
    forcePathStyle: true,
  });
});
afterAll(async () => {
  await cloud.close();
  await rm(work, { recursive: true, force: true });
});
let bucket: string;
let buckets = 0;
beforeEach(async () => {
  // A bucket per test: content versions already uploaded by another test would read as unchanged.
  bucket = `glue-cd-deployments-test-${(buckets += 1)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  jobs = await mkdtemp(path.join(work, 'glue-jobs-'));
  await cp(path.join(REPO_ROOT, 'glue-jobs'), jobs, { recursive: true });
});

const keys = async (prefix: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

describe('upload-glue-jobs', () => {
  it('uploads the job files under their content version, then only what changed', async () => {
    const version = glueJobsVersion(jobs);
    const files = jobFiles(jobs);
    expect(files).toEqual(expect.arrayContaining(['nyc-taxi/job.py', 'nyc-taxi/mapping.json']));
    expect(files.some((f) => f.includes('sample/') || f.endsWith('.md'))).toBe(false);

    const first = await uploadGlueJobs({ s3, bucket: bucket, version, root: jobs });
    expect(first).toEqual({
      prefix: `s3://${bucket}/glue-jobs/${version}/`,
      uploaded: files,
      unchanged: [],
    });
    expect(await keys(`glue-jobs/${version}/`)).toEqual(files.map((f) => `glue-jobs/${version}/${f}`));
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `glue-jobs/${version}/nyc-taxi/job.py` }));
    expect(await body.Body!.transformToString()).toContain('def ');

    const again = await uploadGlueJobs({ s3, bucket: bucket, root: jobs });
    expect(again).toMatchObject({ uploaded: [], unchanged: files });
  });

  it('a changed file is a new version: the old version stays as it was', async () => {
    const before = glueJobsVersion(jobs);
    await uploadGlueJobs({ s3, bucket: bucket, root: jobs });
    await writeFile(path.join(jobs, 'nyc-taxi/job.py'), '# changed\n', { flag: 'a' });
    const after = glueJobsVersion(jobs);
    expect(after).not.toBe(before);
    const result = await uploadGlueJobs({ s3, bucket: bucket, root: jobs });
    expect(result.prefix).toBe(`s3://${bucket}/glue-jobs/${after}/`);
    expect(result.uploaded).toEqual(jobFiles(jobs));
    expect(await keys(`glue-jobs/${before}/`)).toHaveLength(jobFiles(jobs).length);
  });

  it.each([
    [
      { version: '000000000000' },
      /--version 000000000000 is not the content version of .* \([0-9a-f]{12}\): the template would point at other files/,
    ],
    [
      { bucket: 'glue-cd-deployments-nope' },
      /bucket glue-cd-deployments-nope does not exist: create the deployment buckets first \(docs\/pipeline.md, Bootstrap\)/,
    ],
  ])('refuses %j, saying why', async (override, message) => {
    const options = { s3, bucket: bucket, root: jobs, ...override };
    await expect(uploadGlueJobs(options)).rejects.toThrow(UploadGlueJobsError);
    await expect(uploadGlueJobs(options)).rejects.toThrow(message);
  });

  it.each([
    [[], /--bucket is required/],
    [['--bucket'], /--bucket/],
    [['--bucket', 'b', '--version', ''], /--version must be the 12-hex-digit content version, got ''/],
    [['--bucket', 'b', '--dry-run'], /Unknown option '--dry-run'/],
    [['--bucket', 'b', 'extra'], /Unexpected argument 'extra'/],
    [['--bucket', 'b', '--bucket', 'b'], /--bucket b is given twice/],
    [['--bucket', ' '], /--bucket must name a bucket, got ' '/],
  ])('parseArguments(%j) is a usage error', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(UsageError);
    expect(() => parseArguments(argv)).toThrow(message);
  });

  it('parseArguments takes --bucket once per deployment bucket, in order', () => {
    expect(parseArguments(['--bucket', 'a', '--bucket', 'b', '--version', '0123456789ab'])).toEqual({
      buckets: ['a', 'b'],
      version: '0123456789ab',
    });
  });

  it('uploads to every bucket it names; one that fails fails the command, and the others are still uploaded and reported', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const error = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const environment = { ...process.env };
    Object.assign(process.env, cloud.environment());
    const second = `${bucket}-second`;
    await s3.send(new CreateBucketCommand({ Bucket: second }));
    try {
      expect(await main(['--bucket', bucket, '--bucket', 'glue-cd-deployments-nope', '--bucket', second])).toBe(1);
    } finally {
      log.mockRestore();
      error.mockRestore();
      process.env = environment;
    }
    const version = glueJobsVersion();
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^s3://${bucket}/glue-jobs/${version}/: \\d+ uploaded`)),
      expect.stringMatching(new RegExp(`^s3://${second}/glue-jobs/${version}/: \\d+ uploaded`)),
    ]);
    expect(errors).toEqual([
      expect.stringMatching(/^UploadGlueJobsError: bucket glue-cd-deployments-nope does not exist/),
    ]);
    expect(await keys(`glue-jobs/${version}/`)).toHaveLength(jobFiles().length);
  });

  it('exits 2 on bad arguments and 1 when the upload fails, printing why', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const environment = { ...process.env };
    Object.assign(process.env, cloud.environment());
    try {
      expect(await main(['--bucket'])).toBe(2);
      expect(await main(['--bucket', 'glue-cd-deployments-nope'])).toBe(1);
    } finally {
      spy.mockRestore();
      process.env = environment;
    }
    expect(errors[1]).toMatch(/^UploadGlueJobsError: bucket glue-cd-deployments-nope does not exist/);
  });
});
