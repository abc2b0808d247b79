import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
// The lock module alone (not the package index): lock holders are bundled small, without the cloud's DuckDB.
import { type FolderLockOptions, withFolderLock as withLocalFolderLock } from '@glue-cd/local-cloud/src/folder-lock';

/** A service packaged by `sls package`: the CloudFormation template and the artefacts next to it. */
export interface PackagedService {
  service: string;
  stage: string;
  dir: string;
  template: CloudFormationTemplate;
  artifacts: string[];
  /** What sls printed. */
  output: string;
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
  /** GLUE_CD_DEPLOYMENT_BUCKET for the packaging; unset, the services' default per stage applies. */
  deploymentBucket?: string;
  /** More `sls package` arguments, e.g. `--param=repository=org/repo`. */
  extraArgs?: string[];
  /** More environment for sls (never AWS credentials: they are removed). */
  env?: Record<string, string>;
}): Promise<PackagedService> => {
  const { repoRoot, serviceDir, stage, outDir, deploymentBucket } = options;
  await mkdir(outDir, { recursive: true });
  const cwd = path.resolve(repoRoot, serviceDir);
  // sls stages every packaging in <service>/.serverless, even with --package: one packaging per folder at a time.
  const output = await withFolderLock(
    path.join(cwd, '.serverless-package.lock'),
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          slsBin(repoRoot),
          ['package', '--stage', stage, '--package', outDir, ...(options.extraArgs ?? [])],
          {
            cwd,
            env: {
              ...withoutAwsCredentials({ ...process.env, ...options.env }),
              SLS_TELEMETRY_DISABLED: '1',
              SLS_NOTIFICATIONS_MODE: 'off',
              ...(deploymentBucket !== undefined ? { GLUE_CD_DEPLOYMENT_BUCKET: deploymentBucket } : {}),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
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
  const template = JSON.parse(
    await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CloudFormationTemplate;
  const artifacts = (await readdir(outDir)).filter((name) => name.endsWith('.zip'));
  return { service: path.basename(cwd), stage, dir: outDir, template, artifacts, output };
};

// Packaging must never reach a real account, whatever the caller's shell has: no AWS_* variable gets through.
const withoutAwsCredentials = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('AWS_')));

export { FolderLockError, type FolderLockOptions, type LockOwner } from '@glue-cd/local-cloud/src/folder-lock';

/** The folder lock around `sls package` (one packaging per service folder across processes). */
export const withFolderLock = <T>(
  lockDir: string,
  work: () => Promise<T>,
  options: FolderLockOptions = {},
): Promise<T> => withLocalFolderLock(lockDir, work, { what: 'sls package', ...options });
