import { unzipSync } from 'fflate';
import { ConfigurationError } from '@glue-cd/core';

// How many entry names a "not found" error lists, so the message stays readable.
const LISTED_ENTRIES = 20;

/** A path as written in a deploy input (`./deploy/prod.json`, `/deploy/prod.json`) as it is stored in a zip. */
export const normaliseZipPath = (path: string): string => path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');

/**
 * Reads one file out of a zip, decompressing only that entry. `describeZip` names the archive in errors
 * (e.g. `input artifact BuildOutput (s3://bucket/key)`).
 */
export const readFileFromZip = (zip: Uint8Array, path: string, describeZip: string): Uint8Array => {
  const wanted = normaliseZipPath(path);
  const entries: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (file) => {
        entries.push(file.name);
        return file.name === wanted;
      },
    });
  } catch (error) {
    throw new ConfigurationError(`${describeZip} is not a readable zip: ${(error as Error).message}`);
  }
  const content = files[wanted];
  if (content === undefined) {
    const listed = entries.filter((name) => !name.endsWith('/'));
    const shown = listed.slice(0, LISTED_ENTRIES).join(', ');
    const more = listed.length > LISTED_ENTRIES ? ` and ${listed.length - LISTED_ENTRIES} more` : '';
    throw new ConfigurationError(
      `"${path}" is not in ${describeZip}; it holds ${listed.length === 0 ? 'no files' : `${shown}${more}`}`,
    );
  }
  return content;
};
