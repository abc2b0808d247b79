import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { LiveTestConfigurationError, OUTPUT_ENVIRONMENT_VARIABLES } from '@glue-cd/live-test';
import { DEFAULT_JUNIT_FILE } from '@glue-cd/live-test';
import { DEFAULT_SAMPLE_FILE, DEFAULT_VALIDATION_FILE, main, parseArguments, parseCliOptions } from '../src/cli';
import { SAMPLE_FILE, VALIDATION_FILE, fakeCrawlers, makeTempDir, outputs, readSample } from './fixtures';

let junitDir: string;
beforeAll(async () => {
  junitDir = await makeTempDir('live-test-junit');
});
afterAll(async () => {
  await rm(junitDir, { recursive: true, force: true });
});

/** The JUnit file as a tree (attributes prefixed with @), after checking it is well-formed XML. */
const readJunit = async (file: string) => {
  const text = await readFile(file, 'utf8');
  expect(XMLValidator.validate(text)).toBe(true);
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name) => name === 'testcase',
  }).parse(text) as {
    testsuites: {
      '@tests': string;
      '@failures': string;
      '@errors': string;
      testsuite: {
        '@name': string;
        properties?: { property: { '@name': string; '@value': string }[] };
        testcase: {
          '@name': string;
          '@classname': string;
          properties?: { property: { '@name': string; '@value': string }[] };
          failure?: { '@message': string; '#text': string };
          error?: { '@type': string; '@message': string };
        }[];
      };
    };
  };
};

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
      junitFile: join(process.cwd(), DEFAULT_JUNIT_FILE),
    });
    expect(parseCliOptions(['--junit', '/tmp/x/junit.xml'], environment).junitFile).toBe('/tmp/x/junit.xml');
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
    expect(parseArguments(['--sample', 's.csv', '--poll-interval-ms', '0', '--junit', 'j.xml'])).toEqual({
      sample: 's.csv',
      pollIntervalMs: '0',
      junit: 'j.xml',
    });
    expect(parseArguments([])).toEqual({});
  });

  it('exits 2 when the live test cannot run, and leaves that error as the JUnit report', async () => {
    const errors: string[] = [];
    const junit = join(junitDir, 'cannot-run', 'junit.xml');
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      expect(await main(['--junit', junit], {})).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toContain('LiveTestConfigurationError: Stack outputs missing');
    const { testsuites } = await readJunit(junit);
    expect([testsuites['@tests'], testsuites['@failures'], testsuites['@errors']]).toEqual(['1', '0', '1']);
    expect(testsuites.testsuite.testcase).toHaveLength(1);
    expect(testsuites.testsuite.testcase[0]!.error).toMatchObject({
      '@type': 'LiveTestConfigurationError',
      '@message': expect.stringContaining('Stack outputs missing'),
    });
  });

  it('writes no JUnit report for a flag it does not take (the buildspec line is wrong, not the data)', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['--junit', join(junitDir, 'bad-flag.xml'), '--bucket', 'x'], {})).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(existsSync(join(junitDir, 'bad-flag.xml'))).toBe(false);
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

  it('prints the report, writes one JUnit test case per check, and exits 1 when the data lake lost a record', async () => {
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
    const junit = join(junitDir, 'lost-record.xml');
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    let code: number;
    try {
      code = await main(
        ['--outputs', JSON.stringify(outputs), '--sample', SAMPLE_FILE, '--poll-interval-ms', '0', '--junit', junit],
        {},
      );
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    const printed = lines.join('\n');
    expect(printed).toContain('Live test FAILED');
    expect(printed).toContain(`[FAIL] recordCount: raw ${records} != transformed ${records - 1} + rejected 0`);
    expect(printed).toContain(`JUnit report: ${junit}`);

    const { testsuites } = await readJunit(junit);
    const cases = testsuites.testsuite.testcase;
    // The mocked Athena answers only counts, so the column rules fail too: one case per check, each failure kept.
    expect(cases.map((c) => c['@name'])).toEqual(expect.arrayContaining(['seededRecordsCrawled', 'recordCount']));
    expect(Number(testsuites['@tests'])).toBe(cases.length);
    expect(Number(testsuites['@failures'])).toBe(cases.filter((c) => c.failure !== undefined).length);
    expect(testsuites['@errors']).toBe('0');
    const seeded = cases.find((c) => c['@name'] === 'seededRecordsCrawled')!;
    expect(seeded.failure).toBeUndefined();
    expect(seeded['@classname']).toBe('glue-cd.live-test');
    const recordCount = cases.find((c) => c['@name'] === 'recordCount')!;
    expect(recordCount.properties?.property).toEqual([
      { '@name': 'expected', '@value': 'raw = transformed + rejected, rejected <= 0' },
      { '@name': 'actual', '@value': `raw ${records}, transformed ${records - 1}, rejected 0` },
    ]);
    expect(recordCount.failure?.['@message']).toBe(
      `expected raw = transformed + rejected, rejected <= 0; actual raw ${records}, transformed ${records - 1}, rejected 0`,
    );
    expect(recordCount.failure?.['#text']).toContain(`raw ${records} != transformed ${records - 1} + rejected 0`);
    expect(testsuites.testsuite.properties?.property).toContainEqual({
      '@name': 'records.raw',
      '@value': String(records),
    });
  });
});
