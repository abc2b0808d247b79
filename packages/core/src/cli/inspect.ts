import type { Change } from '@aws-sdk/client-cloudformation';
import * as z from 'zod';
import { changeSetVerdict, formatVerdict } from '../change-set/verdict';
import { SafetyPolicySchema, type SafetyPolicy } from '../change-set/safety-policy';

export interface CliResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

const USAGE = `usage: glue-cd inspect <describe-change-set.json> [more pages.json ...] [--policy <policy.json>]
  Reads the output of \`aws cloudformation describe-change-set\` (one page per file, or a JSON array of pages)
  and prints the safety verdict. Exit 0: safe, 1: resources would be deleted or replaced, 2: bad input.`;

// Only the fields the verdict reads; the rest of the describe-change-set output is ignored.
const PageSchema = z.object({ Changes: z.array(z.record(z.string(), z.unknown())) }).passthrough();

const parsePages = (file: string, text: string): Change[] => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  const pages = Array.isArray(json) ? json : [json];
  return pages.flatMap((page, index) => {
    const parsed = PageSchema.safeParse(page);
    if (!parsed.success) {
      throw new Error(
        `${file}${Array.isArray(json) ? `[${index}]` : ''} is not describe-change-set output: it has no "Changes" list`,
      );
    }
    return parsed.data.Changes as Change[];
  });
};

/** `glue-cd inspect`: pure, so tests run it without a process; `bin/glue-cd.cjs` wires it to the terminal. */
export const runCli = (argv: string[], readFile: (file: string) => string): CliResult => {
  const [command, ...rest] = argv;
  if (command !== 'inspect' || rest.length === 0 || rest.includes('--help')) {
    return { exitCode: 2, stdout: '', stderr: USAGE };
  }
  try {
    const files: string[] = [];
    let policy: Partial<SafetyPolicy> = {};
    for (let i = 0; i < rest.length; i += 1) {
      const arg = rest[i] as string;
      if (arg === '--policy') {
        const policyFile = rest[++i];
        if (policyFile === undefined) throw new Error('--policy needs a file');
        const parsed = SafetyPolicySchema.safeParse(JSON.parse(readFile(policyFile)));
        if (!parsed.success) throw new Error(`${policyFile}: ${parsed.error.issues[0]?.message ?? 'invalid policy'}`);
        policy = parsed.data;
      } else {
        files.push(arg);
      }
    }
    if (files.length === 0) throw new Error('no describe-change-set file given');
    const changes = files.flatMap((file) => parsePages(file, readFile(file)));
    const verdict = changeSetVerdict(changes, policy);
    return { exitCode: verdict.safe ? 0 : 1, stdout: `${formatVerdict(verdict)}\n`, stderr: '' };
  } catch (error) {
    return { exitCode: 2, stdout: '', stderr: `glue-cd inspect: ${(error as Error).message}\n${USAGE}` };
  }
};
