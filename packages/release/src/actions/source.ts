import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { zipArtifact, type ArtifactEntry } from '../artifact-zip';
import type { ActionRunner, PipelineArtifact } from './types';

const exec = promisify(execFile);

export class SourceActionError extends Error {
  override name = 'SourceActionError';
}

const git = async (repoRoot: string, args: string[]): Promise<string> => {
  try {
    return (await exec('git', ['-C', repoRoot, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    throw new SourceActionError(`git ${args.join(' ')} failed in ${repoRoot}: ${(error as Error).message}`);
  }
};

/**
 * The files CodePipeline's CODE_ZIP would hold for this checkout: tracked and untracked-but-not-ignored files as
 * they are in the working tree (deleted ones left out), no .git, no node_modules.
 */
export const workingTreeFiles = async (repoRoot: string): Promise<string[]> => {
  const listed = (await git(repoRoot, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']))
    .split('\0')
    .filter(Boolean);
  const files: string[] = [];
  for (const file of new Set(listed)) {
    if (file.split('/').some((segment) => segment === 'node_modules' || segment === '.git')) continue;
    const stats = await lstat(path.join(repoRoot, file)).catch(() => undefined);
    if (stats && (stats.isFile() || stats.isSymbolicLink())) files.push(file);
  }
  return files.sort();
};

/**
 * Uploads an artifact zip where CodePipeline keeps them: `<pipeline>/<artifact>/<random id>` in the artifact bucket,
 * with the writer's client (CodePipeline's role for a Source, the project's role for a CodeBuild upload).
 */
export const putArtifact = async (
  environment: Parameters<ActionRunner>[1],
  s3: S3Client,
  name: string,
  zip: Uint8Array,
  revision?: string,
): Promise<PipelineArtifact> => {
  const key = `${environment.pipeline.name.slice(0, 20)}/${name.slice(0, 10)}/${randomBytes(4).toString('hex').slice(0, 7)}`;
  await s3.send(new PutObjectCommand({ Bucket: environment.artifactBucket, Key: key, Body: zip }));
  return { name, bucket: environment.artifactBucket, key, ...(revision !== undefined ? { revision } : {}) };
};

/**
 * A git Source action (CodeStar connection, CodeCommit, GitHub): this checkout's working tree as its CODE_ZIP
 * output artifact, and the source variables (CommitId, BranchName, ...) in its namespace.
 */
export const sourceAction: ActionRunner = async ({ action, configuration }, environment) => {
  const { repoRoot } = environment;
  const files = await workingTreeFiles(repoRoot);
  const edits = Object.entries(environment.sourceEdits);
  for (const [file] of edits) {
    if (path.posix.isAbsolute(file) || file.split('/').includes('..')) {
      throw new SourceActionError(`source edit ${file} must be a path inside the checkout`);
    }
  }
  const edited = new Set(edits.map(([file]) => file));
  const entries: ArtifactEntry[] = [
    ...files.filter((file) => !edited.has(file)).map((file) => ({ name: file, file: path.join(repoRoot, file) })),
    ...edits.map(([name, text]) => ({ name, content: new TextEncoder().encode(text) })),
  ];
  // The revision's facts are asked beside the zipping.
  const [zip, commitId, log, branch, status] = await Promise.all([
    zipArtifact(entries, { symlinks: true }),
    git(repoRoot, ['rev-parse', 'HEAD']),
    git(repoRoot, ['log', '-1', '--format=%s%x00%aI']),
    git(repoRoot, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(repoRoot, ['status', '--porcelain']),
  ]);
  const [commitMessage = '', authorDate = ''] = log.trim().split('\0');
  const revision = commitId.trim();
  // CodePipeline stores the source with its own role.
  const pipelineRole = environment.roles?.pipeline;
  const s3 = pipelineRole?.clients.s3 ?? environment.release.clients.s3;
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const outputArtifacts = Object.fromEntries(
    await Promise.all(
      action.outputArtifacts.map(
        async (name) => [name, { ...(await putArtifact(environment, s3, name, zip, revision)), sha256 }] as const,
      ),
    ),
  );
  const configuredBranch = typeof configuration.BranchName === 'string' ? configuration.BranchName : undefined;
  const outputVariables: Record<string, string> = {
    CommitId: revision,
    CommitMessage: commitMessage,
    AuthorDate: authorDate,
    BranchName: configuredBranch ?? branch.trim(),
    ...(typeof configuration.FullRepositoryId === 'string'
      ? { FullRepositoryName: configuration.FullRepositoryId }
      : {}),
    ...(typeof configuration.ConnectionArn === 'string' ? { ConnectionArn: configuration.ConnectionArn } : {}),
  };
  const changed = status.split('\n').filter(Boolean).length + edits.length;
  const differences = [
    `the working tree of ${repoRoot} is the source, not ${configuration.FullRepositoryId ?? 'the repository'}@${
      configuredBranch ?? 'its branch'
    }`,
    ...(changed > 0
      ? [`${changed} file(s) differ from CommitId ${revision.slice(0, 12)}: they are released as they are`]
      : []),
  ];
  return {
    status: 'Succeeded',
    summary: `${files.length} files of the working tree at ${revision.slice(0, 12)} (${zip.length} bytes, CODE_ZIP)`,
    ...(pipelineRole ? { runAs: pipelineRole.roleArn } : {}),
    outputArtifacts,
    outputVariables,
    differences,
  };
};
