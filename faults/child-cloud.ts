// The local cloud as a separate OS process (`pnpm cloud`'s entry), for the cases that kill it for real: a `kill`
// fault of its `--faults` plan SIGKILLs that process, and a new one is started on the same state folder.
import type { FaultRule } from '@glue-cd/local-cloud';
import { connectReleaseCloud, type ReleaseTarget } from '@glue-cd/release';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/e2e/harness';

const RUN_TS = path.join(REPO_ROOT, 'scripts/run-ts.cjs');
const CLOUD_MAIN = path.join(REPO_ROOT, 'packages/release/src/cloud-main.ts');
/** Starting the child compiles the cloud's TypeScript on the fly: slow on a loaded machine. */
const START_TIMEOUT_MS = 120_000;

export interface ChildCloud {
  pid: number;
  port: number;
  target: ReleaseTarget;
  /** Settles when the process has exited, with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (the cloud ends its work and writes its state), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `pnpm cloud` on `stateDir` (port 0 picks a free one) with the fault plan `rules` written next to the state
 * folder, and connects to it with the credentials it prints, as `pnpm start --endpoint` does.
 */
export const spawnCloud = async (options: {
  stateDir: string;
  port?: number;
  rules?: FaultRule[];
}): Promise<ChildCloud> => {
  const args = [RUN_TS, CLOUD_MAIN, '--state-dir', options.stateDir, '--port', String(options.port ?? 0)];
  args.push('--wait-scale', '0.001', '--quiet');
  if (options.rules) {
    const planFile = `${options.stateDir}.faults.json`;
    writeFileSync(planFile, JSON.stringify({ rules: options.rules }, null, 2));
    args.push('--faults', planFile);
  }
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const printed = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pnpm cloud did not start within ${START_TIMEOUT_MS / 1000} s: ${stderr.slice(-500)}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('Ctrl-C stops it.')) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`pnpm cloud exited (${signal ?? code}) before it served: ${stderr.slice(-500)}`));
    });
  });
  const endpoint = /Local cloud on (http:\/\/\S+)/.exec(printed)?.[1];
  if (!endpoint || child.pid === undefined) throw new Error(`pnpm cloud printed no endpoint: ${printed.slice(0, 300)}`);
  const env = Object.fromEntries([...printed.matchAll(/export (AWS_[A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const target = await connectReleaseCloud(endpoint, env);
  return {
    pid: child.pid,
    port: Number(new URL(endpoint).port),
    target,
    exited,
    stop: async () => {
      await target.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
