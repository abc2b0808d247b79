import { existsSync, readFileSync } from 'node:fs';
import { SAMPLE_FILE, SHARED_SAMPLE_FILE } from './fixtures';

// The repository carries a copy of the shared TLC sample so every clone (CI, CodeBuild) has it; it must stay the
// real data, byte for byte. Where the shared folder is not beside the clone there is nothing to compare against.
(existsSync(SHARED_SAMPLE_FILE) ? test : test.skip)(
  'the in-repository sample is the shared TLC sample, byte for byte',
  () => {
    expect(readFileSync(SAMPLE_FILE).equals(readFileSync(SHARED_SAMPLE_FILE))).toBe(true);
  },
);

test('the in-repository sample has the TLC header and 7,500 trips', () => {
  const text = readFileSync(SAMPLE_FILE, 'utf8');
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  expect(lines[0]).toBe(
    'VendorID,pickup_datetime,dropoff_datetime,passenger_count,trip_distance,RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount,congestion_surcharge',
  );
  expect(lines).toHaveLength(7501);
});
