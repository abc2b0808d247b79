// A background packaging (work off the release's critical path) runs sls at a lower CPU priority, and a normal one
// at the caller's: observed from inside the packaging, through a stand-in `sls` that reports its own niceness.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { BACKGROUND_NICENESS, packageService } from '../src/package-services';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'glue-cd-package-priority-'));
  await mkdir(path.join(root, 'node_modules', '.bin'), { recursive: true });
  await mkdir(path.join(root, 'service'));
  // `sls package --stage <stage> --package <dir>`: a minimal package, and the niceness sls ran at.
  const sls = path.join(root, 'node_modules', '.bin', 'sls');
  await writeFile(
    sls,
    [
      '#!/bin/sh',
      `printf '{"Resources":{}}' > "$5/cloudformation-template-update-stack.json"`,
      `echo "niceness $(ps -o ni= -p $$ | tr -d ' ')"`,
      '',
    ].join('\n'),
  );
  await chmod(sls, 0o755);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const niceness = async (background: boolean): Promise<number> => {
  const packaged = await packageService({
    repoRoot: root,
    serviceDir: 'service',
    stage: 'local',
    outDir: path.join(root, 'out'),
    cache: false,
    ...(background ? { background } : {}),
  });
  expect(packaged.template).toEqual({ Resources: {} });
  const match = /niceness (-?\d+)/.exec(packaged.output);
  if (!match) throw new Error(`the stand-in sls printed no niceness: ${packaged.output}`);
  return Number(match[1]);
};

test('a background packaging runs sls BACKGROUND_NICENESS lower than the caller', async () => {
  expect(await niceness(true)).toBe(Math.min(getPriority() + BACKGROUND_NICENESS, 19));
});

test('a normal packaging runs sls at the caller’s priority', async () => {
  expect(await niceness(false)).toBe(getPriority());
});
