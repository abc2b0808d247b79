// The Build buildspec's upload of the Glue job files (what `aws s3 sync` did, on the SDK so that the same line runs on
// CodeBuild, a laptop and the local release with nothing but node and pnpm):
//   node scripts/run-ts.cjs scripts/upload-glue-jobs.ts --bucket <bucket> [--bucket <bucket> …] [--version <version>]
// Uploads scripts/glue-jobs-version.js's file list to s3://<bucket>/glue-jobs/<version>/ of each bucket (side by side,
// one process and client for all: the Build names both stages' buckets), only objects whose content differs (ETag =
// MD5 of a single-part upload). Needs s3:ListBucket (prefix glue-jobs/*) and s3:PutObject there.
// Exit codes: 0 uploaded or unchanged in every bucket, 1 the upload to any bucket failed (each bucket's outcome is
// printed), 2 bad arguments.
import { ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const versioning = require('./glue-jobs-version.js') as {
  GLUE_JOBS: string;
  glueJobsVersion: (root?: string) => string;
  jobFiles: (root?: string) => string[];
};

export class UploadGlueJobsError extends Error {
  override name = 'UploadGlueJobsError';
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface UploadArguments {
  /** Each deployment bucket to upload to, in the order given. */
  buckets: string[];
  version?: string;
}

const USAGE =
  'usage: upload-glue-jobs.ts --bucket <deployment bucket> [--bucket <another> …] [--version <content version>]';

/** The flags the buildspec passes; an unknown or missing flag is a UsageError naming it. */
export const parseArguments = (argv: string[]): UploadArguments => {
  let values: { bucket?: string[]; version?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { bucket: { type: 'string', multiple: true }, version: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const buckets = values.bucket ?? [];
  if (buckets.length === 0) throw new UsageError(`--bucket is required\n${USAGE}`);
  const twice = buckets.find((bucket, at) => buckets.indexOf(bucket) !== at);
  if (twice !== undefined) throw new UsageError(`--bucket ${twice} is given twice\n${USAGE}`);
  const empty = buckets.find((bucket) => bucket.trim() === '');
  if (empty !== undefined) throw new UsageError(`--bucket must name a bucket, got '${empty}'\n${USAGE}`);
  // An empty --version is what `--version ${GLUE_JOBS_VERSION}` gives when the variable was never set.
  if (values.version !== undefined && !/^[0-9a-f]{12}$/.test(values.version)) {
    throw new UsageError(`--version must be the 12-hex-digit content version, got '${values.version}'\n${USAGE}`);
  }
  return { buckets, ...(values.version !== undefined ? { version: values.version } : {}) };
};

export interface UploadResult {
  prefix: string;
  uploaded: string[];
  unchanged: string[];
}

const md5ETag = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex')}"`;

const describe = (error: unknown): string =>
  error instanceof S3ServiceException ? `${error.name}: ${error.message}` : String(error);

/** ETags of the objects already under the prefix. */
const existingETags = async (s3: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> => {
  const etags = new Map<string, string>();
  let ContinuationToken: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchBucket') {
        throw new UploadGlueJobsError(
          `bucket ${bucket} does not exist: create the deployment buckets first (docs/pipeline.md, Bootstrap)`,
        );
      }
      throw new UploadGlueJobsError(`cannot list s3://${bucket}/${prefix}: ${describe(error)}`);
    }
    for (const object of page.Contents ?? []) if (object.Key && object.ETag) etags.set(object.Key, object.ETag);
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return etags;
};

/** The job files at their content version, read once for every bucket they go to: each file's body and ETag. */
export interface GlueJobFiles {
  version: string;
  files: { name: string; body: Buffer; etag: string }[];
}

/** Reads the job files of `root` (default: the repository's glue-jobs/), checking `version` when one is given. */
export const readGlueJobs = async (root: string = versioning.GLUE_JOBS, version?: string): Promise<GlueJobFiles> => {
  const actual = versioning.glueJobsVersion(root);
  if (version !== undefined && version !== actual) {
    throw new UploadGlueJobsError(
      `--version ${version} is not the content version of ${root} (${actual}): the template would point at other files`,
    );
  }
  const names = versioning.jobFiles(root);
  if (names.length === 0) throw new UploadGlueJobsError(`no job files under ${root}`);
  const files: GlueJobFiles['files'] = [];
  for (const name of names) {
    const body = await readFile(path.join(root, name));
    files.push({ name, body, etag: md5ETag(body) });
  }
  return { version: actual, files };
};

/** Uploads read job files to one bucket, under their version; objects already holding the same content are left. */
export const uploadJobFiles = async (s3: S3Client, bucket: string, jobs: GlueJobFiles): Promise<UploadResult> => {
  const prefix = `glue-jobs/${jobs.version}/`;
  const etags = await existingETags(s3, bucket, prefix);
  const result: UploadResult = { prefix: `s3://${bucket}/${prefix}`, uploaded: [], unchanged: [] };
  for (const file of jobs.files) {
    const key = `${prefix}${file.name}`;
    if (etags.get(key) === file.etag) {
      result.unchanged.push(file.name);
      continue;
    }
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: file.body }));
    } catch (error) {
      throw new UploadGlueJobsError(`cannot upload s3://${bucket}/${key}: ${describe(error)}`);
    }
    result.uploaded.push(file.name);
  }
  return result;
};

/** readGlueJobs then uploadJobFiles, for one bucket. */
export const uploadGlueJobs = async (options: {
  s3: S3Client;
  bucket: string;
  version?: string;
  /** The glue-jobs folder (default: the repository's). */
  root?: string;
}): Promise<UploadResult> =>
  uploadJobFiles(options.s3, options.bucket, await readGlueJobs(options.root, options.version));

export const main = async (argv: string[]): Promise<number> => {
  let args: UploadArguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const printError = (error: unknown) => console.error(`${(error as Error).name}: ${(error as Error).message}`);
  let jobs: GlueJobFiles;
  try {
    jobs = await readGlueJobs(undefined, args.version);
  } catch (error) {
    printError(error);
    return 1;
  }
  // Read once, uploaded to every bucket side by side on one client.
  const s3 = new S3Client({});
  const outcomes = await Promise.allSettled(args.buckets.map((bucket) => uploadJobFiles(s3, bucket, jobs)));
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') {
      const result = outcome.value;
      console.log(
        `${result.prefix}: ${result.uploaded.length} uploaded${
          result.uploaded.length > 0 ? ` (${result.uploaded.join(', ')})` : ''
        }, ${result.unchanged.length} unchanged`,
      );
    } else printError(outcome.reason);
  }
  return outcomes.every((outcome) => outcome.status === 'fulfilled') ? 0 : 1;
};

// scripts/run-ts.cjs requires the entry (so require.main is the runner) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
