import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { z } from 'zod';
import type { PlanApproval } from '../../change-set/deploy-verdict';
import type { SafetyPolicy } from '../../change-set/safety-policy';
import { SafetyPolicySchema } from '../../change-set/safety-policy-schema';
import { formatIssuePath } from '../../errors';
import { parsePlanDocument } from '../../plan';
import { parseTemplateBody } from '../../template/parse-template';
import { CliInputError, type ExitCode } from '../errors';
import type { CliIo } from '../io';
import { assembleChangeSet, parsePagesFile, stackKey, type AssembledChangeSet } from './change-set-pages';
import { exitCodeOf, inspect, type StackTemplates } from './inspection';
import { readLiveChangeSet, readLiveTemplates } from './live-change-set';
import type { InspectOptions } from './options';
import { renderJson, renderJunit, renderText } from './render';

/** A named input: `-` is stdin, anything else a path from the working directory. */
const readInput = (io: CliIo, file: string, what: string): string => {
  try {
    return file === '-' ? io.readStdin() : io.readFile(file);
  } catch (error) {
    throw new CliInputError(`cannot read ${what} ${file === '-' ? '(stdin)' : file}: ${(error as Error).message}`);
  }
};

const inputLabel = (file: string): string => (file === '-' ? '(stdin)' : file);

const readJson = (io: CliIo, file: string, what: string): unknown => {
  const text = readInput(io, file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliInputError(`${what} ${inputLabel(file)} is not JSON: ${(error as Error).message}`);
  }
};

const readPolicy = (io: CliIo, file: string | undefined): Partial<SafetyPolicy> => {
  if (file === undefined) return {};
  const parsed = SafetyPolicySchema.safeParse(readJson(io, file, 'policy'));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
  throw new CliInputError(`policy ${inputLabel(file)}: ${problems.join('; ')}`);
};

const readApproval = (io: CliIo, file: string | undefined, stackName: string | undefined): PlanApproval | undefined => {
  if (file === undefined) return undefined;
  const json = readJson(io, file, 'approved plan');
  let plan;
  try {
    plan = parsePlanDocument(json, inputLabel(file));
  } catch (error) {
    throw new CliInputError((error as Error).message);
  }
  if (stackName !== undefined && plan.stackName !== stackName) {
    return { url: inputLabel(file), problem: `it is a plan of stack ${plan.stackName}, not ${stackName}` };
  }
  return { url: inputLabel(file), approvedIds: new Set(plan.broadening.map((b) => b.id)) };
};

const readTemplate = (io: CliIo, file: string, flag: string) =>
  parseTemplateBody(readInput(io, file, `${flag}`), `${flag} ${inputLabel(file)}`);

/** Re-throws the core's ConfigurationError (a template that is neither JSON nor YAML) as bad input. */
const asInputError = <T>(read: () => T): T => {
  try {
    return read();
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    if (error instanceof z.ZodError || (error as Error).name === 'ConfigurationError') {
      throw new CliInputError((error as Error).message);
    }
    throw error;
  }
};

const TEMPLATES_ONLY: AssembledChangeSet = {
  tree: { changes: [] },
  stacks: [{ stackPath: [], changes: [] }],
  incomplete: [],
};

/** `glue-cd inspect`: reads the change set (files, stdin or the API), judges it, prints it; returns the exit code. */
export const runInspect = async (options: InspectOptions, io: CliIo): Promise<ExitCode> => {
  const policy = asInputError(() => readPolicy(io, options.policyFile));
  let changeSet: AssembledChangeSet;
  const templates = new Map<string, StackTemplates>();
  const { source } = options;
  if (source.kind === 'live') {
    const cfn: CloudFormationClient = io.cloudFormation({
      ...(source.region !== undefined ? { region: source.region } : {}),
      ...(source.profile !== undefined ? { profile: source.profile } : {}),
    });
    const pages = await readLiveChangeSet(cfn, source, { sleep: io.sleep, onWait: (line) => io.stderr(`${line}\n`) });
    changeSet = assembleChangeSet(pages);
    // An empty change set (FAILED, "didn't contain changes") has no template diff worth fetching.
    if (changeSet.stacks.some((stack) => stack.changes.length > 0)) {
      for (const [key, value] of await readLiveTemplates(cfn, changeSet.stacks)) templates.set(key, value);
    }
  } else {
    changeSet =
      source.kind === 'files'
        ? assembleChangeSet(
            source.files.flatMap((file) => parsePagesFile(inputLabel(file), readInput(io, file, 'change set'))),
          )
        : TEMPLATES_ONLY;
    if (options.templates !== undefined) {
      const { old: oldFile, new: newFile } = options.templates;
      templates.set(stackKey([]), {
        current: asInputError(() => readTemplate(io, oldFile, '--old-template')),
        proposed: asInputError(() => readTemplate(io, newFile, '--new-template')),
      });
    }
  }
  const approval = readApproval(io, options.approvedPlanFile, changeSet.stacks[0]?.stackName);
  const inspection = inspect({
    changeSet,
    changeSetGiven: source.kind !== 'templates',
    templates,
    policy,
    onBroadening: options.onBroadening,
    ...(approval !== undefined ? { approval } : {}),
    allowIncomplete: options.allowIncomplete,
    securityOnly: options.securityOnly,
  });
  const render = { text: renderText, json: renderJson, junit: renderJunit }[options.format];
  io.stdout(render(inspection));
  return exitCodeOf(inspection.report);
};
