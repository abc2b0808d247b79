import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_FILE, SHARED_SAMPLE_FILE } from './fixtures';

// The real NYC TLC sample every live test seeds (glue-jobs/nyc-taxi/sample/SOURCE.md), pinned by content: computed
// from the team's shared original (/work/shared/data), so any edit of the repository's copy fails here, in every clone.
const SAMPLE_SHA256 = '43d4769a6c00c0223cdf49ab4b86f7c5910aed04d42a35c94e7c89498351dd60';
const SAMPLE_BYTES = 716_012;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('the in-repository sample is the pinned TLC sample, byte for byte (SHA-256)', () => {
  expect({ bytes: readFileSync(SAMPLE_FILE).length, sha256: sha256(SAMPLE_FILE) }).toEqual({
    bytes: SAMPLE_BYTES,
    sha256: SAMPLE_SHA256,
  });
});

// An extra where the shared original is at hand (beside the clone, or GLUE_CD_SHARED_DATA_DIR): the pin above is its
// hash. Under CI it never skips: a build without the share says so with GLUE_CD_SHARED_DATA_DIR=none.
const sharedDir = process.env.GLUE_CD_SHARED_DATA_DIR;
const sharedFile =
  sharedDir && sharedDir !== 'none'
    ? path.join(path.resolve(sharedDir), path.basename(SAMPLE_FILE))
    : SHARED_SAMPLE_FILE;
const compareWithShared = existsSync(sharedFile) || (Boolean(process.env.CI) && sharedDir !== 'none');
(compareWithShared ? test : test.skip)(`the pinned hash is the shared original's (${sharedFile})`, () => {
  if (!existsSync(sharedFile)) {
    throw new Error(
      `CI has no shared original at ${sharedFile}: set GLUE_CD_SHARED_DATA_DIR to the folder holding it, or to "none" ` +
        'in a build without the team share (the SHA-256 pin still checks the repository copy)',
    );
  }
  expect(sha256(sharedFile)).toBe(SAMPLE_SHA256);
});

test('the in-repository sample has the TLC header and 7,500 trips', () => {
  const text = readFileSync(SAMPLE_FILE, 'utf8');
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  expect(lines[0]).toBe(
    'VendorID,pickup_datetime,dropoff_datetime,passenger_count,trip_distance,RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge',
  );
  expect(lines).toHaveLength(7501);
});
