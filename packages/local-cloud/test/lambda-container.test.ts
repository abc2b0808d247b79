import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FunctionContainer } from '../src/lambda/container';

// A killed execution environment is out of service from the kill on, not from when the kernel has reaped it: the
// pool parks containers by `alive`, and the next invocation must not be handed one that is about to die.
test('a killed container is no longer alive, before its process has gone', async () => {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-container-'));
  const container = new FunctionContainer({ cwd, env: { PATH: process.env.PATH ?? '' }, onLog: () => undefined });
  try {
    expect(container.alive).toBe(true);

    container.kill();

    expect(container.alive).toBe(false);
  } finally {
    container.kill();
    await rm(cwd, { recursive: true, force: true });
  }
});

// Lambda kills a function the moment it passes its MemorySize; the local container reads the process's resident memory
// every few ms while it runs, and its peak (Linux's VmHWM) when it answers, so a spike between two reads still counts.
(existsSync('/proc/self/status') ? test : test.skip)(
  'an answer given after a peak past the MemorySize is out of memory, and the process is killed',
  async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-container-'));
    await writeFile(
      path.join(cwd, 'index.js'),
      'exports.handler = async (event) => Buffer.alloc(event.mb * 1024 * 1024, 1).length;\n',
    );
    // No sample during the invocation: only the peak read at the answer can see it.
    const container = new FunctionContainer({
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      onLog: () => undefined,
      memorySizeMb: 128,
      memorySampleMs: 600_000,
    });
    const invoke = (requestId: string, mb: number) =>
      container.invoke(
        {
          requestId,
          taskRoot: cwd,
          handler: 'index.handler',
          eventJson: JSON.stringify({ mb }),
          deadlineMs: Date.now() + 30_000,
          context: { functionName: 'spike', awsRequestId: requestId },
        },
        30_000,
      );
    try {
      const within = await invoke('within', 4);
      const spike = await invoke('spike', 160);

      expect(within).toMatchObject({ kind: 'answered', ok: true, payload: String(4 * 1024 * 1024) });
      expect(within.maxMemoryUsedMb).toBeLessThan(128);
      expect(spike).toMatchObject({ kind: 'exited', signal: 'SIGKILL', outOfMemory: true });
      expect(spike.maxMemoryUsedMb).toBeGreaterThan(128);
      expect(container.alive).toBe(false);
    } finally {
      container.kill();
      await rm(cwd, { recursive: true, force: true });
    }
  },
);
