import { spawnSync } from 'node:child_process';
import path from 'node:path';

// config/esbuild-plugins.cjs sets the Go collector of the esbuild process its builds start: off until a 1 GiB heap,
// unless the caller chose a setting of their own.

const PLUGINS = path.resolve(__dirname, '../config/esbuild-plugins.cjs');

/** GOGC and GOMEMLIMIT as a process sees them once it has loaded the plugins (what esbuild's service inherits). */
const goSettingsAfterLoad = (env: Record<string, string>) => {
  const { GOGC: _gogc, GOMEMLIMIT: _limit, ...inherited } = process.env;
  const result = spawnSync(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(PLUGINS)}); process.stdout.write(JSON.stringify({ GOGC: process.env.GOGC ?? null, GOMEMLIMIT: process.env.GOMEMLIMIT ?? null }))`,
    ],
    {
      env: { ...inherited, ...env },
      encoding: 'utf8',
      cwd: path.resolve(__dirname, '../services/deploy-orchestrator'),
    },
  );
  if (result.status !== 0) throw new Error(`node exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as { GOGC: string | null; GOMEMLIMIT: string | null };
};

test('with neither set, the collector is off until the heap reaches 1 GiB', () => {
  expect(goSettingsAfterLoad({})).toEqual({ GOGC: 'off', GOMEMLIMIT: '1GiB' });
});

test("the caller's own setting of either is kept, and nothing is added to it", () => {
  expect(goSettingsAfterLoad({ GOGC: '50' })).toEqual({ GOGC: '50', GOMEMLIMIT: null });
  expect(goSettingsAfterLoad({ GOMEMLIMIT: '300MiB' })).toEqual({ GOGC: null, GOMEMLIMIT: '300MiB' });
});
