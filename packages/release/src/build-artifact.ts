import { zipSync } from 'fflate';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Files of a folder as zip entries under a prefix (posix paths, as CodeBuild writes artifacts). */
const filesUnder = async (dir: string, prefix: string): Promise<Record<string, Uint8Array>> => {
  const entries: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory()) Object.assign(entries, await filesUnder(full, `${name}/`));
    else entries[name] = new Uint8Array(await readFile(full));
  }
  return entries;
};

/**
 * The Build stage's output artifact, laid out as buildspecs/build.yml writes it:
 * `deploy/*.json` and `packaged/<stage>/glue-etl/` per application stage.
 */
export const buildOutputArtifact = async (options: {
  repoRoot: string;
  packagedGlueEtl: Record<string, string>;
}): Promise<Uint8Array> => {
  const entries: Record<string, Uint8Array> = await filesUnder(path.join(options.repoRoot, 'deploy'), 'deploy/');
  for (const [stage, dir] of Object.entries(options.packagedGlueEtl)) {
    Object.assign(entries, await filesUnder(dir, `packaged/${stage}/glue-etl/`));
  }
  return zipSync(entries, { level: 6 });
};

export { filesUnder };
