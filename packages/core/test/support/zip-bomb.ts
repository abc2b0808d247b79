import { constants, crc32, deflateRawSync } from 'node:zlib';

const MiB = 1024 * 1024;

export interface RawZipEntry {
  name: string;
  /** Stored as is (method 0) or already deflated (method 8). */
  data: Uint8Array;
  method: 0 | 8;
  crc: number;
  /** What the central directory claims the entry expands to (an attacker may lie). */
  declaredSize: number;
  /** st_mode, stored as a zip made on Unix stores it; without it, the zip is marked as made on MS-DOS. */
  mode?: number;
}

/** A zip written byte by byte, so tests can give it dishonest headers. */
export const rawZip = (entries: readonly RawZipEntry[]): Uint8Array => {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(Math.min(entry.declaredSize, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.mode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.crc >>> 0, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(Math.min(entry.declaredSize, 0xffffffff), 24);
    central.writeUInt16LE(name.length, 28);
    if (entry.mode !== undefined) central.writeUInt32LE((entry.mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(entry.data));
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
};

/**
 * A deflated entry of `mib` MiB of zeros (256 MiB → about 262 KB compressed), built from one compressed MiB
 * repeated, so making it costs milliseconds and never holds the expanded bytes.
 */
export const zerosEntry = (name: string, mib: number, declaredSize = mib * MiB): RawZipEntry => {
  const zeros = Buffer.alloc(MiB);
  // A sync flush ends each part on a byte boundary without marking it last, so the parts can be concatenated.
  const part = deflateRawSync(zeros, { finishFlush: constants.Z_SYNC_FLUSH });
  const last = deflateRawSync(Buffer.alloc(0));
  let crc = 0;
  for (let i = 0; i < mib; i += 1) crc = crc32(zeros, crc);
  return {
    name,
    data: new Uint8Array(Buffer.concat([...Array.from({ length: mib }, () => part), last])),
    method: 8,
    crc,
    declaredSize,
  };
};

export const textEntry = (name: string, text: string, method: 0 | 8 = 8): RawZipEntry => {
  const bytes = Buffer.from(text, 'utf8');
  return {
    name,
    data: new Uint8Array(method === 8 ? deflateRawSync(bytes) : bytes),
    method,
    crc: crc32(bytes),
    declaredSize: bytes.length,
  };
};
