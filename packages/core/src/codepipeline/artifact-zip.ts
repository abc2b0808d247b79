import zlib from 'node:zlib';
import { ConfigurationError } from '../errors';

// The one zip reader: a file of an input artifact in the Lambdas (the trigger's deploy input, the orchestrator's
// template), whole artifacts in the local release's CodeBuild and function packages in the local cloud's Lambda. Every
// zip is read without trusting it: sizes come from the central directory, inflating (Node's zlib) stops at a cap, and
// each entry's size and CRC-32 are checked; every problem is a ConfigurationError naming the zip and the entry.

/**
 * An input artifact zip a Lambda reads (its directory is at its end, so it is downloaded whole): larger ones are
 * refused from their Content-Length, or as soon as the download passes this, never read whole.
 */
export const ARTIFACT_ZIP_LIMIT = 64 * 1024 * 1024;

// Caps on what one entry of an artifact zip may expand to, so a zip bomb fails fast instead of exhausting memory.
/** A deploy input JSON file. */
export const DEPLOY_INPUT_FILE_LIMIT = 5 * 1024 * 1024;
/** A CloudFormation template: the largest template body CloudFormation accepts from S3 (1 MB). */
export const CLOUDFORMATION_TEMPLATE_LIMIT = 1_000_000;

// How many entry names a "not found" error lists, so the message stays readable.
const LISTED_ENTRIES = 20;

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const U32_MAX = 0xffffffff;
const UNIX = 3;
const STORED = 0;
const DEFLATED = 8;

export interface ReadZipEntryOptions {
  /** Names the archive in errors, e.g. `input artifact BuildOutput (s3://bucket/key)`. */
  describeZip: string;
  /** The most bytes the entry may decompress to. */
  maxBytes: number;
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** st_mode (type and permission bits) when the zip was made on Unix. */
  mode?: number;
}

/** A path as written in a deploy input (`./deploy/prod.json`, `/deploy/prod.json`) as it is stored in a zip. */
export const normaliseZipPath = (path: string): string => path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');

