// Fault injection: the one hook through which the fault suite (`pnpm faults`) makes the local cloud misbehave the way
// AWS does under load or failure. Off by default: with no injector the router and the Lambda runtime skip it entirely.
import { z } from 'zod';
import { AwsServiceError } from './aws-error';

/** What an injected fault does to one matching call. */
export type FaultAction =
  /** Answer with an AWS-shaped error instead of executing (throttling: 400/429/503 with the service's code; 5xx). */
  | { kind: 'error'; code: string; status: number; message?: string }
  /** Wait this long, then execute normally (a slow service). */
  | { kind: 'delay'; ms: number }
  /** Execute, then close the connection without an answer (a response lost after its side effect). */
  | { kind: 'drop' }
  /** Call the plan's `onKill` (the process dies) before or after executing; every later request is dropped. */
  | { kind: 'kill'; when: 'before' | 'after' }
  /**
   * The Lambda invocation that made this call (signed with its role's key) is SIGKILLed instead of the call executing:
   * a function that dies mid-way, e.g. the pipeline trigger after StartExecution and before answering its job.
   */
  | { kind: 'crash-caller' }
  /** Lambda runtime only: the function process exits (Runtime.ExitError) before running, or after it ran. */
  | { kind: 'crash'; when: 'before' | 'after' }
  /** Lambda runtime only: the function runs, then the invocation is reported timed out (Sandbox.Timedout). */
  | { kind: 'timeout' };

export interface FaultRule {
  /** SigV4 signing name: s3, cloudformation, states, lambda, glue, athena, codepipeline … */
  service: string;
  /** The API operation (`CreateChangeSet`, `PutObject` …); unset matches every operation of the service. */
  operation?: string;
  /** Lambda runtime faults: the function name, or its last `-` part (`createChangeSet` of `svc-stage-createChangeSet`). */
  functionName?: string;
  /** A predicate over the decoded input. */
  match?: (input: Record<string, unknown>) => boolean;
  /** Let this many matching calls through first (default 0). */
  skip?: number;
  /** Inject on at most this many matching calls (default: every one). */
  times?: number;
  /** Inject with this probability (seeded RNG of the plan; default 1). */
  probability?: number;
  action: FaultAction;
}

/** One fault that happened: what the suite reports as "fault → outcome". */
export interface InjectedFault {
  service: string;
  operation: string;
  action: FaultAction['kind'];
  at: string;
}

export interface FaultPlan {
  rules?: FaultRule[];
  /** Seed of the RNG behind `probability` (default 1): the same plan injects the same faults. */
  seed?: number;
  /** What `kill` does (default: SIGKILL this process, as `kill -9` would). */
  onKill?: (fault: InjectedFault) => void;
}

export type RequestFaultOutcome = 'execute' | 'drop-after' | 'kill-after' | 'crash-caller';

export interface FaultInjector {
  /** Replaces the rules (and their counters); the seed restarts. */
  setRules(rules: FaultRule[], seed?: number): void;
  /** Router hook, called once a request's operation is decoded: throws the injected error, delays, or says what to do. */
  beforeCall(service: string, operation: string, input: Record<string, unknown>): Promise<RequestFaultOutcome>;
  /** Lambda runtime hook, before an invocation runs. */
  beforeInvoke(functionName: string): 'run' | 'crash-before' | 'crash-after' | 'timeout';
  /** The server calls this once a `kill-after` request has executed: the process "dies" now. */
  killNow(): void;
  /** True once a kill fault fired: the "dead" cloud drops every request. */
  readonly killed: boolean;
  /** Faults injected so far, in order. */
  injected(): InjectedFault[];
}

/** mulberry32: a tiny deterministic RNG, so a probabilistic plan replays identically. */
const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const namesFunction = (wanted: string, actual: unknown): boolean =>
  typeof actual === 'string' && (actual === wanted || actual.endsWith(`-${wanted}`));

const RUNTIME_KINDS = new Set<FaultAction['kind']>(['crash', 'timeout']);

