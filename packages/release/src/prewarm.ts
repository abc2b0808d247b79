import { functionNameOf } from '@glue-cd/local-cloud';
import { mapConcurrently } from '@glue-cd/core';
import type { DeliveryServices } from './delivery-services';
import type { ReleaseTarget } from './local-environment';
import type { PipelineDefinition } from './pipeline-definition';

/** A function to initialize ahead of the run, and how many of its invocations run at once. */
export interface PrewarmTarget {
  functionName: string;
  count: number;
}

interface AslState {
  Type?: string;
  Resource?: unknown;
  Parameters?: { FunctionName?: unknown };
  Next?: unknown;
  Default?: unknown;
  Choices?: { Next?: unknown }[];
  Catch?: { Next?: unknown }[];
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine;
}

interface AslMachine {
  StartAt?: unknown;
  States?: Record<string, AslState>;
}

/** The function a Task state invokes: a Lambda ARN as its Resource, or the lambda:invoke integration's FunctionName. */
const taskFunction = (state: AslState): string | undefined => {
  if (typeof state.Resource !== 'string') return undefined;
  const target = state.Resource.startsWith('arn:aws:states:::lambda:invoke')
    ? state.Parameters?.FunctionName
    : state.Resource;
  if (typeof target !== 'string') return undefined;
  try {
    // The name the local Lambda resolves it to (a function ARN, partial ARN or name, qualifiers included).
    return functionNameOf(target);
  } catch {
    return undefined;
  }
};

/**
 * The Lambda functions a state machine's Task states invoke, each once, in the order an execution reaches them
 * (breadth first from StartAt, through Next, Choices, Default, Catch, and into Parallel and Map branches).
 */
export const taskFunctions = (definition: string): string[] => {
  const found: string[] = [];
  const walk = (machine: AslMachine | undefined): void => {
    const states = machine?.States ?? {};
    const queue = typeof machine?.StartAt === 'string' ? [machine.StartAt] : [];
    // Error paths (Catch) come after every state the normal path reaches.
    const caught: string[] = [];
    const seen = new Set(queue);
    const reach = (target: unknown, into: string[]): void => {
      if (typeof target !== 'string' || seen.has(target)) return;
      seen.add(target);
      into.push(target);
    };
    while (queue.length > 0 || caught.length > 0) {
      const state = states[(queue.length > 0 ? queue : caught).shift()!];
      if (!state) continue;
      const name = state.Type === 'Task' ? taskFunction(state) : undefined;
      if (name !== undefined && !found.includes(name)) found.push(name);
      for (const branch of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) walk(branch);
      for (const target of [state.Next, ...(state.Choices ?? []).map((c) => c.Next), state.Default])
        reach(target, queue);
      for (const handler of state.Catch ?? []) reach(handler.Next, caught);
    }
  };
  walk(JSON.parse(definition) as AslMachine);
  return found;
};

/**
 * What the run will invoke: each Lambda Invoke action's function, as many times as its actions run together in one
 * RunOrder group, then the deploy state machine's task functions (once each) in the order an execution reaches them.
 */
export const prewarmTargets = (
  pipeline: PipelineDefinition,
  delivery: Pick<DeliveryServices, 'exports'>,
  stateMachineDefinition: string | undefined,
): PrewarmTarget[] => {
  const counts = new Map<string, number>();
  for (const stage of pipeline.stages) {
    const groups = new Map<number, Map<string, number>>();
    for (const action of stage.actions) {
      const declared = action.functionName;
      if (action.kind !== 'lambda-invoke' || !declared) continue;
      const name = 'literal' in declared ? declared.literal : delivery.exports[declared.importValue];
      if (name === undefined || name.includes('#{')) continue;
      const group = groups.get(action.runOrder) ?? new Map<string, number>();
      group.set(name, (group.get(name) ?? 0) + 1);
      groups.set(action.runOrder, group);
    }
    for (const group of groups.values())
      for (const [name, count] of group) counts.set(name, Math.max(counts.get(name) ?? 0, count));
  }
  const targets = [...counts].map(([functionName, count]) => ({ functionName, count }));
  for (const functionName of stateMachineDefinition ? taskFunctions(stateMachineDefinition) : [])
    if (!counts.has(functionName)) targets.push({ functionName, count: 1 });
  return targets;
};

/** The functions a packaged template declares, by name (AWS::Lambda::Function FunctionName). */
export const declaredFunctions = (template: {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}): Set<string> =>
  new Set(
    Object.values(template.Resources).flatMap((resource) =>
      resource.Type === 'AWS::Lambda::Function' && typeof resource.Properties?.FunctionName === 'string'
        ? [resource.Properties.FunctionName]
        : [],
    ),
  );

/** The difference the release prints when it prewarmed: what, and what AWS does instead. */
export const prewarmDifference = (initialized: PrewarmTarget[]): string =>
  `Lambda: ${initialized.reduce((sum, t) => sum + t.count, 0)} execution environments (${initialized
    .map((t) => (t.count > 1 ? `${t.functionName} ×${t.count}` : t.functionName))
    .join(
      ', ',
    )}) were initialized right after the bootstrap of their stack, beside the first stages, as provisioned concurrency would: on AWS without it, the first invocations of each function pay its cold start (init)`;

/**
 * Initializes the targets' execution environments on a local cloud in this process, two at a time (the machine's
 * cores are shared with the Source and the Build), in order; resolves with those that initialized. Never throws:
 * a function that cannot be prewarmed is initialized by its first invocation, as on AWS.
 */
export const prewarmFunctions = async (
  release: Pick<ReleaseTarget, 'prewarm'>,
  targets: PrewarmTarget[],
  parallel = 2,
): Promise<PrewarmTarget[]> => {
  const { prewarm } = release;
  if (!prewarm) return [];
  const initialized = await mapConcurrently(targets, parallel, async ({ functionName, count }) => {
    const started = await prewarm.call(release, functionName, count).catch(() => 0);
    return started > 0 ? { functionName, count: started } : undefined;
  });
  return initialized.filter((target) => target !== undefined);
};
