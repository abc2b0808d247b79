// The pipeline's AutomatedLiveTest CodeBuild action (buildspecs/live-test.yml):
//   node scripts/run-ts.cjs packages/live-test/src/cli.ts [--outputs '<stack outputs JSON>'] [--sample <csv>] [--validation <yaml>]
//     [--junit <file>]   (default reports/live-test/junit.xml: one test case per check, for the buildspec's report group)
// Without --outputs the stack outputs come from RAW_BUCKET_NAME, DATA_LAKE_BUCKET_NAME, ... (see outputs.ts), which the
// action sets from the DeployTest namespace. The AWS SDK backend always: region, credentials and endpoint come from
// the environment (AWS_ENDPOINT_URL reaches the local cloud).
// Exit codes: 0 all checks passed, 1 a check failed, 2 the live test could not run (configuration, crawler, job, query).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { createAwsBackend } from './aws-backend';
import { LiveTestConfigurationError } from './errors';
import { DEFAULT_JUNIT_FILE, liveTestJunit, type JunitOutcome } from './junit';
import { outputsFromEnvironment, parseGlueEtlStackOutputs, type GlueEtlStackOutputs } from './outputs';
import { formatLiveTestReport, runLiveTest } from './run-live-test';
import { loadValidationRules } from './validation';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const DEFAULT_SAMPLE_FILE = resolve(
  REPO_ROOT,
  'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv',
);
export const DEFAULT_VALIDATION_FILE = resolve(REPO_ROOT, 'glue-jobs/nyc-taxi/validation.yaml');

export interface CliOptions {
  outputs: GlueEtlStackOutputs;
  sampleFile: string;
  validationFile: string;
  /** The JUnit XML file, written whatever the outcome (absolute). */
  junitFile: string;
  pollIntervalMs?: number;
}

export interface CliArguments {
  outputs?: string;
  sample?: string;
  validation?: string;
  junit?: string;
  pollIntervalMs?: string;
}

/** The flags alone (buildspec lines are checked against this): an unknown flag is a LiveTestConfigurationError. */
export const parseArguments = (argv: string[]): CliArguments => {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        outputs: { type: 'string' },
        sample: { type: 'string' },
        validation: { type: 'string' },
        junit: { type: 'string' },
        'poll-interval-ms': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const { 'poll-interval-ms': pollIntervalMs, ...rest } = values;
    return { ...rest, ...(pollIntervalMs !== undefined && { pollIntervalMs }) };
  } catch (error) {
    throw new LiveTestConfigurationError((error as Error).message);
  }
};

/** Parses the CLI arguments (and the environment when --outputs is absent). */
export const parseCliOptions = (argv: string[], env: NodeJS.ProcessEnv): CliOptions => {
  const values = parseArguments(argv);
  let outputs: GlueEtlStackOutputs;
  if (values.outputs !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(values.outputs);
    } catch (error) {
      throw new LiveTestConfigurationError(`--outputs is not valid JSON: ${(error as Error).message}`);
    }
    outputs = parseGlueEtlStackOutputs(json, '--outputs');
  } else {
    outputs = outputsFromEnvironment(env);
  }
  const pollIntervalMs = values.pollIntervalMs === undefined ? undefined : Number(values.pollIntervalMs);
  if (pollIntervalMs !== undefined && !(pollIntervalMs >= 0))
    throw new LiveTestConfigurationError('--poll-interval-ms must be a non-negative number');
  return {
    outputs,
    sampleFile: resolve(values.sample ?? DEFAULT_SAMPLE_FILE),
    validationFile: resolve(values.validation ?? DEFAULT_VALIDATION_FILE),
    junitFile: resolve(values.junit ?? DEFAULT_JUNIT_FILE),
    ...(pollIntervalMs !== undefined && { pollIntervalMs }),
  };
};

const writeJunit = async (file: string, outcome: JunitOutcome, startedAt: Date): Promise<void> => {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, liveTestJunit(outcome, { startedAt, durationMs: Date.now() - startedAt.getTime() }));
};

export const main = async (argv: string[], env: NodeJS.ProcessEnv): Promise<number> => {
  const startedAt = new Date();
  // Known before anything else can fail, so a run that cannot start still leaves its JUnit error for CodeBuild.
  let junitFile: string | undefined;
  try {
    junitFile = resolve(parseArguments(argv).junit ?? DEFAULT_JUNIT_FILE);
  } catch {
    // parseCliOptions below reports the bad flag.
  }
  try {
    const options = parseCliOptions(argv, env);
    const s3 = new S3Client({});
    const backend = createAwsBackend({
      glue: new GlueClient({}),
      athena: new AthenaClient({}),
      s3,
      workGroup: options.outputs.AthenaWorkGroupName,
      ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    });
    const report = await runLiveTest({
      backend,
      outputs: options.outputs,
      validation: await loadValidationRules(options.validationFile),
      seed: { sampleFile: options.sampleFile, s3 },
      log: (event) => console.log(JSON.stringify(event)),
    });
    console.log(formatLiveTestReport(report));
    await writeJunit(options.junitFile, { report }, startedAt);
    console.log(`JUnit report: ${options.junitFile}`);
    return report.passed ? 0 : 1;
  } catch (error) {
    console.error(`Live test could not run: ${(error as Error).name}: ${(error as Error).message}`);
    if (junitFile !== undefined) {
      await writeJunit(junitFile, { error: error as Error }, startedAt).catch((writeError: unknown) =>
        console.error(`JUnit report not written to ${junitFile}: ${(writeError as Error).message}`),
      );
    }
    return 2;
  }
};

// scripts/run-ts.cjs requires the entry (so require.main is the runner) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename) {
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
