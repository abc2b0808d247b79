/** A `#{Namespace.Variable}` reference no earlier action's output (or built-in namespace) can resolve. */
export class VariableResolutionError extends Error {
  override name = 'VariableResolutionError';
}

/** Variables by namespace: the output variables of the actions that ran, plus `codepipeline` and `variables`. */
export type Namespaces = Record<string, Record<string, string>>;

const REFERENCE = /#\{([^.{}\s]+)\.([^{}\s]+)\}/g;

const unresolvable = (namespaces: Namespaces, namespace: string, variable: string): string | undefined => {
  const values = namespaces[namespace];
  if (!values) {
    const known = Object.keys(namespaces).sort();
    return `no action that ran before it publishes namespace ${namespace} (known: ${known.join(', ') || 'none'})`;
  }
  if (values[variable] === undefined) {
    const known = Object.keys(values).sort();
    return `namespace ${namespace} has no variable ${variable} (it has: ${known.join(', ') || 'none'})`;
  }
  return undefined;
};

/**
 * Replaces every `#{Namespace.Variable}` in a string, as CodePipeline resolves action configuration before the action
 * starts; any reference it cannot resolve fails the action, naming the reference and where it is.
 */
export const resolveVariables = (text: string, namespaces: Namespaces, where: string): string => {
  const problems: string[] = [];
  const resolved = text.replace(REFERENCE, (reference, namespace: string, variable: string) => {
    const problem = unresolvable(namespaces, namespace, variable);
    if (problem) {
      problems.push(`${reference}: ${problem}`);
      return reference;
    }
    return namespaces[namespace]![variable]!;
  });
  if (problems.length > 0) throw new VariableResolutionError(`${where} cannot be resolved: ${problems.join('; ')}`);
  return resolved;
};

/** Resolves the string values of an action configuration (values that are template intrinsics stay as they are). */
export const resolveConfiguration = (
  configuration: Record<string, unknown>,
  namespaces: Namespaces,
  action: string,
): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(configuration).map(([key, value]) => [
      key,
      typeof value === 'string' ? resolveVariables(value, namespaces, `${action} configuration ${key}`) : value,
    ]),
  );
