import { LiveTestConfigurationError, glueDefinitionsFromResources } from '@glue-cd/live-test';
import { DEPLOYMENT_BUCKET, deployedResources, outputs } from './fixtures';

describe('glueDefinitionsFromResources', () => {
  it('builds crawlers and jobs from the deployed glue-etl resources, ignoring the rest', () => {
    expect(glueDefinitionsFromResources(deployedResources())).toEqual({
      crawlers: {
        [outputs.RawCrawlerName]: {
          databaseName: outputs.RawDatabaseName,
          s3Targets: [`s3://${outputs.RawBucketName}/nyc-taxi/yellow_tripdata/`],
        },
        [outputs.DataLakeCrawlerName]: {
          databaseName: outputs.DataLakeDatabaseName,
          s3Targets: [`s3://${outputs.DataLakeBucketName}/nyc-taxi/yellow_tripdata/`],
        },
      },
      jobs: {
        [outputs.JobName]: {
          scriptLocation: `s3://${DEPLOYMENT_BUCKET}/glue-jobs/nyc-taxi/job.py`,
          defaultArguments: {
            '--job-language': 'python',
            '--source_path': `s3://${outputs.RawBucketName}/nyc-taxi/yellow_tripdata/`,
            '--target_path': `s3://${outputs.DataLakeBucketName}/nyc-taxi/yellow_tripdata/`,
            '--rejects_path': `s3://${outputs.DataLakeBucketName}/rejects/nyc-taxi/yellow_tripdata/`,
            '--mapping_path': `s3://${DEPLOYMENT_BUCKET}/glue-jobs/nyc-taxi/mapping.json`,
            '--enable-metrics': 'true',
          },
        },
      },
    });
  });

  it('names resources by physical id when Name is absent, and keeps TablePrefix', () => {
    const definitions = glueDefinitionsFromResources([
      {
        type: 'AWS::Glue::Crawler',
        physicalId: 'RawCrawler-x1y2',
        properties: {
          DatabaseName: 'raw',
          TablePrefix: 'v2_',
          Targets: { S3Targets: [{ Path: 's3://a/p/' }, { Path: 's3://b/q/' }] },
        },
      },
      {
        type: 'AWS::Glue::Job',
        physicalId: 'NycTaxiJob-z9',
        properties: { Command: { ScriptLocation: 's3://d/job.py' } },
      },
    ]);
    expect(definitions).toEqual({
      crawlers: {
        'RawCrawler-x1y2': { databaseName: 'raw', tablePrefix: 'v2_', s3Targets: ['s3://a/p/', 's3://b/q/'] },
      },
      jobs: { 'NycTaxiJob-z9': { scriptLocation: 's3://d/job.py', defaultArguments: {} } },
    });
  });

  it.each([
    [
      'an unresolved intrinsic',
      {
        type: 'AWS::Glue::Crawler',
        physicalId: 'raw',
        properties: { DatabaseName: { Ref: 'RawDatabase' }, Targets: { S3Targets: [{ Path: 's3://a/' }] } },
      },
      'AWS::Glue::Crawler raw has unusable properties: DatabaseName:',
    ],
    [
      'a non-S3 target',
      {
        type: 'AWS::Glue::Crawler',
        physicalId: 'raw',
        properties: { DatabaseName: 'raw', Targets: { S3Targets: [{ Path: '/local/path' }] } },
      },
      'Targets.S3Targets[0].Path: must be an s3:// URL',
    ],
    [
      'a job without a script',
      { type: 'AWS::Glue::Job', physicalId: 'job', properties: { Command: { Name: 'glueetl' } } },
      'AWS::Glue::Job job has unusable properties: Command.ScriptLocation',
    ],
  ])('refuses %s, naming the resource and property', (_case, resource, message) => {
    expect(() => glueDefinitionsFromResources([resource])).toThrow(LiveTestConfigurationError);
    expect(() => glueDefinitionsFromResources([resource])).toThrow(message);
  });
});
