import type { Approver } from '@glue-cd/release';
import { cp, link, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** An approver that answers every approval the same way, and counts the questions. */
export const approveAll = (answer: boolean): Approver & { questions: string[] } => {
  const questions: string[] = [];
  const approver = async (question: string) => {
    questions.push(question);
    return answer;
  };
  return Object.assign(approver, { questions });
};

/** Hard links every file of `from` under `to` (folders created). */
const linkTree = async (from: string, to: string): Promise<void> => {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const [source, target] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isFile()) await link(source, target);
    else await cp(source, target, { verbatimSymlinks: true });
  }
};

/**
 * A copy of a local cloud state folder another release can run on. The extracted Lambda packages (`lambda/`, over a
 * gigabyte, written once per content hash and never changed) are hard-linked instead of copied.
 */
export const copyLocalCloudState = async (from: string, to: string): Promise<void> => {
  const packages = path.join(from, 'lambda');
  await cp(from, to, { recursive: true, filter: (source) => source !== packages });
  if (existsSync(packages)) await linkTree(packages, path.join(to, 'lambda'));
};
