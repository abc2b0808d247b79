import type { Change, ResourceChange } from '@aws-sdk/client-cloudformation';
import { resolveSafetyPolicy, type SafetyPolicy } from './safety-policy';

export const SAFE_VERDICT = 'CAN-SAFELY-UPDATE-EXISTING-STACK';
export const UNSAFE_VERDICT = 'RESOURCES-BEING-DELETED-OR-REPLACED';
export type VerdictValue = typeof SAFE_VERDICT | typeof UNSAFE_VERDICT;

/** A change set and, for each nested stack resource, the nested change set (IncludeNestedStacks). */
export interface ChangeSetTree {
  stackName?: string;
  changeSetName?: string;
  changes: Change[];
  /** Keyed by the logical id of the `AWS::CloudFormation::Stack` resource in the parent. */
  nested?: Record<string, ChangeSetTree>;
}

/** One change that would delete or replace a resource, and why it is refused. */
export interface Violation {
  logicalId: string;
  /** Logical ids of the nested stacks leading to the resource; empty for the root stack. */
  stackPath: string[];
  resourceType: string;
  action: string;
  replacement?: string;
  policyAction?: string;
  reason: string;
}

export interface ChangeSetVerdict {
  verdict: VerdictValue;
  safe: boolean;
  violations: Violation[];
  /** Destructive changes accepted because the policy allow-lists them. */
  accepted: Violation[];
  inspectedChanges: number;
}

/** Why a resource change deletes or replaces something, or undefined when it keeps every resource. */
const destructiveReason = (change: ResourceChange, policy: SafetyPolicy): string | undefined => {
  const { Action, Replacement, PolicyAction } = change;
  // PolicyAction says what CloudFormation will do with the old resource: Delete means its data goes.
  const deletesData = PolicyAction === 'Delete' || PolicyAction === 'ReplaceAndDelete';
  switch (Action) {
    case 'Add':
    case 'Import': // Import adopts an existing resource: nothing is deleted or replaced.
      return deletesData ? `PolicyAction ${PolicyAction} deletes the resource` : undefined;
    case 'Remove':
      // Refused even with PolicyAction Retain: the stack stops managing the resource and its data.
      return PolicyAction === 'Retain' || PolicyAction === 'Snapshot'
        ? `resource would be removed from the stack (PolicyAction ${PolicyAction})`
        : 'resource would be deleted';
    case 'Modify':
      if (Replacement === 'True') return 'resource would be replaced (a new physical resource, the old one removed)';
      if (Replacement === 'Conditional' && policy.conditionalReplacement === 'unsafe') {
        return 'resource may be replaced (Replacement Conditional depends on values known only at execution)';
      }
      return deletesData ? `PolicyAction ${PolicyAction} deletes the resource` : undefined;
    case 'Dynamic':
      // Dynamic: CloudFormation cannot tell the change until it runs (e.g. a nested stack's or macro's output).
      return 'change is Dynamic: its effect is known only at execution, so it cannot be shown to keep the resource';
    default:
      return `unknown action ${String(Action)}: cannot be shown to keep the resource`;
  }
};

const isAllowListed = (change: ResourceChange, policy: SafetyPolicy): boolean =>
  !policy.protectedResourceTypes.includes(change.ResourceType ?? '') &&
  (policy.allowedLogicalIds.includes(change.LogicalResourceId ?? '') ||
    policy.allowedResourceTypes.includes(change.ResourceType ?? ''));

const toTree = (input: ChangeSetTree | Change[]): ChangeSetTree => (Array.isArray(input) ? { changes: input } : input);

/**
 * The safety verdict over a change set: every change that removes or replaces a resource is a violation,
 * unless the policy allow-lists it and its type is not a protected stateful type. Nested change sets are
 * inspected recursively.
 */
export const changeSetVerdict = (
  input: ChangeSetTree | Change[],
  policyOverrides: Partial<SafetyPolicy> = {},
): ChangeSetVerdict => {
  const policy = resolveSafetyPolicy(policyOverrides);
  const violations: Violation[] = [];
  const accepted: Violation[] = [];
  let inspectedChanges = 0;

  const inspect = (tree: ChangeSetTree, stackPath: string[]): void => {
    for (const change of tree.changes) {
      const resourceChange = change.ResourceChange;
      if (change.Type !== undefined && change.Type !== 'Resource') continue;
      if (!resourceChange) continue;
      inspectedChanges += 1;
      const reason = destructiveReason(resourceChange, policy);
      if (reason === undefined) continue;
      const violation: Violation = {
        logicalId: resourceChange.LogicalResourceId ?? '(unknown logical id)',
        stackPath,
        resourceType: resourceChange.ResourceType ?? '(unknown type)',
        action: resourceChange.Action ?? '(no action)',
        ...(resourceChange.Replacement !== undefined ? { replacement: resourceChange.Replacement } : {}),
        ...(resourceChange.PolicyAction !== undefined ? { policyAction: resourceChange.PolicyAction } : {}),
        reason,
      };
      (isAllowListed(resourceChange, policy) ? accepted : violations).push(violation);
    }
    for (const [logicalId, nested] of Object.entries(tree.nested ?? {})) {
      inspect(nested, [...stackPath, logicalId]);
    }
  };
  inspect(toTree(input), []);

  const safe = violations.length === 0;
  return { verdict: safe ? SAFE_VERDICT : UNSAFE_VERDICT, safe, violations, accepted, inspectedChanges };
};

/** One violation for people: `DataBucket (AWS::S3::Bucket) in nested stack X: Remove: resource would be deleted`. */
export const describeViolation = (v: Violation): string => {
  const where = v.stackPath.length > 0 ? ` in nested stack ${v.stackPath.join(' > ')}` : '';
  const replacement = v.replacement !== undefined ? `, Replacement ${v.replacement}` : '';
  const policyAction = v.policyAction !== undefined ? `, PolicyAction ${v.policyAction}` : '';
  return `${v.logicalId} (${v.resourceType})${where}: ${v.action}${replacement}${policyAction}: ${v.reason}`;
};

/** The verdict for people: the seed-compatible value, then one line per violation. */
export const formatVerdict = (verdict: ChangeSetVerdict): string => {
  const lines = [
    `${verdict.verdict}: ${verdict.violations.length} of ${verdict.inspectedChanges} resource changes would delete or replace resources`,
    ...verdict.violations.map((v) => `  - ${describeViolation(v)}`),
  ];
  if (verdict.accepted.length > 0) {
    lines.push(`  accepted by the safety policy:`, ...verdict.accepted.map((v) => `  + ${describeViolation(v)}`));
  }
  return lines.join('\n');
};
