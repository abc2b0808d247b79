import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  LAST_EXECUTION_FILE,
  readLastExecution,
  unchangedSince,
  writeLastExecution,
  type CurrentSource,
  type LastExecution,
} from '../src';

const DIGEST = 'a'.repeat(64);
const last: LastExecution = {
  pipeline: 'glue-cd-local',
  pipelineExecutionId: 'execution-1',
  source: { SourceOutput: DIGEST },
  commitId: '0123456789abcdef0123',
  status: 'Succeeded',
  startedAt: '2026-11-27T10:00:00.000Z',
  finishedAt: '2026-11-27T10:00:30.000Z',
};
const current: CurrentSource = {
  pipeline: 'glue-cd-local',
  source: { SourceOutput: DIGEST },
  bootstrap: [
    { stackName: 'glue-cd-deploy-orchestrator-local', outcome: 'no-changes' },
    { stackName: 'glue-cd-pipeline-local', outcome: 'no-changes' },
  ],
};

describe('unchangedSince: a rerun has nothing to release only when everything is as the last execution left it', () => {
  test('the same Source after a succeeded execution, no stack changed: the reason names the execution and the way on', () => {
    expect(unchangedSince(last, current)).toBe(
      'nothing to release: the Source is the one of execution execution-1 at 0123456789ab, which succeeded ' +
        '(2026-11-27T10:00:30.000Z), and the bootstrap changed no stack, so no pipeline execution starts, as none ' +
        'starts on AWS without a new commit; `pnpm start -- --release-change` runs it again',
    );
  });

  test.each<[string, LastExecution | undefined, CurrentSource]>([
    ['a first run', undefined, current],
    ['a failed last execution', { ...last, status: 'Failed' }, current],
    ['a last execution that never ended', { ...last, status: 'InProgress' }, current],
    ['another pipeline', last, { ...current, pipeline: 'glue-cd-other' }],
    ['another Source', last, { ...current, source: { SourceOutput: 'b'.repeat(64) } }],
    ['a second Source artifact', last, { ...current, source: { ...current.source, Other: DIGEST } }],
    ['no Source digest', last, { ...current, source: {} }],
    [
      'a stack the bootstrap updated',
      last,
      {
        ...current,
        bootstrap: [...current.bootstrap, { stackName: 'glue-cd-pipeline-trigger-local', outcome: 'updated' }],
      },
    ],
    ['a stack the bootstrap created', last, { ...current, bootstrap: [{ stackName: 's', outcome: 'created' }] }],
  ])('%s: the pipeline runs', (_case, record, source) => {
    expect(unchangedSince(record, source)).toBeUndefined();
  });
});

describe('the record in the state folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-last-execution-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('none on a first run; written whole and read back; no temporary file left', async () => {
    expect(await readLastExecution(dir)).toEqual({});
    await writeLastExecution(dir, { ...last, status: 'InProgress' });
    await writeLastExecution(dir, last);
    expect(await readLastExecution(dir)).toEqual({ record: last });
    expect(await readdir(dir)).toEqual([LAST_EXECUTION_FILE]);
  });

  test.each([
    ['not JSON', '{"pipeline": ', /is not JSON \(.+\): ignored$/],
    [
      'not a record',
      JSON.stringify({ ...last, status: 'Done' }),
      /is not a pipeline execution record \(.+\): ignored$/,
    ],
    ['a digest that is no SHA-256', JSON.stringify({ ...last, source: { SourceOutput: 'x' } }), /record/],
  ])('a file that is %s is said and ignored: the pipeline runs', async (_case, text, message) => {
    await writeFile(path.join(dir, LAST_EXECUTION_FILE), text);
    const read = await readLastExecution(dir);
    expect(read.record).toBeUndefined();
    expect(read.unusable).toMatch(message);
    expect(read.unusable).toContain(path.join(dir, LAST_EXECUTION_FILE));
  });

  test('a record that is not one is refused before it is written', async () => {
    await expect(writeLastExecution(dir, { ...last, source: { SourceOutput: 'short' } })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});
