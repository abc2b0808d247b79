// The one folder lock of the project: a directory that holds its owner (pid, host, token), claimed in one rename.
// The local cloud holds one on its state folder for its whole life; the release packages each service under one.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

/** Who holds a folder lock: written into the lock directory before it appears under its name. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Unique per lock taken: names this instance of the lock (a takeover proves it removes this one). */
  token: string;
  acquiredAt: string;
}

export class FolderLockError extends Error {
  override name = 'FolderLockError';
}

export interface FolderLockOptions {
  /** How long to wait for a holder that is alive (default 15 minutes; 0 refuses at once). */
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** What holds such a lock, for the error about an unreadable one (default "a glue-cd process"). */
  what?: string;
  /** Called once, when the lock is first found held by a live holder: the wait begins. */
  onWait?: () => void;
}

const OWNER_FILE = 'owner.json';
const DEFAULT_LOCK_TIMEOUT_MS = 15 * 60_000;

const isErrno = (error: unknown, ...codes: string[]): boolean =>
  codes.includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

const readOwner = async (dir: string): Promise<LockOwner | 'gone' | 'unreadable'> => {
  // A lock instance is never without its owner file; a miss while the folder exists is a swap between two reads
  // (one instance released, the next claimed), unless it repeats.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')) as Partial<LockOwner>;
      const valid =
        Number.isInteger(owner.pid) && typeof owner.host === 'string' && typeof owner.token === 'string' && owner.token;
      return valid ? (owner as LockOwner) : 'unreadable';
    } catch (error) {
      if (error instanceof SyntaxError) return 'unreadable';
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
      if (!existsSync(dir)) return 'gone';
      if (attempt === 3) return 'unreadable';
    }
  }
};

/** Gone for sure: a process of this host that no longer exists. A holder on another host may be alive. */
const ownerIsGone = (owner: LockOwner): boolean => {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return isErrno(error, 'ESRCH');
  }
};

const newOwner = (): LockOwner => ({
  pid: process.pid,
  host: hostname(),
  token: randomUUID(),
  acquiredAt: new Date().toISOString(),
});

/**
 * Creates `target` as a directory that already holds its owner file, in one rename: nobody ever sees a lock without
 * its owner. False when `target` exists; for a takeover guard also when its lock instance was just removed.
 */
const claim = async (target: string, owner: LockOwner, { guard = false } = {}): Promise<boolean> => {
  const prepared = `${target}.${owner.token}.claim`;
  try {
    await mkdir(prepared, { mode: 0o700 });
    await writeFile(path.join(prepared, OWNER_FILE), JSON.stringify(owner), { mode: 0o600 });
    await rename(prepared, target);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST', 'ENOTEMPTY') || (guard && isErrno(error, 'ENOENT'))) return false;
    throw error;
  } finally {
    await rm(prepared, { recursive: true, force: true });
  }
};

/** Removes a lock instance by renaming it aside first, so the name is free at once and never half-deleted. */
const discard = async (dir: string, token: string): Promise<void> => {
  const aside = `${dir}.${token}.released`;
  try {
    await rename(dir, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
};

/**
 * Takes over the lock instance `stale` (its owner is gone). Waiters race here: the one that claims
 * `<lock>/takeover-<token>` inside that very instance removes it; the claim is checked against the instance's token, so
 * a waiter can never remove a lock that another waiter took meanwhile. A takeover whose waiter died is taken over too.
 */
const takeOver = async (lockDir: string, stale: LockOwner): Promise<void> => {
  const guard = path.join(lockDir, `takeover-${stale.token}`);
  const me = newOwner();
  if (!(await claim(guard, me, { guard: true }))) {
    const other = await readOwner(guard);
    if (typeof other === 'object' && ownerIsGone(other)) await takeOver(guard, other);
    return;
  }
  // Tokens are unique and a lock instance never comes back: the same token means our guard is inside `stale`.
  const current = await readOwner(lockDir);
  if (typeof current === 'object' && current.token === stale.token) await discard(lockDir, me.token);
};

/** A held folder lock; `release()` is idempotent. */
export interface HeldFolderLock {
  owner: LockOwner;
  release(): Promise<void>;
}

/**
 * Takes the lock at `lockDir`: waits while a live holder has it (up to `timeoutMs`, then fails naming the holder),
 * and takes it over atomically from a holder that is gone (a process killed midway).
 */
export const acquireFolderLock = async (lockDir: string, options: FolderLockOptions = {}): Promise<HeldFolderLock> => {
  const { timeoutMs = DEFAULT_LOCK_TIMEOUT_MS, pollIntervalMs = 100, what = 'a glue-cd process' } = options;
  const deadline = Date.now() + timeoutMs;
  const me = newOwner();
  let waiting = false;
  for (;;) {
    if (await claim(lockDir, me)) break;
    const holder = await readOwner(lockDir);
    if (holder === 'gone') continue;
    if (holder === 'unreadable') {
      throw new FolderLockError(
        `${lockDir} is held but has no readable ${OWNER_FILE} (left by an older glue-cd?): remove it if no ${what} runs there`,
      );
    }
    if (ownerIsGone(holder)) {
      await takeOver(lockDir, holder);
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.();
    }
    if (Date.now() >= deadline) {
      throw new FolderLockError(
        timeoutMs === 0
          ? `${lockDir} is held by process ${holder.pid} on ${holder.host} (since ${holder.acquiredAt})`
          : `${lockDir} is still held by process ${holder.pid} on ${holder.host} (since ${holder.acquiredAt}) after ${timeoutMs} ms of waiting`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  let released: Promise<void> | undefined;
  return { owner: me, release: () => (released ??= discard(lockDir, me.token)) };
};

/** Runs `work` under the lock at `lockDir` (see acquireFolderLock), releasing it however `work` ends. */
export const withFolderLock = async <T>(
  lockDir: string,
  work: () => Promise<T>,
  options: FolderLockOptions = {},
): Promise<T> => {
  const lock = await acquireFolderLock(lockDir, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
};
