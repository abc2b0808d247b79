import type { Change } from '@aws-sdk/client-cloudformation';
import * as z from 'zod';
import { templateDiffReport } from '../change-set/broadening';
import {
  deployVerdict,
  formatDeployVerdict,
  judgeBroadening,
  ON_BROADENING,
  type OnBroadening,
} from '../change-set/deploy-verdict';
import { changeSetVerdict, formatVerdict } from '../change-set/verdict';
import { SafetyPolicySchema, type SafetyPolicy } from '../change-set/safety-policy';
import { parseTemplateBody } from '../template/parse-template';

export interface CliResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

const USAGE = `usage: glue-cd inspect [<describe-change-set.json> ...] [--policy <policy.json>]
                       [--old-template <current template> --new-template <new template>]
                       [--on-broadening fail|approve|allow] [--diff]
  Reads the output of \`aws cloudformation describe-change-set\` (one page per file, or a JSON array of pages)
  and prints the safety verdict. With both templates (JSON or YAML, e.g. \`aws cloudformation get-template\`
  TemplateBody and the template you are about to deploy) it also reports security broadening: new or widened IAM
  statements, bucket and key policies, managed policies, security group rules, relaxed public access blocks;
  --diff prints the cdk-diff-like text too. Exit 0: safe, 1: resources would be deleted or replaced or
  broadening is refused (--on-broadening fail, the default), 2: bad input.`;

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

interface CliOptions {
  files: string[];
  policy: Partial<SafetyPolicy>;
  oldTemplate?: string;
  newTemplate?: string;
  onBroadening: OnBroadening;
  diff: boolean;
}

const parseArgs = (rest: string[], readFile: (file: string) => string): CliOptions => {
  const options: CliOptions = { files: [], policy: {}, onBroadening: 'fail', diff: false };
  const value = (flag: string, i: number): string => {
    const next = rest[i];
    if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
    return next;
  };
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] as string;
    switch (arg) {
      case '--policy': {
        const policyFile = value(arg, ++i);
        const parsed = SafetyPolicySchema.safeParse(JSON.parse(readFile(policyFile)));
        if (!parsed.success) throw new Error(`${policyFile}: ${parsed.error.issues[0]?.message ?? 'invalid policy'}`);
        options.policy = parsed.data;
        break;
      }
      case '--old-template':
        options.oldTemplate = value(arg, ++i);
        break;
      case '--new-template':
        options.newTemplate = value(arg, ++i);
        break;
      case '--on-broadening': {
        const policy = value(arg, ++i);
        if (!(ON_BROADENING as readonly string[]).includes(policy)) {
          throw new Error(`--on-broadening must be one of ${ON_BROADENING.join(', ')}, got ${policy}`);
        }
        options.onBroadening = policy as OnBroadening;
        break;
      }
      case '--diff':
        options.diff = true;
        break;
      default:
        if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
        options.files.push(arg);
    }
  }
  if ((options.oldTemplate === undefined) !== (options.newTemplate === undefined)) {
    throw new Error('--old-template and --new-template go together');
  }
  if (options.files.length === 0 && options.oldTemplate === undefined) {
    throw new Error('no describe-change-set file and no templates given');
  }
  return options;
};

/** `glue-cd inspect`: pure, so tests run it without a process; `bin/glue-cd.cjs` wires it to the terminal. */
export const runCli = (argv: string[], readFile: (file: string) => string): CliResult => {
  const [command, ...rest] = argv;
  if (command !== 'inspect' || rest.length === 0 || rest.includes('--help')) {
    return { exitCode: 2, stdout: '', stderr: USAGE };
  }
  try {
    const options = parseArgs(rest, readFile);
    const changes = options.files.flatMap((file) => parsePages(file, readFile(file)));
    const verdict = changeSetVerdict(changes, options.policy);
    if (options.oldTemplate === undefined || options.newTemplate === undefined) {
      return { exitCode: verdict.safe ? 0 : 1, stdout: `${formatVerdict(verdict)}\n`, stderr: '' };
    }
    const report = templateDiffReport(
      parseTemplateBody(readFile(options.oldTemplate), options.oldTemplate),
      parseTemplateBody(readFile(options.newTemplate), options.newTemplate),
      changes.length > 0 ? { changes } : {},
    );
    const judged = deployVerdict(verdict, judgeBroadening(report.broadening, options.onBroadening));
    const text = `${formatDeployVerdict(judged)}\n${options.diff ? `\n${report.text}` : ''}`;
    return { exitCode: judged.safe ? 0 : 1, stdout: text, stderr: '' };
  } catch (error) {
    return { exitCode: 2, stdout: '', stderr: `glue-cd inspect: ${(error as Error).message}\n${USAGE}` };
  }
};
