import { buildSync } from 'esbuild';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FolderLockError, withFolderLock, type LockOwner } from '../src/package-services';

// The lock is taken by separate processes here, as jest workers and a release beside the tests take it.
let dir: string;
let holderScript: string;
beforeAll(async () => {
  holderScript = path.join(await mkdtemp(path.join(os.tmpdir(), 'glue-cd-lock-holder-')), 'lock-holder.js');
  buildSync({
    entryPoints: [path.join(__dirname, 'support/lock-holder.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: holderScript,
    logLevel: 'error',
  });
});
afterAll(async () => rm(path.dirname(holderScript), { recursive: true, force: true }));
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

interface Holder {
  child: ChildProcess;
  /** Resolves when the child printed `line`. */
  printed(line: string): Promise<void>;
  send(line: string): void;
  exited: Promise<number | null>;
}

const startHolder = (lockDir: string, logFile: string, mode: 'work' | 'hold' = 'work'): Holder => {
  const child = spawn(process.execPath, [holderScript, lockDir, logFile, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  const seen: string[] = [];
  const waiting: { line: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    seen.push(line);
    for (const waiter of waiting.filter((w) => w.line === line)) waiter.resolve();
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`lock holder ${child.pid} exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  return {
    child,
    printed: (line) =>
      seen.includes(line) ? Promise.resolve() : new Promise((resolve) => waiting.push({ line, resolve })),
    send: (line) => child.stdin!.write(`${line}\n`),
    exited,
  };
};

/** A pid no process of this host has any more. */
const goneProcessId = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

/** A lock directory as a holder leaves it, with the owner given. */
const leaveLock = async (lockDir: string, owner: Partial<LockOwner>) => {
  await mkdir(lockDir);
  const full: LockOwner = {
    pid: goneProcessId(),
    host: os.hostname(),
    token: `token-${Math.random().toString(36).slice(2)}`,
    acquiredAt: new Date(0).toISOString(),
    ...owner,
  };
  await writeFile(path.join(lockDir, 'owner.json'), JSON.stringify(full));
  return full;
};

const logLines = async (logFile: string) =>
  (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0);

test('runs one holder at a time and releases the lock afterwards', async () => {
  const lock = path.join(dir, 'lock');
  const events: string[] = [];
  const holder = (name: string) =>
    withFolderLock(
      lock,
      async () => {
        events.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push(`${name} out`);
      },
      { pollIntervalMs: 5 },
    );
  await Promise.all([holder('a'), holder('b')]);
  expect([
    ['a in', 'a out', 'b in', 'b out'],
    ['b in', 'b out', 'a in', 'a out'],
  ]).toContainEqual(events);
  expect(existsSync(lock)).toBe(false);
});

test('releases the lock when the work throws', async () => {
  const lock = path.join(dir, 'lock');
  await expect(withFolderLock(lock, async () => Promise.reject(new Error('sls failed')))).rejects.toThrow('sls failed');
  expect(existsSync(lock)).toBe(false);
});

test('takes over a lock whose owner process is gone (a packaging killed midway)', async () => {
  const lock = path.join(dir, 'lock');
  await leaveLock(lock, {});
  await expect(withFolderLock(lock, async () => 'ran', { timeoutMs: 30_000 })).resolves.toBe('ran');
  expect(existsSync(lock)).toBe(false);
});

test('takes over a takeover left by a waiter that died in it', async () => {
  const lock = path.join(dir, 'lock');
  const stale = await leaveLock(lock, {});
  await leaveLock(path.join(lock, `takeover-${stale.token}`), {});
  await expect(withFolderLock(lock, async () => 'ran', { timeoutMs: 30_000 })).resolves.toBe('ran');
});

test('never takes over a lock held on another host: gives up after the timeout, naming the holder', async () => {
  const lock = path.join(dir, 'lock');
  const owner = await leaveLock(lock, { host: 'build-host-2' });
  await expect(withFolderLock(lock, async () => 'ran', { timeoutMs: 200, pollIntervalMs: 10 })).rejects.toThrow(
    new FolderLockError(
      `${lock} is still held by process ${owner.pid} on build-host-2 (since 1970-01-01T00:00:00.000Z) after 200 ms of waiting`,
    ),
  );
  expect(JSON.parse(await readFile(path.join(lock, 'owner.json'), 'utf8'))).toEqual(owner);
});

test('a lock without a readable owner is an error naming it, not a takeover', async () => {
  const lock = path.join(dir, 'lock');
  await mkdir(lock);
  await writeFile(path.join(lock, 'owner.pid'), '12345');
  await expect(withFolderLock(lock, async () => 'ran')).rejects.toThrow(
    new FolderLockError(
      `${lock} is held but has no readable owner.json (left by an older glue-cd?): remove it if no sls package runs there`,
    ),
  );
  expect(existsSync(path.join(lock, 'owner.pid'))).toBe(true);
});

test('a holder that is alive keeps its lock however old it is; the waiter gets it once released', async () => {
  const lock = path.join(dir, 'lock');
  const log = path.join(dir, 'log');
  const holder = startHolder(lock, log, 'hold');
  await holder.printed('ready');
  holder.send('go');
  await holder.printed('acquired');
  const owner = JSON.parse(await readFile(path.join(lock, 'owner.json'), 'utf8')) as LockOwner;
  expect(owner).toMatchObject({ pid: holder.child.pid, host: os.hostname() });
  // Held for an hour, as far as the file system tells.
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await utimes(lock, anHourAgo, anHourAgo);

  await expect(withFolderLock(lock, async () => 'ran', { timeoutMs: 300, pollIntervalMs: 10 })).rejects.toThrow(
    FolderLockError,
  );
  expect(JSON.parse(await readFile(path.join(lock, 'owner.json'), 'utf8'))).toEqual(owner);

  const waiter = withFolderLock(lock, async () => logLines(log), { timeoutMs: 60_000, pollIntervalMs: 10 });
  holder.send('release');
  const seenByWaiter = await waiter;
  expect(await holder.exited).toBe(0);
  expect(seenByWaiter).toEqual([`in ${holder.child.pid}`, `out ${holder.child.pid}`]);
  expect(existsSync(lock)).toBe(false);
});

test('waiters racing for a lock whose owner is gone: exactly one holds it at a time, each gets it once', async () => {
  const lock = path.join(dir, 'lock');
  const log = path.join(dir, 'log');
  for (let round = 0; round < 3; round += 1) {
    await leaveLock(lock, {});
    const holders = Array.from({ length: 4 }, () => startHolder(lock, log));
    await Promise.all(holders.map((holder) => holder.printed('ready')));
    for (const holder of holders) holder.send('go');
    expect(await Promise.all(holders.map((holder) => holder.exited))).toEqual([0, 0, 0, 0]);
    expect(existsSync(lock)).toBe(false);
  }
  const lines = await logLines(log);
  expect(lines.filter((line) => line.startsWith('overlap'))).toEqual([]);
  // in/out strictly alternate, by the same process.
  const pairs = lines.map((line) => line.split(' '));
  expect(pairs).toHaveLength(24);
  for (let index = 0; index < pairs.length; index += 2) {
    expect([pairs[index]?.[0], pairs[index + 1]?.[0], pairs[index + 1]?.[1]]).toEqual(['in', 'out', pairs[index]?.[1]]);
  }
  expect(new Set(pairs.map(([, pid]) => pid)).size).toBe(12);
});
