import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** A service packaged by `sls package`: the CloudFormation template and the artefacts next to it. */
export interface PackagedService {
  service: string;
  stage: string;
  dir: string;
  template: CloudFormationTemplate;
  artifacts: string[];
}

export interface CloudFormationTemplate {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export class PackagingError extends Error {
  override name = 'PackagingError';
}

const slsBin = (repoRoot: string): string => path.join(repoRoot, 'node_modules', '.bin', 'sls');

/** Runs `sls package --stage <stage> --package <outDir>` in a service folder, offline. */
export const packageService = async (options: {
  repoRoot: string;
  serviceDir: string;
  stage: string;
  outDir: string;
  deploymentBucket: string;
}): Promise<PackagedService> => {
  const { repoRoot, serviceDir, stage, outDir, deploymentBucket } = options;
  await mkdir(outDir, { recursive: true });
  const cwd = path.join(repoRoot, serviceDir);
  // sls stages every packaging in <service>/.serverless, even with --package: one packaging per folder at a time.
  const output = await withFolderLock(
    path.join(cwd, '.serverless-package.lock'),
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(slsBin(repoRoot), ['package', '--stage', stage, '--package', outDir], {
          cwd,
          env: {
            ...withoutAwsCredentials(process.env),
            SLS_TELEMETRY_DISABLED: '1',
            SLS_NOTIFICATIONS_MODE: 'off',
            GLUE_CD_DEPLOYMENT_BUCKET: deploymentBucket,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0
            ? resolve(text)
            : reject(
                new PackagingError(`sls package failed in ${serviceDir} (stage ${stage}, exit ${code}):\n${text}`),
              ),
        );
      }),
  );
  void output;
  const template = JSON.parse(
    await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CloudFormationTemplate;
  const artifacts = (await readdir(outDir)).filter((name) => name.endsWith('.zip'));
  return { service: path.basename(serviceDir), stage, dir: outDir, template, artifacts };
};

// Packaging must never reach a real account, whatever the caller's shell has.
const withoutAwsCredentials = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(key)),
  );

const STALE_LOCK_MS = 5 * 60_000;

/** A lock across processes (jest workers, a release beside the tests): mkdir is atomic. */
export const withFolderLock = async <T>(lockDir: string, work: () => Promise<T>): Promise<T> => {
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_LOCK_MS) await rm(lockDir, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
};
