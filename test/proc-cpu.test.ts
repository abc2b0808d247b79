// scripts/proc-cpu.ts: the CPU seconds the bench and the test timings read from /proc/self/stat (CI and the bench
// machines run Linux).
import { spawnSync } from 'node:child_process';
import { procCpuSeconds } from '../scripts/proc-cpu';

test("counts this process's CPU time and, once reaped, a child's", () => {
  const before = procCpuSeconds();

  // A fixed amount of work, not a fixed time: CPU seconds, whatever else the machine runs.
  spawnSync(process.execPath, ['-e', 'let x = 0; for (let i = 0; i < 3e8; i += 1) x ^= i; process.exit(x & 0)']);
  const after = procCpuSeconds();

  expect(before).toBeDefined();
  expect(after!.self).toBeGreaterThan(0);
  expect(after!.self).toBeGreaterThanOrEqual(before!.self);
  expect(after!.children - before!.children).toBeGreaterThan(0.05);
});
