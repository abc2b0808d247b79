import { STATEFUL_RESOURCE_TYPES } from '../stack-protection';

/**
 * What a deploy may do to existing resources. Removing or replacing a resource is refused unless the resource
 * is allow-listed by logical id or type, and never allowed for protected stateful types (they hold data).
 */
export interface SafetyPolicy {
  /** Logical ids whose removal or replacement is accepted (e.g. a Lambda version, a stateless queue). */
  allowedLogicalIds: string[];
  /** Resource types whose removal or replacement is accepted. */
  allowedResourceTypes: string[];
  /** Stateful types that are refused even when allow-listed: replacing them loses data. */
  protectedResourceTypes: string[];
  /** Replacement "Conditional" depends on values known only at execution: unsafe unless explicitly allowed. */
  conditionalReplacement: 'unsafe' | 'allow';
}

/** The stateful types: the verdict always refuses deleting or replacing them, and so does a protected stack's policy. */
export const ALWAYS_PROTECTED_RESOURCE_TYPES: readonly string[] = STATEFUL_RESOURCE_TYPES;

export const DEFAULT_SAFETY_POLICY: SafetyPolicy = {
  allowedLogicalIds: [],
  allowedResourceTypes: [],
  protectedResourceTypes: [...ALWAYS_PROTECTED_RESOURCE_TYPES],
  conditionalReplacement: 'unsafe',
};

/**
 * The effective policy: overrides merged onto the default. Protected types can be added to but the built-in
 * stateful types always stay protected.
 */
export const resolveSafetyPolicy = (overrides: Partial<SafetyPolicy> = {}): SafetyPolicy => ({
  allowedLogicalIds: overrides.allowedLogicalIds ?? DEFAULT_SAFETY_POLICY.allowedLogicalIds,
  allowedResourceTypes: overrides.allowedResourceTypes ?? DEFAULT_SAFETY_POLICY.allowedResourceTypes,
  protectedResourceTypes: [
    ...new Set([...ALWAYS_PROTECTED_RESOURCE_TYPES, ...(overrides.protectedResourceTypes ?? [])]),
  ],
  conditionalReplacement: overrides.conditionalReplacement ?? DEFAULT_SAFETY_POLICY.conditionalReplacement,
});
