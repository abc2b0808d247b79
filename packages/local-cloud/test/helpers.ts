import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { zipSync } from 'fflate';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../src';

export const tempStateDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'local-cloud-test-'));

/**
 * Starts a local cloud on a random port and points this process's SDK clients at it through the environment only
 * (what our Lambdas and tools rely on). `restore()` puts the previous environment back.
 */
export async function startTestCloud(
  options: Partial<LocalCloudOptions> = {},
): Promise<{ cloud: LocalCloud; logs: string[]; restore: () => void }> {
  const logs: string[] = [];
  const cloud = await startLocalCloud({
    stateDir: options.stateDir ?? tempStateDir(),
    port: 0,
    log: (line) => logs.push(line),
    ...options,
  });
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(cloud.environment())) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  const restore = (): void => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  return { cloud, logs, restore };
}

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/**
 * The probe Lambda packaged the way `sls package` + serverless-esbuild do: a zip holding
 * `src/handlers/probe.js` and its source map (bundle, cjs, platform node).
 */
export function buildProbePackage(): Uint8Array {
  const result = buildSync({
    entryPoints: [path.join(__dirname, 'fixtures', 'probe-handler.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    write: false,
    outfile: 'src/handlers/probe.js',
    logLevel: 'silent',
  });
  const files: Record<string, Uint8Array> = {};
  for (const file of result.outputFiles) files[`src/handlers/${path.basename(file.path)}`] = file.contents;
  return zipSync(files);
}