let crcTable: Uint32Array | undefined;
const tableCrc32 = (data: Uint8Array): number => {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = U32_MAX;
  for (let i = 0; i < data.length; i += 1) crc = (crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  return (crc ^ U32_MAX) >>> 0;
};

/** CRC-32 as zip stores it: zlib's native one (Node ≥ 20.15, Lambda's nodejs22.x), else a table one. */
export const crc32: (data: Uint8Array) => number =
  (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ?? tableCrc32;

class ZipReader {
  private readonly view: DataView;

  constructor(
    private readonly zip: Uint8Array,
    readonly describeZip: string,
  ) {
    this.view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  }

  fail(problem: string, cause?: unknown): never {
    throw new ConfigurationError(
      `${this.describeZip} is not a readable zip: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
  }

  private check(offset: number, length: number, what: string): void {
    if (offset < 0 || offset + length > this.zip.length) this.fail(`${what} lies outside the file`);
  }

  u16 = (offset: number): number => this.view.getUint16(offset, true);
  u32 = (offset: number): number => this.view.getUint32(offset, true);
  u64 = (offset: number): number => {
    const value = this.view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a ZIP64 size or offset is too large');
    return Number(value);
  };

  /** Where the central directory is and how many entries it has (ZIP64 aware). */
  private directory(): { offset: number; entries: number } {
    const last = this.zip.length - 22;
    const first = Math.max(0, last - 0xffff);
    let eocd = -1;
    for (let at = last; at >= first; at -= 1) {
      if (this.u32(at) === EOCD) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) this.fail('no end of central directory record');
    let entries = this.u16(eocd + 10);
    let offset = this.u32(eocd + 16);
    const locator = eocd - 20;
    if ((entries === 0xffff || offset === U32_MAX) && locator >= 0 && this.u32(locator) === EOCD64_LOCATOR) {
      const record = this.u64(locator + 8);
      this.check(record, 56, 'the ZIP64 end of central directory');
      if (this.u32(record) !== EOCD64) this.fail('bad ZIP64 end of central directory record');
      entries = this.u64(record + 32);
      offset = this.u64(record + 48);
    }
    return { offset, entries };
  }

  /** Every entry of the central directory; sizes come from it, never from the (attacker-written) local headers. */
  entries(): CentralEntry[] {
    const { offset, entries: count } = this.directory();
    const entries: CentralEntry[] = [];
    let at = offset;
    for (let index = 0; index < count; index += 1) {
      this.check(at, 46, `central directory entry ${index}`);
      if (this.u32(at) !== CENTRAL_HEADER) this.fail(`bad central directory entry ${index}`);
      const flags = this.u16(at + 8);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      this.check(at + 46, nameLength + extraLength, `central directory entry ${index}`);
      const nameBytes = this.zip.subarray(at + 46, at + 46 + nameLength);
      // Bit 11: the name is UTF-8; otherwise CP437, of which ASCII (every name we write) is a subset.
      const name = Buffer.from(nameBytes).toString(flags & 0x800 ? 'utf8' : 'latin1');
      let size = this.u32(at + 24);
      let compressedSize = this.u32(at + 20);
      let localHeaderOffset = this.u32(at + 42);
      for (let extra = at + 46 + nameLength; extra + 4 <= at + 46 + nameLength + extraLength;) {
        const id = this.u16(extra);
        const length = this.u16(extra + 2);
        if (id === ZIP64_EXTRA) {
          let field = extra + 4;
          const next = (): number => {
            const value = this.u64(field);
            field += 8;
            return value;
          };
          if (size === U32_MAX) size = next();
          if (compressedSize === U32_MAX) compressedSize = next();
          if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
        }
        extra += 4 + length;
      }
      entries.push({
        name,
        flags,
        method: this.u16(at + 10),
        crc: this.u32(at + 16),
        compressedSize,
        size,
        localHeaderOffset,
        // Made on Unix (version made by, high byte 3): st_mode in the high half of the external attributes.
        ...(this.u16(at + 4) >> 8 === UNIX ? { mode: this.u32(at + 38) >>> 16 } : {}),
      });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  /** The entry's compressed bytes (a view, not a copy). */
  data(entry: CentralEntry): Uint8Array {
    const at = entry.localHeaderOffset;
    this.check(at, 30, `the local header of ${entry.name}`);
    if (this.u32(at) !== LOCAL_HEADER) this.fail(`bad local header for ${entry.name}`);
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    this.check(start, entry.compressedSize, `the data of ${entry.name}`);
    return this.zip.subarray(start, start + entry.compressedSize);
  }
}

const tooLarge = (path: string, describeZip: string, maxBytes: number): ConfigurationError =>
  new ConfigurationError(
    `"${path}" in ${describeZip} is larger than ${maxBytes} bytes uncompressed, the most this file may have`,
  );

/**
 * One entry's bytes, at most `maxBytes` of them (else `onTooLarge()`): stored, or inflated by zlib, which stops once
 * its output passes the cap, so memory stays near `maxBytes` whatever the entry claims. Checked against the size and
 * CRC-32 the central directory gives.
 */
const inflateEntry = (
  reader: ZipReader,
  entry: CentralEntry,
  maxBytes: number,
  onTooLarge: () => Error,
): Uint8Array => {
  if (entry.flags & 0x1) throw new ConfigurationError(`"${entry.name}" in ${reader.describeZip} is encrypted`);
  // The declared size is only a first check: what really comes out is counted below.
  if (entry.size > maxBytes) throw onTooLarge();
  const compressed = reader.data(entry);
  let content: Uint8Array;
  if (entry.method === STORED) content = compressed;
  else if (entry.method === DEFLATED) {
    try {
      // maxOutputLength must be at least 1; an empty entry inflates to nothing either way.
      content = zlib.inflateRawSync(compressed, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw onTooLarge();
      reader.fail(`"${entry.name}" does not inflate: ${(error as Error).message}`, error);
    }
  } else {
    throw new ConfigurationError(
      `"${entry.name}" in ${reader.describeZip} uses compression method ${entry.method}; only stored (0) and deflate (8) are read`,
    );
  }
  if (content.length > maxBytes) throw onTooLarge();
  if (content.length !== entry.size || crc32(content) !== entry.crc) {
    reader.fail(`"${entry.name}" fails its size or CRC-32 check (corrupt or altered)`);
  }
  return content;
};

/**
 * Reads one file out of a zip without trusting it: only that entry is inflated, and reading stops with a
 * ConfigurationError naming the entry and the cap once it passes `maxBytes`. Missing, duplicated, encrypted or corrupt
 * entries are ConfigurationErrors too.
 */
export const readZipEntry = (zip: Uint8Array, path: string, options: ReadZipEntryOptions): Uint8Array => {
  const { describeZip, maxBytes } = options;
  const reader = new ZipReader(zip, describeZip);
  const wanted = normaliseZipPath(path);
  const entries = reader.entries();
  const matches = entries.filter((entry) => entry.name === wanted);
  if (matches.length === 0) {
    const listed = entries.map((entry) => entry.name).filter((name) => !name.endsWith('/'));
    const shown = listed.slice(0, LISTED_ENTRIES).join(', ');
    const more = listed.length > LISTED_ENTRIES ? ` and ${listed.length - LISTED_ENTRIES} more` : '';
    throw new ConfigurationError(
      `"${path}" is not in ${describeZip}; it holds ${listed.length === 0 ? 'no files' : `${shown}${more}`}`,
    );
  }
  if (matches.length > 1) {
    throw new ConfigurationError(`"${path}" is in ${describeZip} ${matches.length} times; which one is meant?`);
  }
  return inflateEntry(reader, matches[0]!, maxBytes, () => tooLarge(path, describeZip, maxBytes));
};

/** One entry of a whole zip: a folder when its name ends with `/`. */
export interface ZipFile {
  name: string;
  /** st_mode (type and permission bits) when the zip was made on Unix. */
  mode?: number;
  content: Uint8Array;
}

export interface ReadZipFilesOptions extends ReadZipEntryOptions {
  /** The error for a zip that expands past `maxBytes` (default: a ConfigurationError naming the zip and the cap). */
  tooLarge?: () => Error;
}

/**
 * Every entry of a zip, inflated, without trusting it: `maxBytes` caps all of them together (the declared sizes are
 * checked before anything is inflated, and each entry inflates into what is left). Names are as stored: a caller that
 * writes them to disk checks where they point.
 */
export const readZipFiles = (zip: Uint8Array, options: ReadZipFilesOptions): ZipFile[] => {
  const { describeZip, maxBytes } = options;
  const reader = new ZipReader(zip, describeZip);
  const entries = reader.entries();
  const whole =
    options.tooLarge ??
    (() => new ConfigurationError(`${describeZip} expands to more than ${maxBytes} bytes, the most it may hold`));
  if (entries.reduce((sum, entry) => sum + entry.size, 0) > maxBytes) throw whole();
  let left = maxBytes;
  return entries.map((entry) => {
    const content = inflateEntry(reader, entry, left, whole);
    left -= content.length;
    return { name: entry.name, ...(entry.mode === undefined ? {} : { mode: entry.mode }), content };
  });
};
