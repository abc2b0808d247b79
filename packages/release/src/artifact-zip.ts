import { chmod, lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { ConfigurationError, crc32, mapConcurrently, readZipFiles, type ZipFile } from '@glue-cd/core';

/** One file of a pipeline artifact: its path inside the zip and the file it comes from (or its content). */
export type ArtifactEntry = { name: string; file: string } | { name: string; content: Uint8Array; mode?: number };

export class ArtifactZipError extends Error {
  override name = 'ArtifactZipError';
}

const UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
// Fixed timestamps (2020-01-01 00:00 in DOS form): the same files give the same zip.
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const STORED = 0;
const DEFLATED = 8;
// General purpose flags: bit 11, names are UTF-8.
const UTF8_NAMES = 0x0800;
const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
// Files read (zipping) or written (unzipping) at once: enough to hide the file system's latency, few enough for the descriptor table.
const READ_PARALLEL = 16;

/**
 * The fields the local header (at 4) and the central directory header (at 6) share, in the same order: version needed,
 * flags, method, time, date, CRC-32, compressed size, size, name length.
 */
const writeSharedFields = (
  header: Buffer,
  at: number,
  fields: { method: number; crc: number; compressedSize: number; size: number; nameLength: number },
): void => {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(UTF8_NAMES, at + 2);
  header.writeUInt16LE(fields.method, at + 4);
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(fields.crc, at + 10);
  header.writeUInt32LE(fields.compressedSize, at + 14);
  header.writeUInt32LE(fields.size, at + 18);
  header.writeUInt16LE(fields.nameLength, at + 22);
};

interface ZipMember {
  name: Uint8Array;
  content: Uint8Array;
  /** st_mode: type and permission bits. */
  mode: number;
}

/** The bytes and mode one entry is stored with: a link's target as its content when `symlinks` is set. */
const memberOf = async (entry: ArtifactEntry, symlinks: boolean): Promise<ZipMember> => {
  const name = new TextEncoder().encode(entry.name);
  if ('content' in entry) return { name, content: entry.content, mode: 0o100000 | (entry.mode ?? 0o644) };
  const stats = await lstat(entry.file);
  const link = stats.isSymbolicLink() && symlinks;
  const content = link ? new TextEncoder().encode(await readlink(entry.file)) : await readFile(entry.file);
  const mode = link ? S_IFLNK | 0o777 : 0o100000 | ((stats.isSymbolicLink() ? 0o644 : stats.mode) & 0o7777);
  return { name, content, mode };
};

/**
 * Zips files with their Unix modes (executable bits; symbolic links as links when `symlinks` is set, their
 * targets' content otherwise), as CodePipeline and CodeBuild store artifacts: deflate level 1 by the native zlib
 * (stored when deflating does not shrink a file), UTF-8 names, fixed timestamps, no zip64 (4 GB, 65,535 files).
 */
export const zipArtifact = async (
  entries: ArtifactEntry[],
  options: { symlinks?: boolean } = {},
): Promise<Uint8Array> => {
  if (entries.length > 0xffff)
    throw new ArtifactZipError(`${entries.length} files: more than a zip without zip64 holds`);
  const members = await mapConcurrently(entries, READ_PARALLEL, (entry) => memberOf(entry, options.symlinks === true));

  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, content, mode } of members) {
    const deflated = zlib.deflateRawSync(content, { level: 1 });
    const method = deflated.length < content.length ? DEFLATED : STORED;
    const data = method === DEFLATED ? deflated : content;
    const crc = crc32(content);
    if (offset + 30 + name.length + data.length > 0xffffffff) throw new ArtifactZipError('the zip would pass 4 GB');
    const fields = { method, crc, compressedSize: data.length, size: content.length, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    writeSharedFields(local, 4, fields);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE((UNIX << 8) | 20, 4);
    writeSharedFields(header, 6, fields);
    header.writeUInt32LE(((mode & 0xffff) << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, data);
    central.push(header, name);
    offset += 30 + name.length + data.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, ...central, end]));
};

/** The most an artifact may expand to when unpacked (all its files): a zip bomb stops there, with its name. */
export const ARTIFACT_UNZIPPED_LIMIT = 1024 ** 3;

/** Unpacks an artifact zip into a folder (which must stay the root of every entry), modes and links included. */
export const unzipArtifact = async (zip: Uint8Array, dir: string): Promise<number> => {
  let entries: ZipFile[];
  try {
    entries = readZipFiles(zip, { describeZip: 'the artifact', maxBytes: ARTIFACT_UNZIPPED_LIMIT });
  } catch (error) {
    if (error instanceof ConfigurationError) throw new ArtifactZipError(error.message, { cause: error });
    throw error;
  }
  const root = path.resolve(dir);
  // Every entry is checked before anything is written: a hostile zip leaves nothing behind.
  const unpacked = entries.map((entry) => {
    const target = path.resolve(root, entry.name);
    if (target !== root && !target.startsWith(root + path.sep)) {
      throw new ArtifactZipError(`zip entry ${entry.name} points outside the folder it is unpacked into`);
    }
    return { entry, target };
  });
  // Folders first (each once), then the files, READ_PARALLEL at a time.
  const folders = new Set(
    unpacked.map(({ entry, target }) => (entry.name.endsWith('/') ? target : path.dirname(target))),
  );
  for (const folder of [...folders].sort()) await mkdir(folder, { recursive: true });
  const files = unpacked.filter(({ entry }) => !entry.name.endsWith('/'));
  await mapConcurrently(files, READ_PARALLEL, async ({ entry, target }) => {
    const { mode, content } = entry;
    if (mode !== undefined && (mode & S_IFMT) === S_IFLNK) {
      await symlink(Buffer.from(content).toString('utf8'), target);
    } else {
      await writeFile(target, content);
      if (mode !== undefined && (mode & 0o777) !== 0) await chmod(target, mode & 0o7777);
    }
  });
  return files.length;
};
