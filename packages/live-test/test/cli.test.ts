import { existsSync } from 'node:fs';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { LiveTestConfigurationError, OUTPUT_ENVIRONMENT_VARIABLES } from '@glue-cd/live-test';
import { DEFAULT_SAMPLE_FILE, DEFAULT_VALIDATION_FILE, main, parseArguments, parseCliOptions } from '../src/cli';
import { SAMPLE_FILE, VALIDATION_FILE, fakeCrawlers, outputs, readSample } from './fixtures';

const environment = Object.fromEntries(
  Object.entries(OUTPUT_ENVIRONMENT_VARIABLES).map(([output, variable]) => [
    variable,
    outputs[output as keyof typeof OUTPUT_ENVIRONMENT_VARIABLES],
  ]),
);
const { AthenaResultsBucketName: _extra, ...requiredOutputs } = outputs;

describe('live-test CLI', () => {
  it('takes the stack outputs from --outputs, ignoring outputs it does not need', () => {
    expect(parseCliOptions(['--outputs', JSON.stringify(outputs), '--sample', '/tmp/s.csv'], {})).toEqual({
      outputs: requiredOutputs,
      sampleFile: '/tmp/s.csv',
      validationFile: DEFAULT_VALIDATION_FILE,
    });
  });

  it('falls back to the environment variables of the CodeBuild action, and to the repo’s sample and rules', () => {
    const options = parseCliOptions([], environment);
    expect(options.outputs).toEqual(requiredOutputs);
    expect(options.validationFile).toBe(VALIDATION_FILE);
    expect(existsSync(DEFAULT_SAMPLE_FILE)).toBe(true);
  });

  it('names the missing environment variables', () => {
    const { JOB_NAME: _job, ATHENA_WORKGROUP_NAME: _workGroup, ...partial } = environment;
    expect(() => parseCliOptions([], partial)).toThrow(LiveTestConfigurationError);
    expect(() => parseCliOptions([], partial)).toThrow('set JOB_NAME, ATHENA_WORKGROUP_NAME');
  });

  it('names bad --outputs fields and unknown flags', () => {
    expect(() => parseCliOptions(['--outputs', '{"RawBucketName":""}'], {})).toThrow(
      /Invalid --outputs: RawBucketName: .*; DataLakeBucketName/,
    );
    expect(() => parseCliOptions(['--outputs', '{'], {})).toThrow('--outputs is not valid JSON');
    expect(() => parseCliOptions(['--bucket', 'x'], environment)).toThrow(/--bucket/);
  });

  it.each([
    [['--backend', 'aws'], /Unknown option '--backend'/],
    [['aws'], /Unexpected argument 'aws'/],
    [['--outputs'], /--outputs/],
  ])('refuses %j, naming it, before reading the environment', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(LiveTestConfigurationError);
    expect(() => parseArguments(argv)).toThrow(message);
  });

  it('parses the flags alone, without the environment', () => {
    expect(parseArguments(['--sample', 's.csv', '--poll-interval-ms', '0'])).toEqual({
      sample: 's.csv',
      pollIntervalMs: '0',
    });
    expect(parseArguments([])).toEqual({});
  });

  it('exits 2 when the live test cannot run', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      expect(await main([], {})).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toContain('LiveTestConfigurationError: Stack outputs missing');
  });
});

describe('live-test CLI against (mocked) AWS', () => {
  const glue = mockClient(GlueClient);
  const athena = mockClient(AthenaClient);
  const s3 = mockClient(S3Client);
  afterAll(() => {
    glue.restore();
    athena.restore();
    s3.restore();
  });

  it('prints the report and exits 1 when the data lake lost a record', async () => {
    const records = (await readSample()).rows.length;
    s3.on(PutObjectCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    fakeCrawlers(glue);
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_cli' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });
    const databases: string[] = [];
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryExecutionContext: { Database: string } }) => {
      databases.push(input.QueryExecutionContext.Database);
      return { QueryExecutionId: String(databases.length - 1) };
    });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      const lake = databases[Number(input.QueryExecutionId)] === outputs.DataLakeDatabaseName;
      const count = String(lake ? records - 1 : records);
      return {
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: [{ Name: 'record_count', Type: 'bigint' }] },
          Rows: [{ Data: [{ VarCharValue: 'record_count' }] }, { Data: [{ VarCharValue: count }] }],
        },
      };
    });
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    let code: number;
    try {
      code = await main(['--outputs', JSON.stringify(outputs), '--sample', SAMPLE_FILE, '--poll-interval-ms', '0'], {});
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    const printed = lines.join('\n');
    expect(printed).toContain('Live test FAILED');
    expect(printed).toContain(`[FAIL] recordCount: raw ${records} != transformed ${records - 1} + rejected 0`);
  });
});
