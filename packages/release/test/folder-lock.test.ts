import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withFolderLock } from '../src/package-services';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('runs one holder at a time and releases the lock afterwards', async () => {
  const lock = path.join(dir, 'lock');
  const events: string[] = [];
  const holder = (name: string) =>
    withFolderLock(lock, async () => {
      events.push(`${name} in`);
      await sleep(150);
      events.push(`${name} out`);
    });
  await Promise.all([holder('a'), holder('b')]);
  expect(events).toHaveLength(4);
  expect(events[1]).toBe(`${events[0]!.split(' ')[0]} out`);
  expect(existsSync(lock)).toBe(false);
});

test('releases the lock when the work throws', async () => {
  const lock = path.join(dir, 'lock');
  await expect(withFolderLock(lock, async () => Promise.reject(new Error('sls failed')))).rejects.toThrow('sls failed');
  expect(existsSync(lock)).toBe(false);
});

test('takes over a lock whose owner process is gone (a packaging killed midway)', async () => {
  const lock = path.join(dir, 'lock');
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  await mkdir(lock);
  await writeFile(path.join(lock, 'owner.pid'), gone.stdout);
  const started = Date.now();
  await expect(withFolderLock(lock, async () => 'ran')).resolves.toBe('ran');
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('waits for a lock whose owner is alive', async () => {
  const lock = path.join(dir, 'lock');
  await mkdir(lock);
  await writeFile(path.join(lock, 'owner.pid'), String(process.pid));
  const waiting = withFolderLock(lock, async () => 'ran');
  await sleep(300);
  expect(existsSync(lock)).toBe(true);
  await rm(lock, { recursive: true, force: true }); // the owner finishes
  await expect(waiting).resolves.toBe('ran');
});
