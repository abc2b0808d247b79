import { mkdtemp, rm } from 'node:fs/promises';
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
