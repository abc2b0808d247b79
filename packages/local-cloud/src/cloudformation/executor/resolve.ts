import { validationError } from '../errors';
import type { Deployment } from '../model/deployment';
import { collectImports, outputText, type ResolveContext, resolveValue } from '../model/intrinsics';
import type { ResourceDeclaration } from '../model/template';
import type { OutputRecord, ResourceRecord, StackRecord } from '../store/records';
import type { StackStore } from '../store/store';

// Intrinsic functions over the live state of a stack: Ref and Fn::GetAtt read its resources, Fn::ImportValue reads
// the other stacks' exports. `partial` resolution (for diffs) keeps what is not known yet.

/** A resource that exists (Ref and Fn::GetAtt may read it). */
export const liveResource = (stack: StackRecord, logicalId: string): ResourceRecord => {
  const record = stack.resources[logicalId];
  if (!record || !record.physicalId || record.status === 'DELETE_COMPLETE' || record.status === 'CREATE_FAILED') {
    throw validationError(`Template error: resource ${logicalId} is referenced before it exists`);
  }
  return record;
};

export const resolveContext = (
  store: StackStore,
  stack: StackRecord,
  deployment: Deployment,
  imports?: Set<string>,
  partial = false,
): ResolveContext => ({
  stackName: stack.stackName,
  stackId: stack.stackId,
  parameters: deployment.parameters.values,
  conditions: deployment.conditions,
  mappings: deployment.template.Mappings,
  resourceIds: new Set(Object.keys(deployment.resources)),
  partial,
  resourceRef: (logicalId) => liveResource(stack, logicalId).physicalId,
  resourceAttribute: (logicalId, attribute) => {
    const record = liveResource(stack, logicalId);
    const value = record.attributes[attribute];
    if (value === undefined) {
      throw validationError(
        `Template error: attribute ${attribute} of ${logicalId} (${record.type}) is not available in the local cloud`,
      );
    }
    return value;
  },
  importValue: (name) => {
    const found = store.exportList().find((e) => e.name === name && e.stackId !== stack.stackId);
    if (!found) throw validationError(`No export named ${name} found.`);
    imports?.add(name);
    return found.value;
  },
});

export const resolveProperties = (
  store: StackStore,
  stack: StackRecord,
  deployment: Deployment,
  declaration: ResourceDeclaration,
  imports: Set<string>,
): Record<string, unknown> =>
  resolveValue(declaration.Properties ?? {}, resolveContext(store, stack, deployment, imports)) as Record<
    string,
    unknown
  >;

/** The stack's outputs once its resources exist; an export name another stack already exports is refused. */
export const resolveOutputs = (
  store: StackStore,
  stack: StackRecord,
  deployment: Deployment,
  imports: Set<string>,
): OutputRecord[] => {
  const ctx = resolveContext(store, stack, deployment, imports);
  const outputs: OutputRecord[] = [];
  for (const [key, output] of Object.entries(deployment.template.Outputs ?? {})) {
    if (output.Condition !== undefined && !deployment.conditions[output.Condition]) continue;
    const record: OutputRecord = { key, value: outputText(resolveValue(output.Value, ctx)) };
    if (output.Description !== undefined) record.description = output.Description;
    if (output.Export) {
      const exportName = outputText(resolveValue(output.Export.Name, ctx));
      const owner = store.exportList().find((e) => e.name === exportName && e.stackId !== stack.stackId);
      if (owner)
        throw validationError(`Export with name ${exportName} is already exported by stack ${owner.stackName}`);
      record.exportName = exportName;
    }
    outputs.push(record);
  }
  return outputs;
};

/** An export another stack imports may neither change value nor disappear (AWS's rule). */
export const checkExportsInUse = (store: StackStore, stack: StackRecord, outputs: OutputRecord[]): void => {
  for (const previous of stack.outputs.filter((o) => o.exportName !== undefined)) {
    const importers = store.importers(previous.exportName!, stack.stackId);
    if (importers.length === 0) continue;
    const next = outputs.find((o) => o.exportName === previous.exportName);
    if (!next)
      throw validationError(
        `Export ${previous.exportName!} cannot be deleted as it is in use by ${importers.join(', ')}`,
      );
    if (next.value !== previous.value)
      throw validationError(`Cannot update export ${previous.exportName!} as it is in use by ${importers.join(', ')}`);
  }
};

/** Fn::ImportValue of a literal name must name an existing export before anything is provisioned. */
export const checkImports = (store: StackStore, deployment: Deployment, stackId: string): void => {
  const names = new Set<string>();
  for (const resource of Object.values(deployment.resources)) collectImports(resource.Properties ?? {}, names);
  collectImports(deployment.template.Outputs ?? {}, names);
  const exported = new Set(
    store
      .exportList()
      .filter((e) => e.stackId !== stackId)
      .map((e) => e.name),
  );
  const missing = [...names].find((name) => !exported.has(name));
  if (missing !== undefined) throw validationError(`No export named ${missing} found.`);
};
