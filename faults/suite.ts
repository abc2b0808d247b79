// Runs fault cases one after another on one local cloud and reports "fault → outcome": a case is clean when its own
// checks pass, its fault really fired, nothing it did not mean to delete is gone and no row was lost.
import type { FaultCase } from './cases';
import { FaultContext, type Inventory } from './context';

export interface CaseResult {
  id: string;
  service: string;
  fault: string;
  expected: string;
  observed: string;
  clean: boolean;
  problems: string[];
  seconds: number;
}

/** Bounds one case: a hung deploy is a finding, not a hung suite. */
const CASE_TIMEOUT_MS = 300_000;

const withTimeout = <T>(work: Promise<T>, ms: number, label: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no outcome after ${ms / 1000} s`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** What disappeared between two inventories, apart from what the case deletes on purpose. */
export const losses = (before: Inventory, after: Inventory, intended: string[]): string[] => {
  const meant = (name: string) => intended.some((prefix) => name === prefix || name.startsWith(`${prefix}/`));
  const problems: string[] = [];
  for (const [stack, status] of before.stacks) {
    if (!after.stacks.has(stack) && !meant(stack)) problems.push(`unintended delete: stack ${stack} (was ${status})`);
  }
  for (const [object, size] of before.objects) {
    if (meant(object)) continue;
    const now = after.objects.get(object);
    if (now === undefined) problems.push(`lost rows: s3://${object} is gone`);
    else if (now !== size) problems.push(`lost rows: s3://${object} is ${now} bytes, was ${size}`);
  }
  return problems;
};

export const runCase = async (context: FaultContext, fault: FaultCase): Promise<CaseResult> => {
  const started = Date.now();
  const names = context.names(fault.id.slice(0, 24));
  const result = (observed: string, problems: string[]): CaseResult => ({
    id: fault.id,
    service: fault.service,
    fault: fault.fault,
    expected: fault.expected,
    observed,
    clean: problems.length === 0,
    problems,
    seconds: (Date.now() - started) / 1000,
  });
  context.inject([]);
  const firedBefore = context.injectedCount();
  let before: Inventory | undefined;
  try {
    before = await context.inventory();
    const run = await withTimeout(fault.run(context, names), CASE_TIMEOUT_MS, fault.id);
    context.inject([]);
    const problems = [...run.problems];
    if (fault.injects !== false && context.injectedCount() === firedBefore) problems.push('the fault never fired');
    problems.push(...losses(before, await context.inventory(), fault.deletes?.(names) ?? []));
    return result(run.observed, problems);
  } catch (error) {
    context.inject([]);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return result(`threw ${message.split('\n')[0]}`, [message]);
  }
};

export const runSuite = async (
  cases: FaultCase[],
  onResult: (result: CaseResult) => void = () => undefined,
): Promise<CaseResult[]> => {
  const context = await FaultContext.start();
  const results: CaseResult[] = [];
  try {
    for (const fault of cases) {
      const result = await runCase(context, fault);
      results.push(result);
      onResult(result);
    }
  } finally {
    await context.close();
  }
  return results;
};

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report table (Markdown): case, fault, expected outcome, observed, clean? */
export const formatTable = (results: CaseResult[]): string =>
  [
    '| case | service | fault | expected outcome | observed | clean? |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.id} | ${r.service} | ${cell(r.fault)} | ${cell(r.expected)} | ${cell(r.observed)} | ${r.clean ? 'yes' : `NO: ${cell(r.problems.join('; '))}`} |`,
    ),
  ].join('\n');

/** The suite's last line: exactly `faults: N injected, N clean`. */
export const summaryLine = (results: CaseResult[]): string =>
  `faults: ${results.length} injected, ${results.filter((r) => r.clean).length} clean`;

/** docs/faults.md as written: renderDocs laid out by prettier (which owns the repository's layout). */
export const formattedDocs = async (cases: FaultCase[], docsPath: string): Promise<string> => {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(docsPath)) ?? {};
  return prettier.format(renderDocs(cases), { ...config, filepath: docsPath });
};

/** The case rows of docs/faults.md (whatever their layout): what the drift test compares with the case table. */
export const documentedCases = (markdown: string): string[][] =>
  markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((text) => text.trim().replace(/\\\|/g, '|')),
    );

/** What documentedCases must read for the case table. */
export const caseRows = (cases: FaultCase[]): string[][] => cases.map((c) => [c.id, c.service, c.fault, c.expected]);

/** docs/faults.md: the case list (what is injected, what is expected), generated from the case table. */
export const renderDocs = (cases: FaultCase[]): string =>
  [
    '# Fault injection: `pnpm faults`',
    '',
    '<!-- Generated by `pnpm faults -- --write-docs` from faults/cases.ts; test/faults.test.ts fails when it drifts. -->',
    '',
    'Each case injects one fault into the local cloud (`packages/local-cloud/src/faults.ts`: an AWS-shaped error, a',
    'delay, an answer lost after the call executed, a kill; a Lambda crash or timeout, or the crash of the invocation',
    'making a call) or makes one hostile situation,',
    'around a real deploy through the sls-packaged pipeline trigger and deploy state machine (test/e2e/harness.ts), with',
    'the real SDK clients and their retries. A case is clean when its outcome is the expected one (success, or a failure',
    'whose message says what happened and what to do), its fault fired, nothing was deleted that it did not mean to',
    'delete and no row was lost. The run prints a table of these columns plus what was observed, and ends with',
    '`faults: N injected, N clean` (exit 1 when not all are clean). `pnpm faults -- --only <id>,<id>` runs some.',
    'The process kill is real: `process-kill-mid-deploy` runs `pnpm cloud --faults <plan.json>` as its own process,',
    'which the plan SIGKILLs right after CreateStack, and starts it again on the same state folder. The same plan file',
    'works by hand: `{ "rules": [{ "service": "cloudformation", "operation": "CreateStack", "action": { "kind": "kill",',
    '"when": "after" } }] }`.',
    '',
    '| case | service | fault | expected outcome |',
    '| --- | --- | --- | --- |',
    ...cases.map((c) => `| ${c.id} | ${c.service} | ${cell(c.fault)} | ${cell(c.expected)} |`),
    '',
  ].join('\n');
