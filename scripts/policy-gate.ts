// The project policy gate over packaged CloudFormation templates (rules: scripts/policy-rules.ts).
//   node scripts/run-ts.cjs scripts/policy-gate.ts [--template] <file> … [--application <file>] … [--protected <file>] …
// --template: every rule but the two below; --application: also a boundary on every role (stacks the pipeline
// deploys); --protected: also Retain on every stateful resource (a protected environment such as prod).
// Exit 0: no finding; 1: findings (one line each: rule, template#logicalId, message); 2: bad usage.
import { readFile } from 'node:fs/promises';
import { checkTemplate, formatFinding, type Template, type TemplateKind } from './policy-rules';

const USAGE =
  'usage: policy-gate.ts [--template] <template.json>… [--application <template.json>]… [--protected <template.json>]…';

export interface GateTarget {
  file: string;
  kind: TemplateKind;
}

export class PolicyGateUsageError extends Error {
  override name = 'PolicyGateUsageError';
}

export const parseGateArgs = (args: string[]): GateTarget[] => {
  const targets: GateTarget[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const kinds: Record<string, TemplateKind> = {
      '--template': {},
      '--application': { application: true },
      '--protected': { application: true, protected: true },
    };
    if (arg.startsWith('--')) {
      const kind = kinds[arg];
      const file = args[i + 1];
      if (!kind) throw new PolicyGateUsageError(`unknown option ${arg}\n${USAGE}`);
      if (!file || file.startsWith('--')) throw new PolicyGateUsageError(`${arg} needs a template file\n${USAGE}`);
      targets.push({ file, kind });
      i++;
    } else {
      targets.push({ file: arg, kind: {} });
    }
  }
  if (targets.length === 0) throw new PolicyGateUsageError(USAGE);
  return targets;
};

/** The project CLI convention (test/buildspec-commands.test.ts): the buildspec's argument lines parse, or throw. */
export const parseArguments = parseGateArgs;

/** The findings of every target, formatted; an unreadable or non-JSON template is a finding-free error. */
export const runGate = async (targets: GateTarget[]): Promise<string[]> => {
  const lines: string[] = [];
  for (const { file, kind } of targets) {
    const template = JSON.parse(await readFile(file, 'utf8')) as Template;
    if (typeof template.Resources !== 'object' || template.Resources === null) {
      throw new PolicyGateUsageError(`${file}: not a CloudFormation template (no Resources)`);
    }
    lines.push(...(await checkTemplate(template, kind)).map((finding) => formatFinding(file, finding)));
  }
  return lines;
};

const main = async (): Promise<number> => {
  try {
    const targets = parseGateArgs(process.argv.slice(2));
    const findings = await runGate(targets);
    for (const line of findings) console.error(line);
    console.log(`policy gate: ${targets.length} template(s), ${findings.length} finding(s)`);
    return findings.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
};

// scripts/run-ts.cjs requires the entry (so require.main is the runner) and sets argv[1] to it.
if (require.main === module || process.argv[1] === __filename) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
