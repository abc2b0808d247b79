import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { buildSync } from 'esbuild';
import { zipSync } from 'fflate';
import { TEST_RUN_DIR } from '../../../test/support/run-dir';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../src';

export const tempStateDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'local-cloud-test-'));

/**
 * Starts a local cloud on a random port and points this process's SDK clients at it through the environment only
 * (what our Lambdas and tools rely on). `restore()` puts the previous environment back.
 */
export async function startTestCloud(
  options: Partial<LocalCloudOptions> = {},
): Promise<{ cloud: LocalCloud; logs: string[]; restore: () => void }> {
  const logs: string[] = [];
  const cloud = await startLocalCloud({
    stateDir: options.stateDir ?? tempStateDir(),
    port: 0,
    log: (line) => logs.push(line),
    ...options,
  });
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(cloud.environment())) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  const restore = (): void => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  return { cloud, logs, restore };
}

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/**
 * The probe Lambda packaged the way `sls package` + serverless-esbuild do: a zip holding
 * `src/handlers/probe.js` and its source map (bundle, cjs, platform node).
 */
const PROBE_HANDLER = path.join(__dirname, 'fixtures', 'probe-handler.ts');

function buildProbePackage(): Uint8Array {
  const result = buildSync({
    entryPoints: [PROBE_HANDLER],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    write: false,
    outfile: 'src/handlers/probe.js',
    logLevel: 'silent',
  });
  const files: Record<string, Uint8Array> = {};
  for (const file of result.outputFiles) files[`src/handlers/${path.basename(file.path)}`] = file.contents;
  return zipSync(files);
}

let probePackage: Uint8Array | undefined;

/**
 * The probe package, built once per jest run and kept in the run's folder (test/support/run-dir.ts; once per process
 * without one): a build bundles the S3 client and deflates it with its map, ~3 CPU-s, and five test files deploy it.
 */
function probePackageOnce(): Uint8Array {
  if (probePackage) return probePackage;
  const runDir = process.env[TEST_RUN_DIR];
  const source = createHash('sha256').update(readFileSync(PROBE_HANDLER)).digest('hex').slice(0, 16);
  const kept = runDir && path.join(runDir, `local-cloud-probe-${source}.zip`);
  if (kept && existsSync(kept)) return (probePackage = new Uint8Array(readFileSync(kept)));
  probePackage = buildProbePackage();
  if (kept) {
    // Written aside, then renamed: a test file in another worker never reads half a zip.
    const partial = `${kept}.${process.pid}`;
    writeFileSync(partial, probePackage);
    renameSync(partial, kept);
  }
  return probePackage;
}

/** How a test deploys the probe Lambda: its package's bucket and key, and the function settings it varies. */
export interface ProbeDeployment {
  bucket: string;
  key?: string;
  functionName?: string;
  role?: string;
  timeoutSeconds?: number;
  memorySize?: number;
  environment?: Record<string, string>;
}

/** Uploads the probe package to an existing bucket and creates the function from it, as a deploy of it would. */
export async function deployProbe(
  cloud: Pick<LocalCloud, 'objects' | 'functions'>,
  {
    bucket,
    key = 'probe.zip',
    functionName = 'probe',
    timeoutSeconds = 10,
    environment = {},
    ...rest
  }: ProbeDeployment,
): Promise<void> {
  await cloud.objects.putObject(bucket, key, probePackageOnce());
  await cloud.functions.createFunction({
    functionName,
    handler: 'src/handlers/probe.handler',
    runtime: 'nodejs22.x',
    ...rest,
    timeoutSeconds,
    environment,
    code: { s3Bucket: bucket, s3Key: key },
  });
}

/**
 * The headers of a raw request signed as the SDK signs (`@smithy/signature-v4`), with the cloud's operator key unless
 * another key is given: for requests a test must craft by hand (malformed bodies, chosen Host headers).
 */
export async function signedHeaders(
  cloud: Pick<LocalCloud, 'endpoint' | 'environment'>,
  request: { method: string; path: string; service: string; headers?: Record<string, string>; body?: string | Buffer },
  key?: { accessKeyId: string; secretAccessKey: string },
): Promise<Record<string, string>> {
  const env = cloud.environment();
  const url = new URL(`${cloud.endpoint}${request.path}`);
  const signer = new SignatureV4({
    service: request.service,
    region: 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials: key ?? { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    uriEscapePath: request.service !== 's3',
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
    }),
  );
  return signed.headers;
}

/**
 * A copy of a running cloud's state folder without its lock: what a process that died (kill -9) leaves behind, for
 * tests that start another cloud over it while the first still runs (one cloud per folder is enforced).
 */
export const crashedCopyOf = (stateDir: string): string => {
  const copy = tempStateDir();
  cpSync(stateDir, copy, { recursive: true, filter: (source) => path.basename(source) !== '.lock' });
  return copy;
};
