// jest setupFilesAfterEnv, when GLUE_CD_TEST_TIMINGS is set: the CPU seconds each test file's worker and the
// processes it waited for (the local cloud's Lambda runtimes, sls, the CLIs) spent on it, for timings-reporter.cjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { procCpuSeconds } from '../../scripts/proc-cpu';
import { TEST_RUN_DIR } from './run-dir';

/** This process's and its reaped children's user + system CPU seconds (Linux; elsewhere this process's only). */
const cpuSeconds = (): number => {
  const cpu = procCpuSeconds();
  if (cpu) return cpu.self + cpu.children;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const runDir = process.env[TEST_RUN_DIR];
const testPath = expect.getState().testPath;
if (process.env.GLUE_CD_TEST_TIMINGS && runDir && testPath) {
  // Taken as the file starts, before it imports anything (loading the SDK is part of what a file costs).
  const began = cpuSeconds();
  afterAll(() => {
    const dir = path.join(runDir, 'cpu');
    mkdirSync(dir, { recursive: true });
    const cpu = Math.round((cpuSeconds() - began) * 10) / 10;
    writeFileSync(
      path.join(dir, `${path.basename(testPath)}-${process.pid}-${Date.now()}.json`),
      JSON.stringify({ testPath, cpu }),
    );
  });
}
