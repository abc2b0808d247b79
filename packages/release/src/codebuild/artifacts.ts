import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactEntry } from '../artifact-zip';
import type { ArtifactSet } from './buildspec';

export class ArtifactsError extends Error {
  override name = 'ArtifactsError';
}

const GLOB = /[*?[]/;
const escape = (text: string): string => text.replace(/[.+^${}()|\\\]]/g, '\\$&');

/** A buildspec file location as a matcher of posix paths: `**` any depth, `*` and `?` within one path segment. */
export const globMatcher = (pattern: string): RegExp => {
  const segments = pattern.replace(/^\.\//, '').split('/').filter(Boolean);
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      source += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    source += segment
      .split('')
      .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : escape(c)))
      .join('');
    if (!last) source += '/';
  });
  return new RegExp(`^${source}$`);
};

/** Files under dir (posix paths relative to root), following symbolic links to files. */
const walk = async (root: string, dir: string): Promise<string[]> => {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const stats = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
    if (!stats) continue;
    if (stats.isDirectory()) {
      if (!entry.isSymbolicLink()) files.push(...(await walk(root, full)));
    } else if (stats.isFile()) {
      files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  }
  return files;
};

/** The folder a pattern can match under: its segments before the first wildcard. */
const staticPrefix = (pattern: string): string => {
  const segments = pattern.replace(/^\.\//, '').split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (GLOB.test(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/');
};

/**
 * The files of one artifact as CodeBuild's UPLOAD_ARTIFACTS phase selects them: `files` relative to `base-directory`
 * (default the source folder), minus `exclude-paths`; `discard-paths` keeps only the file names.
 */
export const selectArtifactFiles = async (set: ArtifactSet, sourceDir: string): Promise<ArtifactEntry[]> => {
  const base = path.resolve(sourceDir, set['base-directory'] ?? '.');
  if (!existsSync(base)) throw new ArtifactsError(`base-directory ${set['base-directory']} does not exist`);
  const excludes = (set['exclude-paths'] ?? []).map(globMatcher);
  const selected = new Set<string>();
  for (const pattern of set.files) {
    const matcher = globMatcher(pattern);
    // A location without wildcards names one file (a folder needs `folder/**/*`).
    const candidates = GLOB.test(pattern)
      ? await walk(base, path.join(base, staticPrefix(pattern)))
      : [pattern.replace(/^\.\//, '')];
    for (const file of candidates) {
      if (!matcher.test(file) || excludes.some((exclude) => exclude.test(file))) continue;
      if (GLOB.test(pattern) || (await stat(path.join(base, file)).catch(() => undefined))?.isFile())
        selected.add(file);
    }
  }
  if (selected.size === 0) {
    throw new ArtifactsError(
      `no matching artifact paths found for ${set.files.join(', ')}${
        set['base-directory'] ? ` under ${set['base-directory']}` : ''
      }`,
    );
  }
  const byName = new Map<string, string>();
  for (const file of [...selected].sort()) {
    const name = set['discard-paths'] ? path.posix.basename(file) : file;
    const other = byName.get(name);
    if (other !== undefined) {
      throw new ArtifactsError(`discard-paths: ${other} and ${file} would both be ${name} in the artifact`);
    }
    byName.set(name, file);
  }
  return [...byName].map(([name, file]) => ({ name, file: path.join(base, file) }));
};
