// The `pnpm install --frozen-lockfile` stand-in (codebuild/stand-ins.ts): the real pnpm checks the source's lockfile
// offline before anything is linked, so an out-of-date lockfile fails the build as the real install would.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCKFILE_CHECK, linkedInstall, linkNodeModules, PackageCache, type StandInContext } from '../src';

jest.setTimeout(120_000);

const LOCKFILE = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .: {}
`;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-install-stand-in-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A source folder with `dependencies` in its package.json and a lockfile with none, and a checkout installed from it. */
const arrange = async (dependencies: Record<string, string>, build = 'build') => {
  const source = path.join(root, build, 'src');
  const checkout = path.join(root, build, 'checkout');
  await mkdir(path.join(checkout, 'node_modules', '.pnpm'), { recursive: true });
  await mkdir(source, { recursive: true });
  await writeFile(path.join(source, 'package.json'), JSON.stringify({ name: 'probe', private: true, dependencies }));
  await writeFile(path.join(source, 'pnpm-lock.yaml'), LOCKFILE);
  await writeFile(path.join(checkout, 'node_modules', '.pnpm', 'lock.yaml'), LOCKFILE);
  const commands: string[] = [];
  const context: StandInContext = {
    command: 'pnpm install --frozen-lockfile',
    sourceDir: source,
    cwd: source,
    checkout,
    run: (command) => {
      commands.push(command);
      return new Promise((resolve) =>
        execFile(
          'bash',
          ['-c', command],
          { cwd: source, env: { ...process.env, CI: 'true' } },
          (error, stdout, stderr) =>
            resolve({
              exitCode: error ? Number(error.code ?? 1) : 0,
              output: `${stdout}${stderr}`,
              shellExited: false,
            }),
        ),
      );
    },
    variables: async () => ({}),
  };
  return { source, context, commands };
};

test('an out-of-date lockfile fails the install as pnpm install --frozen-lockfile would, and nothing is linked', async () => {
  const { source, context, commands } = await arrange({ 'left-pad': '1.3.0' });

  const decision = await linkedInstall(new PackageCache(path.join(root, 'cache')), () => 'test')(context);

  expect(commands).toEqual([LOCKFILE_CHECK]);
  expect(decision).toMatchObject({ action: 'fail', detail: expect.stringContaining(`${LOCKFILE_CHECK} failed`) });
  expect(decision.action === 'fail' && decision.exitCode).not.toBe(0);
  expect(decision.action === 'fail' && decision.output).toMatch(/lockfile|ERR_PNPM_OUTDATED_LOCKFILE/i);
  await expect(readFile(path.join(source, 'node_modules', '.modules.yaml'))).rejects.toThrow();
});

test('a lockfile that matches passes the check, once per content: a second build reuses the pass', async () => {
  const cache = new PackageCache(path.join(root, 'cache'));
  const firstBuild = await arrange({}, 'first');
  const secondBuild = await arrange({}, 'second');

  const first = await linkedInstall(cache, () => 'test')(firstBuild.context);
  const second = await linkedInstall(cache, () => 'test')(secondBuild.context);

  expect(first).toMatchObject({ action: 'skip', detail: expect.stringContaining(`${LOCKFILE_CHECK} → exit 0`) });
  expect(firstBuild.commands).toEqual([LOCKFILE_CHECK]);
  expect(second).toMatchObject({ action: 'skip', detail: expect.stringContaining('passed before') });
  expect(secondBuild.commands).toEqual([]);
});

test('a checkout installed from another lockfile makes the stand-in run the real install', async () => {
  const { context, commands } = await arrange({});
  await writeFile(path.join(context.checkout!, 'node_modules', '.pnpm', 'lock.yaml'), `${LOCKFILE}# other\n`);

  const decision = await linkedInstall(new PackageCache(path.join(root, 'cache')), () => 'test')(context);

  expect(decision).toMatchObject({ action: 'run', detail: expect.stringContaining('installed for real') });
  expect(commands).toEqual([]);
});

test('a source whose node_modules links elsewhere (a linked checkout) is refused: no link is written into that tree', async () => {
  const { source, context } = await arrange({});
  const elsewhere = path.join(root, 'elsewhere-node_modules');
  await mkdir(path.join(elsewhere, 'kept'), { recursive: true });
  await symlink(elsewhere, path.join(source, 'node_modules'));
  await mkdir(path.join(context.checkout!, 'node_modules', 'left-pad'), { recursive: true });

  await expect(linkNodeModules(context.checkout!, source)).rejects.toThrow(
    `linked install: ${path.join(source, 'node_modules')} leads outside the source folder ${source}`,
  );
  expect((await readdir(elsewhere)).sort()).toEqual(['kept']);
});
