import { strToU8, unzipSync, zipSync } from 'fflate';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rawZip, zerosEntry } from '../../core/test/support/zip-bomb';
import {
  ARTIFACT_UNZIPPED_LIMIT,
  ArtifactZipError,
  buildEnvironment,
  globMatcher,
  imageEnvironment,
  selectArtifactFiles,
  unzipArtifact,
  zipArtifact,
  type EnvironmentLayers,
} from '../src';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-artifacts-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const files = async (root: string, names: string[]) => {
  for (const name of names) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), `content of ${name}`);
  }
};

describe('artifact file locations', () => {
  it.each([
    ['**/*', 'a/b/c.json', true],
    ['**/*', 'top.txt', true],
    ['deploy/**/*', 'deploy/test.json', true],
    ['deploy/**/*', 'deploy/nested/x.json', true],
    ['deploy/**/*', 'deployed/test.json', false],
    ['deploy/*', 'deploy/test.json', true],
    ['deploy/*', 'deploy/nested/x.json', false],
    ['packaged/*/glue-etl/*.json', 'packaged/test/glue-etl/cloudformation-template-update-stack.json', true],
    ['report-?.xml', 'report-1.xml', true],
    ['report-?.xml', 'report-10.xml', false],
    ['./single.txt', 'single.txt', true],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (pattern, file, expected) => {
    expect(globMatcher(pattern).test(file)).toBe(expected);
  });

  const tree = ['deploy/test.json', 'deploy/prod.json', 'packaged/test/t.json', 'packaged/prod/t.json', 'README.md'];
  const select = async (set: Parameters<typeof selectArtifactFiles>[0]) =>
    (await selectArtifactFiles(set, dir)).map((entry) => [
      entry.name,
      path.relative(dir, 'file' in entry ? entry.file : ''),
    ]);

  it('selects files relative to the source, keeping their paths', async () => {
    await files(dir, tree);
    expect(await select({ files: ['deploy/**/*', 'README.md', 'missing.txt'] })).toEqual([
      ['README.md', 'README.md'],
      ['deploy/prod.json', 'deploy/prod.json'],
      ['deploy/test.json', 'deploy/test.json'],
    ]);
  });

  it('base-directory roots the locations and the paths inside the zip; exclude-paths removes matches', async () => {
    await files(dir, tree);
    expect(await select({ files: ['**/*'], 'base-directory': 'packaged', 'exclude-paths': ['prod/**/*'] })).toEqual([
      ['test/t.json', 'packaged/test/t.json'],
    ]);
  });

  it('discard-paths keeps only file names, and refuses two files that would get the same one', async () => {
    await files(dir, tree);
    expect(await select({ files: ['deploy/*'], 'discard-paths': true })).toEqual([
      ['prod.json', 'deploy/prod.json'],
      ['test.json', 'deploy/test.json'],
    ]);
    await expect(select({ files: ['packaged/**/*'], 'discard-paths': true })).rejects.toThrow(
      'discard-paths: packaged/prod/t.json and packaged/test/t.json would both be t.json in the artifact',
    );
  });

  it('fails like CodeBuild when nothing matches, or the base directory is missing', async () => {
    await files(dir, tree);
    await expect(select({ files: ['dist/**/*'] })).rejects.toThrow('no matching artifact paths found for dist/**/*');
    await expect(select({ files: ['deploy'] })).rejects.toThrow('no matching artifact paths found');
    await expect(select({ files: ['**/*'], 'base-directory': 'out' })).rejects.toThrow(
      'base-directory out does not exist',
    );
  });
});

describe('artifact zips', () => {
  it('keep executable bits and (when asked) symbolic links through a round trip', async () => {
    const source = path.join(dir, 'source');
    await files(source, ['bin/run.sh', 'data/a.txt']);
    await chmod(path.join(source, 'bin/run.sh'), 0o755);
    await symlink('../data/a.txt', path.join(source, 'bin/link'));
    const entries = ['bin/run.sh', 'data/a.txt', 'bin/link'].map((name) => ({ name, file: path.join(source, name) }));
    const zip = await zipArtifact([...entries, { name: 'edited.txt', content: new TextEncoder().encode('edit') }], {
      symlinks: true,
    });
    const target = path.join(dir, 'target');
    expect(await unzipArtifact(zip, target)).toBe(4);
    expect((await lstat(path.join(target, 'bin/run.sh'))).mode & 0o777).toBe(0o755);
    expect((await lstat(path.join(target, 'data/a.txt'))).mode & 0o777).toBe(0o644);
    expect(await readlink(path.join(target, 'bin/link'))).toBe('../data/a.txt');
    expect(await readFile(path.join(target, 'edited.txt'), 'utf8')).toBe('edit');
    // Without symlinks (CodeBuild's default), a link is stored as the file it points at.
    const followed = unzipSync(await zipArtifact([entries[2]!]));
    expect(new TextDecoder().decode(followed['bin/link'])).toBe('content of data/a.txt');
  });

  it('refuse entries that would land outside the folder, writing nothing', async () => {
    const zip = await zipArtifact([
      { name: 'fine.txt', content: new Uint8Array([1]) },
      { name: '../escape.txt', content: new Uint8Array([1]) },
    ]);
    await expect(unzipArtifact(zip, path.join(dir, 'target'))).rejects.toThrow(/points outside the folder/);
    await expect(lstat(path.join(dir, 'target'))).rejects.toThrow(/ENOENT/);
  });

  it('read zips other tools wrote (stored and deflated entries, UTF-8 names) and refuse damaged ones by name', async () => {
    const text = 'a line that repeats\n'.repeat(200);
    const foreign = zipSync({
      'stored.txt': [strToU8('short'), { level: 0 }],
      'dir/deflated.txt': [strToU8(text), { level: 9 }],
      'naïve.txt': strToU8('utf-8 name'),
    });
    const target = path.join(dir, 'foreign');
    expect(await unzipArtifact(foreign, target)).toBe(3);
    expect(await readFile(path.join(target, 'dir/deflated.txt'), 'utf8')).toBe(text);
    expect(await readFile(path.join(target, 'naïve.txt'), 'utf8')).toBe('utf-8 name');
    // One flipped byte of the entry's data (right after its local header and name).
    const damaged = Uint8Array.from(await zipArtifact([{ name: 'data.bin', content: new Uint8Array(64).fill(7) }]));
    const at = 30 + 'data.bin'.length;
    damaged[at] = damaged[at]! ^ 0xff;
    await expect(unzipArtifact(damaged, path.join(dir, 'damaged'))).rejects.toThrow(
      /^the artifact is not a readable zip: "data.bin" (fails its size or CRC-32 check|does not inflate)/,
    );
    await expect(unzipArtifact(new Uint8Array(10), path.join(dir, 'none'))).rejects.toThrow(
      'the artifact is not a readable zip: no end of central directory record',
    );
    await expect(lstat(path.join(dir, 'damaged'))).rejects.toThrow(/ENOENT/);
  });

  it('refuse a zip bomb by its size before inflating it, and write nothing', async () => {
    // 1 GiB and 1 MiB of zeros in ~1 MB: past what an artifact may expand to.
    const bomb = rawZip([zerosEntry('zeros.bin', ARTIFACT_UNZIPPED_LIMIT / 1024 ** 2 + 1)]);
    const error = await unzipArtifact(bomb, path.join(dir, 'bomb')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArtifactZipError);
    expect((error as Error).message).toBe(
      `the artifact expands to more than ${ARTIFACT_UNZIPPED_LIMIT} bytes, the most it may hold`,
    );
    await expect(lstat(path.join(dir, 'bomb'))).rejects.toThrow(/ENOENT/);
  });
});

describe('the build environment', () => {
  const layers: EnvironmentLayers = {
    image: { PATH: '/usr/bin', SHARED: 'image', HOME: '/root' },
    role: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', SHARED: 'role' },
    buildspec: { SHARED: 'buildspec', FROM_BUILDSPEC: 'b' },
    project: { SHARED: 'project', FROM_PROJECT: 'p' },
    action: { SHARED: 'action', AWS_REGION: 'eu-west-1' },
    codebuild: { CODEBUILD_SRC_DIR: '/src' },
  };

  it.each([
    ['the action (start-build override) wins over the project, the buildspec and the image', 'SHARED', 'action'],
    ['a pipeline variable may override the role’s region', 'AWS_REGION', 'eu-west-1'],
    ['buildspec variables reach the build', 'FROM_BUILDSPEC', 'b'],
    ['project variables reach the build', 'FROM_PROJECT', 'p'],
    ['CodeBuild’s own variables are set', 'CODEBUILD_SRC_DIR', '/src'],
  ])('%s', (_name, variable, value) => {
    expect(buildEnvironment(layers)[variable]).toBe(value);
  });

  it('without an action override the project wins, then the buildspec', () => {
    expect(buildEnvironment({ ...layers, action: {} }).SHARED).toBe('project');
    expect(buildEnvironment({ ...layers, action: {}, project: {} }).SHARED).toBe('buildspec');
  });

  it('refuses variables named like CodeBuild’s own', () => {
    expect(() => buildEnvironment({ ...layers, project: { CODEBUILD_SRC_DIR: '/elsewhere' } })).toThrow(
      'project variables CODEBUILD_SRC_DIR: names starting with CODEBUILD_ are reserved by CodeBuild',
    );
  });

  it('the image environment has none of the caller’s AWS identity, package-manager context or checkout binaries', () => {
    const image = imageEnvironment(
      {
        PATH: ['/work/repo/node_modules/.bin', '/elsewhere/node_modules/.bin', '/usr/local/bin', '/usr/bin'].join(':'),
        AWS_PROFILE: 'prod',
        AWS_ACCESS_KEY_ID: 'AKIA…',
        npm_lifecycle_event: 'start',
        INIT_CWD: '/work/repo',
        LANG: 'C.UTF-8',
      },
      '/work/repo',
    );
    expect(image).toEqual({ PATH: '/usr/local/bin:/usr/bin', LANG: 'C.UTF-8' });
  });
});
