import { Inflate } from 'fflate';
import { ConfigurationError } from '../errors';

// Caps on what one entry of an artifact zip may expand to, so a zip bomb fails fast instead of exhausting memory.
/** A deploy input JSON file. */
export const DEPLOY_INPUT_FILE_LIMIT = 5 * 1024 * 1024;
/** A CloudFormation template: the largest template body CloudFormation accepts from S3 (1 MB). */
export const CLOUDFORMATION_TEMPLATE_LIMIT = 1_000_000;

// How many entry names a "not found" error lists, so the message stays readable.
const LISTED_ENTRIES = 20;
// Compressed bytes inflated per step: deflate expands at most ~1032:1, so one step yields at most ~1 MiB.
const INFLATE_STEP = 1024;

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const U32_MAX = 0xffffffff;

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
}

/** A path as written in a deploy input (`./deploy/prod.json`, `/deploy/prod.json`) as it is stored in a zip. */
export const normaliseZipPath = (path: string): string => path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const crc32 = (chunks: readonly Uint8Array[]): number => {
  let crc = U32_MAX;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += 1) crc = (CRC_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  }
  return (crc ^ U32_MAX) >>> 0;
};

class ZipReader {
  private readonly view: DataView;

  constructor(
    private readonly zip: Uint8Array,
    private readonly describeZip: string,
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

/** Inflates `compressed`, stopping as soon as the output passes `maxBytes`; memory stays near `maxBytes`. */
const inflateCapped = (compressed: Uint8Array, maxBytes: number, onTooLarge: () => Error): Uint8Array[] => {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const inflate = new Inflate((chunk) => {
    total += chunk.length;
    if (total > maxBytes) over = true;
    else chunks.push(chunk);
  });
  for (let at = 0; at < compressed.length && !over; at += INFLATE_STEP) {
    const end = Math.min(at + INFLATE_STEP, compressed.length);
    inflate.push(compressed.subarray(at, end), end === compressed.length);
  }
  if (over) throw onTooLarge();
  return chunks;
};

const concat = (chunks: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
};

/**
 * Reads one file out of a zip without trusting it: only that entry is inflated, in small steps, and reading stops
 * with a ConfigurationError naming the entry and the cap once it passes `maxBytes`. Missing, duplicated, encrypted
 * or corrupt entries are ConfigurationErrors too.
 */
export const readZipEntry = (zip: Uint8Array, path: string, options: ReadZipEntryOptions): Uint8Array => {
  const { describeZip, maxBytes } = options;
  const reader: ZipReader = new ZipReader(zip, describeZip);
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
  const entry = matches[0]!;
  if (entry.flags & 0x1) throw new ConfigurationError(`"${path}" in ${describeZip} is encrypted`);
  // The declared size is only a first check: the inflate below counts what really comes out.
  if (entry.size > maxBytes) throw tooLarge(path, describeZip, maxBytes);
  const compressed = reader.data(entry);
  let chunks: Uint8Array[];
  if (entry.method === 0) {
    if (compressed.length > maxBytes) throw tooLarge(path, describeZip, maxBytes);
    chunks = [compressed];
  } else if (entry.method === 8) {
    try {
      chunks = inflateCapped(compressed, maxBytes, () => tooLarge(path, describeZip, maxBytes));
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      reader.fail(`"${path}" does not inflate: ${(error as Error).message}`, error);
    }
  } else {
    throw new ConfigurationError(
      `"${path}" in ${describeZip} uses compression method ${entry.method}; only stored (0) and deflate (8) are read`,
    );
  }
  if (crc32(chunks) !== entry.crc) reader.fail(`"${path}" fails its CRC-32 check (corrupt or altered)`);
  return concat(chunks);
};