export function createFaultInjector(plan: FaultPlan = {}): FaultInjector {
  let rules: { rule: FaultRule; seen: number; fired: number }[] = (plan.rules ?? []).map((rule) => ({
    rule,
    seen: 0,
    fired: 0,
  }));
  let random = seededRandom(plan.seed ?? 1);
  let killed = false;
  const log: InjectedFault[] = [];
  const kill =
    plan.onKill ??
    (() => {
      process.kill(process.pid, 'SIGKILL');
    });

  const killNow = (): void => {
    if (killed) return;
    killed = true;
    kill(log[log.length - 1] as InjectedFault);
  };

  const pick = (
    stage: 'request' | 'runtime',
    service: string,
    operation: string,
    input: Record<string, unknown>,
  ): FaultAction | undefined => {
    for (const entry of rules) {
      const { rule } = entry;
      if (RUNTIME_KINDS.has(rule.action.kind) !== (stage === 'runtime')) continue;
      if (rule.service !== service || (rule.operation !== undefined && rule.operation !== operation)) continue;
      if (rule.functionName !== undefined && !namesFunction(rule.functionName, input.FunctionName)) continue;
      if (rule.match && !rule.match(input)) continue;
      entry.seen += 1;
      if (entry.seen <= (rule.skip ?? 0)) continue;
      if (entry.fired >= (rule.times ?? Number.POSITIVE_INFINITY)) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      entry.fired += 1;
      log.push({ service, operation, action: rule.action.kind, at: new Date().toISOString() });
      return rule.action;
    }
    return undefined;
  };

  return {
    setRules(next, seed) {
      rules = next.map((rule) => ({ rule, seen: 0, fired: 0 }));
      random = seededRandom(seed ?? plan.seed ?? 1);
    },
    async beforeCall(service, operation, input) {
      if (killed) return 'drop-after';
      const action = pick('request', service, operation, input);
      if (!action) return 'execute';
      switch (action.kind) {
        case 'error':
          throw new AwsServiceError(
            action.code,
            action.message ?? `Injected fault: ${service}:${operation} answered ${action.code}`,
            action.status,
            {},
            { senderFault: action.status < 500 },
          );
        case 'delay':
          await new Promise((resolve) => setTimeout(resolve, action.ms));
          return 'execute';
        case 'drop':
          return 'drop-after';
        case 'kill':
          if (action.when === 'after') return 'kill-after';
          killNow();
          return 'drop-after';
        case 'crash-caller':
          return 'crash-caller';
        default:
          return 'execute';
      }
    },
    beforeInvoke(functionName) {
      if (killed) return 'crash-before';
      const action = pick('runtime', 'lambda', 'Invoke', { FunctionName: functionName });
      if (action?.kind === 'crash') return action.when === 'before' ? 'crash-before' : 'crash-after';
      if (action?.kind === 'timeout') return 'timeout';
      return 'run';
    },
    killNow,
    get killed() {
      return killed;
    },
    injected: () => [...log],
  };
}

const FAULT_ACTION = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('error'),
    code: z.string().min(1),
    status: z.int().min(400).max(599),
    message: z.string().optional(),
  }),
  z.object({ kind: z.literal('delay'), ms: z.int().min(0) }),
  z.object({ kind: z.literal('drop') }),
  z.object({ kind: z.literal('kill'), when: z.enum(['before', 'after']) }),
  z.object({ kind: z.literal('crash-caller') }),
  z.object({ kind: z.literal('crash'), when: z.enum(['before', 'after']) }),
  z.object({ kind: z.literal('timeout') }),
]);

/** A fault plan as a file holds it (`pnpm cloud --faults <file>`): JSON rules, no `match` predicates, no `onKill`. */
const FAULT_PLAN_FILE = z.strictObject({
  seed: z.int().optional(),
  rules: z.array(
    z.strictObject({
      service: z.string().min(1),
      operation: z.string().min(1).optional(),
      functionName: z.string().min(1).optional(),
      skip: z.int().min(0).optional(),
      times: z.int().min(0).optional(),
      probability: z.number().min(0).max(1).optional(),
      action: FAULT_ACTION,
    }),
  ),
});

/** Reads a fault plan file's JSON, validated once; the error names the file and the field that is wrong. */
export const parseFaultPlan = (text: string, source: string): { rules: FaultRule[]; seed?: number } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`fault plan ${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = FAULT_PLAN_FILE.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.map(String).join('.') || '(top level)';
    throw new Error(`fault plan ${source}: ${at}: ${issue?.message ?? 'invalid'}`);
  }
  const { seed, rules } = parsed.data;
  return { rules: rules as FaultRule[], ...(seed === undefined ? {} : { seed }) };
};
