// The local pipeline's last execution in this state folder, and whether a new one has anything to release. On AWS a
// pipeline execution starts when a commit is pushed (or on the console's "Release change"); re-running `pnpm start`
// on an unchanged working tree is neither, so, as `cdk deploy` says "no changes" unless `--force`, the release stops
// after its Source when that Source is byte for byte the one of the last execution, and that execution succeeded.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** `<state dir>/<this file>`: forgotten with the state (`--fresh`). */
export const LAST_EXECUTION_FILE = 'last-pipeline-execution.json';

const LastExecutionSchema = z.object({
  pipeline: z.string().min(1),
  pipelineExecutionId: z.string().min(1),
  /** SHA-256 of each Source output artifact (the CODE_ZIP is deterministic: same files, same bytes), by name. */
  source: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  commitId: z.string().optional(),
  /** InProgress until the run ends: a run that crashed is never taken for a succeeded one. */
  status: z.enum(['InProgress', 'Succeeded', 'Failed']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
});
export type LastExecution = z.infer<typeof LastExecutionSchema>;

/**
 * The record, or why there is none usable: a missing file is a first run; a file that is not a record (hand edited,
 * cut short) is said, and the pipeline runs, which is always safe.
 */
export const readLastExecution = async (stateDir: string): Promise<{ record?: LastExecution; unusable?: string }> => {
  const file = path.join(stateDir, LAST_EXECUTION_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed = LastExecutionSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { record: parsed.data };
    return { unusable: `${file} is not a pipeline execution record (${parsed.error.issues[0]?.message}): ignored` };
  } catch (error) {
    return { unusable: `${file} is not JSON (${(error as Error).message}): ignored` };
  }
};

/** Written whole to a temporary file first, then renamed: a reader never sees half a record. */
export const writeLastExecution = async (stateDir: string, record: LastExecution): Promise<void> => {
  const valid = LastExecutionSchema.parse(record);
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, LAST_EXECUTION_FILE);
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(temporary, file);
};

export interface CurrentSource {
  pipeline: string;
  source: Record<string, string>;
  /** Each bootstrap stack's outcome (`no-changes` when its template and parameters were already deployed). */
  bootstrap: { stackName: string; outcome: string }[];
}

/** How `pnpm start` forces an execution on an unchanged source (CodePipeline's "Release change"). */
export const RELEASE_CHANGE_OPTION = '--release-change';

/**
 * Why this run has nothing to release, or undefined when the pipeline must go on: a first run, another pipeline, a
 * different Source, a last execution that did not succeed (or never ended), or a bootstrap that changed a stack.
 */
export const unchangedSince = (last: LastExecution | undefined, current: CurrentSource): string | undefined => {
  if (!last || last.status !== 'Succeeded' || last.pipeline !== current.pipeline) return undefined;
  const names = Object.keys(current.source);
  if (names.length === 0 || names.length !== Object.keys(last.source).length) return undefined;
  if (names.some((name) => last.source[name] !== current.source[name])) return undefined;
  if (current.bootstrap.some((stack) => stack.outcome !== 'no-changes')) return undefined;
  const commit = last.commitId ? ` at ${last.commitId.slice(0, 12)}` : '';
  return (
    `nothing to release: the Source is the one of execution ${last.pipelineExecutionId}${commit}, which succeeded ` +
    `(${last.finishedAt ?? last.startedAt}), and the bootstrap changed no stack, so no pipeline execution starts, ` +
    `as none starts on AWS without a new commit; \`pnpm start -- ${RELEASE_CHANGE_OPTION}\` runs it again`
  );
};
