import { parseS3Url } from '../src';

describe('parseS3Url', () => {
  test.each([
    [
      's3://glue-cd-deployments-test/glue-jobs/0a1b/nyc-taxi/job.py',
      { bucket: 'glue-cd-deployments-test', key: 'glue-jobs/0a1b/nyc-taxi/job.py' },
    ],
    ['s3://raw-bucket/nyc-taxi/yellow_tripdata/', { bucket: 'raw-bucket', key: 'nyc-taxi/yellow_tripdata/' }],
    ['s3://bucket-only', { bucket: 'bucket-only', key: '' }],
    ['s3://bucket-only/', { bucket: 'bucket-only', key: '' }],
  ])('splits %s into bucket and key', (url, location) => {
    expect(parseS3Url(url)).toEqual(location);
  });

  test.each(['deploy/test.json', 'https://bucket.s3.amazonaws.com/key', 's3://', 's3:///key', ''])(
    'is undefined for %j, which names no S3 location',
    (url) => {
      expect(parseS3Url(url)).toBeUndefined();
    },
  );
});
