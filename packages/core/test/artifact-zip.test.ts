import { strToU8, zipSync } from 'fflate';
import {
  CLOUDFORMATION_TEMPLATE_LIMIT,
  ConfigurationError,
  DEPLOY_INPUT_FILE_LIMIT,
  normaliseZipPath,
  readZipEntry,
  readZipFiles,
} from '../src';
import { rawZip, textEntry, zerosEntry } from './support/zip-bomb';

const options = { describeZip: 'input artifact BuildOutput (s3://b/k.zip)', maxBytes: DEPLOY_INPUT_FILE_LIMIT };
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('readZipEntry', () => {
  test('reads a deflated and a stored entry, with ./ and / prefixes normalised', () => {
    const zip = zipSync({ 'deploy/test.json': strToU8('{"a":1}'), 'README.md': [strToU8('# hi'), { level: 0 }] });
    expect(text(readZipEntry(zip, './deploy/test.json', options))).toBe('{"a":1}');
    expect(text(readZipEntry(zip, '/README.md', options))).toBe('# hi');
    expect(normaliseZipPath('.\\deploy\\x.json')).toBe('deploy/x.json');
  });

  test('a missing entry names the path and what the zip holds', () => {
    const zip = zipSync({ 'deploy/prod.json': strToU8('{}'), 'README.md': strToU8('#') });
    expect(() => readZipEntry(zip, 'deploy/test.json', options)).toThrow(
      '"deploy/test.json" is not in input artifact BuildOutput (s3://b/k.zip); it holds deploy/prod.json, README.md',
    );
  });

  test('directory entries are skipped, and a missing file lists at most 20 entries', () => {
    const withFolder = zipSync({ 'deploy/': {}, 'deploy/test.json': strToU8('{"a":1}') });
    expect(text(readZipEntry(withFolder, 'deploy/test.json', options))).toBe('{"a":1}');
    const many = zipSync(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}.txt`, strToU8('x')])));
    expect(() => readZipEntry(many, 'nope.json', { ...options, describeZip: 'the zip' })).toThrow(
      /"nope.json" is not in the zip; it holds f0.txt, .*f19.txt and 5 more$/,
    );
  });

  test('a zip bomb (262 KB expanding to 256 MiB) that admits its size fails before inflating anything', () => {
    const bomb = rawZip([zerosEntry('deploy/test.json', 256)]);
    expect(bomb.length).toBeLessThan(300_000);
    expect(() => readZipEntry(bomb, 'deploy/test.json', options)).toThrow(
      `"deploy/test.json" in input artifact BuildOutput (s3://b/k.zip) is larger than ${DEPLOY_INPUT_FILE_LIMIT} bytes uncompressed`,
    );
  });

  test('a zip bomb that lies about its size stops at the cap without expanding the whole thing', () => {
    const bomb = rawZip([zerosEntry('deploy/test.json', 256, 100)]);
    const before = process.memoryUsage().arrayBuffers;

    const error = (() => {
      try {
        readZipEntry(bomb, 'deploy/test.json', options);
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();

    const grown = process.memoryUsage().arrayBuffers - before;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/is larger than 5242880 bytes uncompressed/);
    // The cap plus one inflate step, not 256 MiB.
    expect(grown).toBeLessThan(32 * 1024 * 1024);
  });

  test('the cap is per file kind: a template may be 1 MB, not more', () => {
    const zip = rawZip([textEntry('t.json', 'x'.repeat(CLOUDFORMATION_TEMPLATE_LIMIT + 1), 0)]);
    const template = { ...options, maxBytes: CLOUDFORMATION_TEMPLATE_LIMIT };
    expect(() => readZipEntry(zip, 't.json', template)).toThrow(/larger than 1000000 bytes/);
    const fits = rawZip([textEntry('t.json', 'x'.repeat(CLOUDFORMATION_TEMPLATE_LIMIT))]);
    expect(readZipEntry(fits, 't.json', template).length).toBe(CLOUDFORMATION_TEMPLATE_LIMIT);
  });

  test.each([
    ['not a zip at all', () => strToU8('not a zip at all'), /is not a readable zip: no end of central directory/],
    [
      'a corrupted entry',
      () => {
        const entry = textEntry('deploy/test.json', '{"stackName":"x"}', 0);
        return rawZip([{ ...entry, data: strToU8('{"stackName":"y"}') }]);
      },
      /fails its size or CRC-32 check/,
    ],
    [
      'an entry that does not inflate',
      () => rawZip([{ ...textEntry('deploy/test.json', '{}'), data: new Uint8Array([0xff, 0xff, 0xff]) }]),
      /does not inflate/,
    ],
    [
      'an entry listed twice',
      () => rawZip([textEntry('deploy/test.json', '{}'), textEntry('deploy/test.json', '{"b":1}')]),
      /is in input artifact .* 2 times/,
    ],
    [
      'a central directory pointing outside the file',
      () => {
        const zip = rawZip([textEntry('deploy/test.json', '{}')]);
        const view = Buffer.from(zip);
        view.writeUInt32LE(0x7fffffff, view.length - 22 - 46 - 'deploy/test.json'.length + 42);
        return new Uint8Array(view);
      },
      /lies outside the file/,
    ],
  ])('%s is a ConfigurationError', (_name, make, message) => {
    const run = () => readZipEntry(make(), 'deploy/test.json', options);
    expect(run).toThrow(ConfigurationError);
    expect(run).toThrow(message);
  });
});

describe('readZipFiles', () => {
  const whole = { describeZip: 'the package', maxBytes: 4 * 1024 * 1024 };

  test('inflates every entry, folders included, with the Unix mode a zip made on Unix stores', () => {
    const zip = rawZip([
      { ...textEntry('bin/run', '#!/bin/sh\necho hi\n'), mode: 0o100755 },
      { ...textEntry('bin/', '', 0), mode: 0o040755 },
      { ...textEntry('link', 'bin/run', 0), mode: 0o120777 },
      textEntry('README.md', '# from an MS-DOS zip'),
    ]);
    expect(readZipFiles(zip, whole).map(({ name, mode, content }) => [name, mode, text(content)])).toEqual([
      ['bin/run', 0o100755, '#!/bin/sh\necho hi\n'],
      ['bin/', 0o040755, ''],
      ['link', 0o120777, 'bin/run'],
      ['README.md', undefined, '# from an MS-DOS zip'],
    ]);
  });

  test('the cap is on all entries together: honest sizes fail before anything is inflated', () => {
    // Two entries of 3 MiB each: each under the 4 MiB cap, together over it. The first does not even inflate, which
    // only an attempt to inflate it would find.
    const zip = rawZip([{ ...zerosEntry('a.bin', 3), data: new Uint8Array([0xff, 0xff]) }, zerosEntry('b.bin', 3)]);
    expect(() => readZipFiles(zip, whole)).toThrow(
      new ConfigurationError('the package expands to more than 4194304 bytes, the most it may hold'),
    );
    const tooLarge = new Error('Unzipped size must be smaller than 4194304 bytes');
    expect(() => readZipFiles(zip, { ...whole, tooLarge: () => tooLarge })).toThrow(tooLarge);
    expect(readZipFiles(rawZip([zerosEntry('a.bin', 2), zerosEntry('b.bin', 2)]), whole)).toHaveLength(2);
  });

  test('entries that lie about their sizes stop at the cap, without expanding the rest', () => {
    // The second claims 100 bytes, which would fit beside the first's 3 MiB, and expands to 256 MiB.
    const zip = rawZip([zerosEntry('a.bin', 3), zerosEntry('bomb.bin', 256, 100)]);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => readZipFiles(zip, whole)).toThrow('the package expands to more than 4194304 bytes');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  test('a damaged entry is named', () => {
    const entry = textEntry('data.json', '{"a":1}', 0);
    expect(() => readZipFiles(rawZip([{ ...entry, data: strToU8('{"a":2}') }]), whole)).toThrow(
      'the package is not a readable zip: "data.json" fails its size or CRC-32 check (corrupt or altered)',
    );
  });
});
