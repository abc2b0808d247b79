// A separate process taking a folder lock (bundled by folder-lock.test.ts). Lines on stdin drive it: `go` to start
// waiting for the lock, `release` to end the work (mode hold). It logs `in`/`out` and flags overlapping holders.
import { appendFileSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { withFolderLock } from '../../src/package-services';

const [lockDir, logFile, mode = 'work'] = process.argv.slice(2);
if (!lockDir || !logFile) throw new Error('usage: lock-holder <lockDir> <logFile> [work|hold]');
const log = (line: string) => appendFileSync(logFile, `${line} ${process.pid}\n`);
const lines = createInterface({ input: process.stdin });
const nextLine = (expected: string) =>
  new Promise<void>((resolve) => {
    const listener = (line: string) => {
      if (line.trim() !== expected) return;
      lines.off('line', listener);
      resolve();
    };
    lines.on('line', listener);
  });

const main = async () => {
  process.stdout.write('ready\n');
  await nextLine('go');
  await withFolderLock(
    lockDir,
    async () => {
      // Exclusive create: a second holder inside at the same time finds the marker.
      const marker = `${lockDir}.inside`;
      let fd: number | undefined;
      try {
        fd = openSync(marker, 'wx');
      } catch {
        log('overlap');
      }
      log('in');
      process.stdout.write('acquired\n');
      if (mode === 'hold') await nextLine('release');
      else await new Promise((resolve) => setTimeout(resolve, 20));
      log('out');
      if (fd !== undefined) {
        closeSync(fd);
        unlinkSync(marker);
      }
    },
    { timeoutMs: 120_000, pollIntervalMs: 5 },
  );
  lines.close();
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
