import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient, CreateWorkGroupCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalCloud } from '@glue-cd/local-cloud';

const REPO_ROOT = path.resolve(__dirname, '../../..');

/** `pnpm cloud` as the root script runs it: run-ts.cjs on the release package's entry point. */
const startCli = (args: string[]): ChildProcessWithoutNullStreams =>
  spawn(process.execPath, ['scripts/run-ts.cjs', 'packages/release/src/cloud-main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_ENDPOINT_URL: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
  });

const collect = (child: ChildProcessWithoutNullStreams) => {
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { output, exited };
};

const waitForOutput = (child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<RegExpExecArray> =>
  new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`pnpm cloud exited (${code}) before printing ${pattern}: ${text}`)));
  });

describe('pnpm cloud', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'pnpm-cloud-'));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('serves every service, prints the environment to paste, and on SIGINT ends running work and exits 0', async () => {
    const child = startCli(['--port', '0', '--state-dir', stateDir, '--quiet']);
    const { output, exited } = collect(child);
    const [, endpoint] = await waitForOutput(
      child,
      /export AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*Ctrl-C stops it/,
    );
    expect(output.stdout).toContain('export AWS_REGION=us-east-1');
    expect(output.stdout).toMatch(/export AWS_ACCESS_KEY_ID=\S+/);
    expect(output.stdout).toMatch(/export AWS_SECRET_ACCESS_KEY=\S+/);
    expect(output.stdout).toContain('Glue job engines: nyc-taxi (data-lake runMappingJob)');

    const health = (await (await fetch(`${endpoint}/_glue-cd/health`)).json()) as {
      services: string[];
      stateDir: string;
    };
    expect(health).toMatchObject({
      services: ['athena', 'cloudformation', 'codepipeline', 'glue', 'lambda', 's3', 'secretsmanager', 'states', 'sts'],
      stateDir,
    });

    // A query that would run for minutes is still running when the process is asked to stop.
    const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const athena = new AthenaClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'cli',
        Configuration: { ResultConfiguration: { OutputLocation: 's3://results/' } },
      }),
    );
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        WorkGroup: 'cli',
        QueryString:
          'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2000000000) SELECT count(*) FROM r',
      }),
    );
    s3.destroy();
    athena.destroy();

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output.stdout).toContain('SIGINT: stopping');
    expect(output.stdout).toContain(`Local cloud stopped; state kept in ${stateDir}`);

    // The state it flushed says what happened to the query.
    const revived = await startLocalCloud({ stateDir, port: 0 });
    try {
      expect(revived.athena.queries.get(QueryExecutionId!).Status).toMatchObject({ State: 'CANCELLED' });
    } finally {
      await revived.close();
    }
  });

  it('refuses an unknown flag with exit code 2, naming it and showing the usage', async () => {
    const child = startCli(['--bogus']);
    const { output, exited } = collect(child);
    expect(await exited).toBe(2);
    expect(output.stderr).toContain("Unknown option '--bogus'");
    expect(output.stderr).toContain('--state-dir DIR');
  });
});
