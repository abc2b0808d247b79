import { parseArgs } from 'node:util';
import { ON_BROADENING, type OnBroadening } from '../../change-set/deploy-verdict';
import { CliInputError } from '../errors';

export const INSPECT_FORMATS = ['text', 'json', 'junit'] as const;
export type InspectFormat = (typeof INSPECT_FORMATS)[number];

export const INSPECT_USAGE = `usage: glue-cd inspect [options] <describe-change-set.json | -> ...
       glue-cd inspect [options] --stack-name <stack> --change-set-name <change set>
       glue-cd inspect [options] --old-template <file> --new-template <file>

Judges a CloudFormation change set the way the deploy state machine does: resources that would be deleted or
replaced (nested stacks included) and security broadening. Prints the changes like \`cdk diff\`, then the verdict.

Input (one of):
  <file> ...                     output of \`aws cloudformation describe-change-set\`: a page per file or a JSON
                                 array of pages; add the pages of the nested change sets. \`-\` reads stdin.
  --stack-name <stack>           reads the change set through the AWS SDK: every page, every nested change set,
  --change-set-name <name|arn>   the stack's current and the change set's templates (AWS_PROFILE, AWS_REGION,
                                 AWS_ENDPOINT_URL and the usual credential chain apply)
  --region <region>              for the live change set, instead of AWS_REGION
  --profile <profile>            for the live change set, instead of AWS_PROFILE
  --old-template <file>          the stack's current template and the one to deploy (JSON or YAML); with change
  --new-template <file>          set files, they add the template diff and security broadening of the root stack

Options:
  --format text|json|junit       text (default): the diff and the verdict; json: the report (see the README);
                                 junit: a testcase per resource change, a failure per refused change
  --policy <file>                safety policy JSON: allowedLogicalIds, allowedResourceTypes,
                                 protectedResourceTypes, conditionalReplacement
  --on-broadening fail|approve|allow
                                 what security broadening does to the verdict (default fail)
  --approved-plan <file>         with --on-broadening approve: a plan JSON the pipeline's plan action wrote
  --allow-incomplete             judge what was read when a nested change set or a page is missing
  --security-only                text: print only the security changes of the template diff
  -h, --help                     print this help
  --version                      print the version

Exit status: 0 safe, 1 unsafe (resources deleted or replaced, or broadening refused), 2 usage or input error,
3 incomplete (a nested change set or a page of one was not read; --allow-incomplete judges what was read).
`;

/** Where the change set comes from: files (or stdin), the live API, or only the two templates. */
export type InspectSource =
  | { kind: 'files'; files: string[] }
  | { kind: 'live'; stackName?: string; changeSetName: string; region?: string; profile?: string }
  | { kind: 'templates' };

export interface InspectOptions {
  source: InspectSource;
  templates?: { old: string; new: string };
  format: InspectFormat;
  policyFile?: string;
  onBroadening: OnBroadening;
  approvedPlanFile?: string;
  allowIncomplete: boolean;
  securityOnly: boolean;
}

export type InspectCommand = { kind: 'help' } | { kind: 'inspect'; options: InspectOptions };

const OPTIONS = {
  'stack-name': { type: 'string' },
  'change-set-name': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'old-template': { type: 'string' },
  'new-template': { type: 'string' },
  format: { type: 'string' },
  policy: { type: 'string' },
  'on-broadening': { type: 'string' },
  'approved-plan': { type: 'string' },
  'allow-incomplete': { type: 'boolean' },
  'security-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const oneOf = <T extends string>(flag: string, allowed: readonly T[], value: string | undefined, fallback: T): T => {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliInputError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
};

// parseArgs explains how to pass a positional starting with '-'; the first sentence is what the user needs.
const firstSentence = (message: string): string => (message.split(/\.\s/)[0] ?? message).replace(/\.$/, '');

const parse = (argv: string[]) => {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliInputError(firstSentence((error as Error).message));
  }
};

/** The command line of `glue-cd inspect` (without the command name), strictly: an unknown flag is an error. */
export const parseInspectArgs = (argv: string[]): InspectCommand => {
  const parsed = parse(argv);
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const stackName = values['stack-name'];
  const changeSetName = values['change-set-name'];
  const live = stackName !== undefined || changeSetName !== undefined;
  if ((values['old-template'] === undefined) !== (values['new-template'] === undefined)) {
    throw new CliInputError('--old-template and --new-template go together');
  }
  const templates =
    values['old-template'] !== undefined && values['new-template'] !== undefined
      ? { old: values['old-template'], new: values['new-template'] }
      : undefined;

  let source: InspectSource;
  if (live) {
    if (changeSetName === undefined) throw new CliInputError('--stack-name needs --change-set-name');
    // A change set ARN names its stack; a bare name does not.
    if (stackName === undefined && !changeSetName.startsWith('arn:')) {
      throw new CliInputError('--change-set-name without --stack-name must be a change set ARN');
    }
    if (positionals.length > 0) {
      throw new CliInputError(
        `a live change set (--stack-name/--change-set-name) and files (${positionals.join(', ')}) exclude each other`,
      );
    }
    if (templates !== undefined) {
      throw new CliInputError('a live change set brings its own templates: drop --old-template and --new-template');
    }
    source = {
      kind: 'live',
      changeSetName,
      ...(stackName !== undefined ? { stackName } : {}),
      ...(values.region !== undefined ? { region: values.region } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
    };
  } else {
    if (values.region !== undefined || values.profile !== undefined) {
      throw new CliInputError(
        '--region and --profile only apply to a live change set (--stack-name/--change-set-name)',
      );
    }
    if (positionals.length > 0) source = { kind: 'files', files: positionals };
    else if (templates !== undefined) source = { kind: 'templates' };
    else
      throw new CliInputError(
        'nothing to inspect: give describe-change-set files, -, a live change set or two templates',
      );
  }

  const inputs = [...positionals, values.policy, values['approved-plan'], templates?.old, templates?.new];
  if (inputs.filter((file) => file === '-').length > 1) throw new CliInputError('standard input (-) can be read once');

  const onBroadening = oneOf('on-broadening', ON_BROADENING, values['on-broadening'], 'fail');
  if (values['approved-plan'] !== undefined && onBroadening !== 'approve') {
    throw new CliInputError('--approved-plan is only read with --on-broadening approve');
  }
  return {
    kind: 'inspect',
    options: {
      source,
      ...(templates !== undefined ? { templates } : {}),
      format: oneOf('format', INSPECT_FORMATS, values.format, 'text'),
      ...(values.policy !== undefined ? { policyFile: values.policy } : {}),
      onBroadening,
      ...(values['approved-plan'] !== undefined ? { approvedPlanFile: values['approved-plan'] } : {}),
      allowIncomplete: values['allow-incomplete'] ?? false,
      securityOnly: values['security-only'] ?? false,
    },
  };
};
