// A packaging is "underway" once it needs no more of the caller's event loop to get going (sls started, a cache hit,
// the same packaging in flight, another packaging's folder lock waited for, or a failure): the release loads its
// own modules (a second that blocks the event loop) only once every packaging is. A stand-in `sls` records that it
// started and holds until <root>/go exists, so "underway" can be observed while sls still runs.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../../../test/support/eventually';
import { PackageCache } from '../src/package-cache';
import { packageService, type PackageServiceOptions, PackagingError } from '../src/package-services';
import { startReleasePackagings } from '../src/release-packagings';

let root: string;
let repo: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'glue-cd-package-underway-'));
  repo = path.join(root, 'repo');
  await mkdir(path.join(repo, 'node_modules', '.bin'), { recursive: true });
  for (const service of ['services/app', 'services/deploy-orchestrator', 'services/pipeline-trigger', 'services/etl'])
    await mkdir(path.join(repo, service), { recursive: true });
  for (const service of [
    '.',
    'services/app',
    'services/deploy-orchestrator',
    'services/pipeline-trigger',
    'services/etl',
  ])
    await writeFile(
      path.join(repo, service, 'serverless.yml'),
      `service: ${path.basename(path.resolve(repo, service))}\n`,
    );
  await mkdir(path.join(repo, 'buildspecs'));
  await writeFile(
    path.join(repo, 'buildspecs', 'build.yml'),
    'version: 0.2\nphases:\n  build:\n    commands:\n      - node scripts/package-stages.js services/etl test prod\n',
  );
  // `sls package --stage <stage> --package <dir>`: records "<service> <stage>" as it starts, holds until <root>/go
  // (or until the test's folder is gone: a failed test leaves none running), then fails for the stage `broken` and packages any other.
  const sls = path.join(repo, 'node_modules', '.bin', 'sls');
  await writeFile(
    sls,
    [
      '#!/bin/sh',
      `echo "$(basename "$PWD") $3" >> "${root}/started"`,
      `while [ ! -e "${root}/go" ] && [ -d "${root}" ]; do sleep 0.02; done`,
      '[ "$3" = broken ] && { echo "cannot package"; exit 1; }',
      `printf '{"Resources":{}}' > "$5/cloudformation-template-update-stack.json"`,
      '',
    ].join('\n'),
  );
  await chmod(sls, 0o755);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const started = async (): Promise<string[]> =>
  (await readFile(path.join(root, 'started'), 'utf8').catch(() => '')).split('\n').filter(Boolean).sort();

/** Resolves once `check` holds (polled by eventually), or fails after 10 s naming what was awaited. */
const until = (what: string, check: () => boolean | Promise<boolean>) =>
  eventually(async () => ((await check()) ? true : undefined), what, 10_000);

/** A packaging of services/app with a count of its onUnderway calls and whether it has settled. */
const observed = (options: Partial<PackageServiceOptions> = {}) => {
  const seen = { underway: 0, settled: false };
  const done = packageService({
    repoRoot: repo,
    serviceDir: 'services/app',
    stage: 'test',
    outDir: path.join(root, `out-${Math.random().toString(36).slice(2)}`),
    cache: false,
    onUnderway: () => (seen.underway += 1),
    ...options,
  }).finally(() => (seen.settled = true));
  done.catch(() => undefined);
  return { seen, done };
};

const go = () => writeFile(path.join(root, 'go'), '');

test('underway once sls has started, long before it ends; called once', async () => {
  const { seen, done } = observed();
  await until('the packaging to be underway', () => seen.underway > 0);
  expect(seen.settled).toBe(false);
  await until('sls to start', async () => (await started()).length > 0);
  await go();
  await done;
  expect(await started()).toEqual(['app test']);
  expect(seen.underway).toBe(1);
});

test('a cache hit and a packaging already in flight are underway without running sls again', async () => {
  const cache = new PackageCache(path.join(root, 'cache'));
  const first = observed({ cache });
  await until('the first packaging to be underway', () => first.seen.underway > 0);
  // The same key while the first still runs: it joins it, underway at once.
  const joined = observed({ cache });
  await until('the joined packaging to be underway', () => joined.seen.underway > 0);
  expect(first.seen.settled || joined.seen.settled).toBe(false);
  await go();
  await Promise.all([first.done, joined.done]);
  // From the cache.
  const hit = observed({ cache });
  expect((await hit.done).cached).toBe(true);
  expect([first.seen.underway, joined.seen.underway, hit.seen.underway]).toEqual([1, 1, 1]);
  expect(await started()).toEqual(['app test']);
});

test('waiting for another packaging of the same folder is underway; so is a failure', async () => {
  const holder = observed({ stage: 'test' });
  await until('the first packaging to start sls', async () => (await started()).length === 1);
  const waiting = observed({ stage: 'broken' });
  await until('the second packaging to be underway', () => waiting.seen.underway > 0);
  expect(await started()).toEqual(['app test']); // still waiting for the folder's lock
  await go();
  await holder.done;
  await expect(waiting.done).rejects.toThrow(PackagingError);
  expect(waiting.seen.underway).toBe(1);
  expect(await started()).toEqual(['app broken', 'app test']);
});

test('a release’s packagings are all underway, those started ahead for the Build included, while their sls still run', async () => {
  const previous = process.env.GLUE_CD_CACHE_DIR;
  process.env.GLUE_CD_CACHE_DIR = path.join(root, 'cache');
  try {
    const packagings = startReleasePackagings({ repoRoot: repo, stateDir: path.join(root, 'state') });
    let underway = false;
    void packagings.underway.then(() => (underway = true));
    await until('every packaging to be underway', () => underway);
    // The pipeline, both delivery services and one of the Build's two stages have started sls (each records it
    // a moment later, from its shell); the other stage waits for the folder lock of services/etl.
    await until('four sls to record their start', async () => (await started()).length === 4);
    const running = await started();
    expect(running).toEqual(
      expect.arrayContaining(['deploy-orchestrator local', 'pipeline-trigger local', 'repo local']),
    );
    expect(running.filter((line) => line.startsWith('etl '))).toHaveLength(1);
    expect(existsSync(path.join(root, 'go'))).toBe(false);
    await go();
    const ahead = await packagings.ahead;
    await Promise.all([packagings.pipeline, ...packagings.delivery.values(), ...ahead.map((a) => a.done)]);
    expect(await started()).toEqual([
      'deploy-orchestrator local',
      'etl prod',
      'etl test',
      'pipeline-trigger local',
      'repo local',
    ]);
  } finally {
    if (previous === undefined) delete process.env.GLUE_CD_CACHE_DIR;
    else process.env.GLUE_CD_CACHE_DIR = previous;
  }
});
