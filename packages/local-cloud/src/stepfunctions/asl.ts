// What the local Step Functions needs to know about a definition before running it through aws-local-stepfunctions:
// every state (nested Parallel branches and Map processors included) by name, so overrides keyed by state name
// can be built, and which Task states invoke Lambda.

export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: unknown;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number }[];
  Error?: string;
  Cause?: string;
  ErrorPath?: string;
  CausePath?: string;
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine;
}

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
}

/** Every state of the machine, depth first, with the nested machines of Parallel and Map states. */
export function allStates(machine: AslMachine): { name: string; state: AslState }[] {
  const found: { name: string; state: AslState }[] = [];
  const visit = (current: AslMachine): void => {
    for (const [name, state] of Object.entries(current.States ?? {})) {
      found.push({ name, state });
      for (const branch of state.Branches ?? []) visit(branch);
      if (state.Iterator) visit(state.Iterator);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(machine);
  return found;
}

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+(:[$a-zA-Z0-9_-]+)?$/;
const LAMBDA_INVOKE_INTEGRATION = /^arn:aws[a-z-]*:states:::lambda:invoke$/;

export type TaskKind = { kind: 'lambda-arn' } | { kind: 'lambda-invoke' } | { kind: 'unsupported' };

/** A Task's Resource: a Lambda function ARN, the optimised `lambda:invoke` integration, or something the local cloud cannot run. */
export function taskKind(resource: string | undefined): TaskKind {
  if (resource && LAMBDA_FUNCTION_ARN.test(resource)) return { kind: 'lambda-arn' };
  if (resource && LAMBDA_INVOKE_INTEGRATION.test(resource)) return { kind: 'lambda-invoke' };
  return { kind: 'unsupported' };
}
