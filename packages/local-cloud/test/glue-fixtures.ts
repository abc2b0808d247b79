import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

// The repository's copy of the real NYC TLC sample (glue-jobs/nyc-taxi/sample/SOURCE.md).
export const SAMPLE_FILE = path.resolve(
  __dirname,
  '../../../glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv',
);

export interface SampleFacts {
  header: string[];
  records: number;
  totalAmount: number;
}

/** The sample counted the plainest way, independently of DuckDB: it has no quotes, so a record is a non-empty line. */
export const sampleFacts = async (): Promise<SampleFacts> => {
  const text = await readFile(SAMPLE_FILE, 'utf8');
  if (text.includes('"')) throw new Error('the sample has quotes; the plain split below no longer applies');
  const [headerLine, ...lines] = text.split(/\r\n|\n/).filter((line) => line.length > 0);
  const header = headerLine!.split(',');
  const totalIndex = header.indexOf('total_amount');
  return {
    header,
    records: lines.length,
    totalAmount: lines.reduce((sum, line) => sum + Number(line.split(',')[totalIndex]), 0),
  };
};

/** Creates a bucket and uploads the sample under `<prefix>sample.csv` through the S3 SDK. */
export const uploadSample = async (s3: S3Client, bucket: string, prefix: string): Promise<void> => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  });
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${prefix}sample.csv`,
      Body: await readFile(SAMPLE_FILE),
    }),
  );
};

/** Polls `check` until it returns a value (the services run crawls, jobs and queries in the background). */
export const eventually = async <T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
