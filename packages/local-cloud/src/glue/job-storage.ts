import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../contracts';
import { requireS3Read, type ServicePrincipal } from '../iam/service-principals';
import { resolveS3Url } from '../s3/s3-url';

/** How a job script uses an S3 location: reads it, or writes (replaces, adds to, deletes from) it. */
export type JobPathAccess = 'read' | 'write';

interface StagedWrite {
  bucket: string;
  /** The location's key ('' for the bucket): an object, or the folder of the keys under `key/`. */
  key: string;
  /** The engine's copy: a file for an object, a folder for the keys under it. */
  staged: string;
  /** The objects under the prefix when the run began, as the engine found them in its folder. */
  before: Map<string, Buffer>;
}

const filesUnder = async (folder: string, relative = ''): Promise<string[]> => {
  const entries = await readdir(path.join(folder, relative), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      return entry.isDirectory() ? filesUnder(folder, name) : [name];
    }),
  );
  return nested.flat();
};

/**
 * The S3 a job run's engine sees, as the job's role: the one place a run's reads and writes are judged. A read is
 * judged before the engine gets the folder (ListBucket, GetObject of each object); a write location is a staged copy
 * of its objects, and what the engine changed there is judged (PutObject, DeleteObject) and applied to S3 only after
 * the engine succeeded, so a denied or failed run leaves S3 as it was.
 */
export class JobStorage {
  private readonly writes: StagedWrite[] = [];
  private staging?: string;

  constructor(
    private readonly objects: ObjectStore,
    private readonly principal: ServicePrincipal,
    private readonly stagingRoot: string,
  ) {}

  /** Glue downloads the script before it runs anything: a denied or missing script fails the run as on AWS. */
  async requireScript(scriptLocation: string): Promise<void> {
    const location = await resolveS3Url(this.objects, scriptLocation);
    await this.principal.require('s3', 'GetObject', { Bucket: location.bucket, Key: location.key });
    if ((await this.objects.getObject(location.bucket, location.key)) === undefined) {
      throw new Error(`Failed to download the script ${scriptLocation} from S3 (Error Code: NoSuchKey)`);
    }
  }

  /** The local folder or file the engine uses for `s3Url`. */
  async localPath(s3Url: string, access: JobPathAccess): Promise<string> {
    const location = await resolveS3Url(this.objects, s3Url);
    if (access === 'read') {
      await requireS3Read(this.principal, this.objects, location);
      return location.path;
    }
    const { bucket, key } = location;
    await this.principal.require('s3', 'ListObjectsV2', { Bucket: bucket, Prefix: key === '' ? '' : `${key}/` });
    this.staging ??= await mkdtemp(path.join(await this.ensureRoot(), 'run-'));
    const folder = path.join(this.staging, String(this.writes.length));
    await mkdir(folder, { recursive: true });
    const staged = key === '' ? folder : path.join(folder, path.basename(key));
    const before = new Map<string, Buffer>();
    for (const object of await this.objects.listObjects(bucket, key)) {
      if (key !== '' && object.key !== key && !object.key.startsWith(`${key}/`)) continue;
      const body = Buffer.from((await this.objects.getObject(bucket, object.key)) ?? new Uint8Array());
      before.set(object.key, body);
      const file = path.join(staged, ...object.key.slice(key.length).split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    }
    this.writes.push({ bucket, key, staged, before });
    return staged;
  }

  private async ensureRoot(): Promise<string> {
    await mkdir(this.stagingRoot, { recursive: true, mode: 0o700 });
    return this.stagingRoot;
  }

  /** Judges every change the engine made to its write locations, then applies them all (or none) to S3. */
  async commit(): Promise<void> {
    const changes: { bucket: string; key: string; body?: Buffer }[] = [];
    for (const write of this.writes) {
      const after = new Map<string, Buffer>();
      const info = await stat(write.staged).catch(() => undefined);
      if (info?.isFile()) after.set(write.key, await readFile(write.staged));
      else
        for (const name of await filesUnder(write.staged))
          after.set(write.key === '' ? name : `${write.key}/${name}`, await readFile(path.join(write.staged, name)));
      for (const [key, body] of after) {
        const previous = write.before.get(key);
        if (previous === undefined || !previous.equals(body)) changes.push({ bucket: write.bucket, key, body });
      }
      for (const key of write.before.keys()) if (!after.has(key)) changes.push({ bucket: write.bucket, key });
    }
    for (const { bucket, key, body } of changes)
      await this.principal.require('s3', body ? 'PutObject' : 'DeleteObject', { Bucket: bucket, Key: key });
    // Deletes first: a key that became a "folder" of new keys (or the reverse) must be gone before its replacement.
    for (const { bucket, key, body } of changes) if (!body) await this.objects.deleteObject(bucket, key);
    for (const { bucket, key, body } of changes) if (body) await this.objects.putObject(bucket, key, body);
  }

  /** Removes the staged copies (after a commit, a failure or a stop). */
  async dispose(): Promise<void> {
    if (this.staging) await rm(this.staging, { recursive: true, force: true });
  }
}
