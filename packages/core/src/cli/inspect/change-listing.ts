import type { Change, ResourceChange } from '@aws-sdk/client-cloudformation';

// The prefixes and impact words of `cdk diff`, so both read the same.
const PREFIX: Record<string, string> = { Add: '[+]', Remove: '[-]', Modify: '[~]', Import: '[←]', Dynamic: '[?]' };

const impactOf = (change: ResourceChange): string => {
  if (change.Action === 'Remove') return change.PolicyAction === 'Retain' ? ' orphan' : ' destroy';
  if (change.Action === 'Import') return ' import';
  if (change.Action === 'Dynamic') return ' dynamic (known only at execution)';
  if (change.Replacement === 'True') return ' replace';
  if (change.Replacement === 'Conditional') return ' may be replaced';
  return '';
};

/** `BucketName (requires replacement)`, one line per changed property or attribute, first occurrence first. */
const detailLines = (change: ResourceChange): string[] => {
  const lines = new Map<string, string>();
  for (const detail of change.Details ?? []) {
    const target = detail.Target;
    if (target === undefined) continue;
    const name = target.Name ?? target.Path ?? target.Attribute ?? '(unknown)';
    const recreation =
      target.RequiresRecreation === 'Always'
        ? ' (requires replacement)'
        : target.RequiresRecreation === 'Conditionally'
          ? ' (may cause replacement)'
          : '';
    const line = `${name}${recreation}`;
    // The strongest recreation wins when CloudFormation lists a property once per cause.
    const previous = lines.get(name);
    if (previous === undefined || line.length > previous.length) lines.set(name, line);
  }
  return [...lines.values()];
};

/**
 * A change set's resource changes drawn like `cdk diff` draws a template diff (`[~] AWS::S3::Bucket Raw replace`
 * with one ` └─ [~] BucketName (requires replacement)` line per changed property), for when no template is at hand.
 */
export const changeSetListing = (changes: Change[]): string => {
  const resources = changes
    .filter((c) => (c.Type === undefined || c.Type === 'Resource') && c.ResourceChange !== undefined)
    .map((c) => c.ResourceChange!);
  if (resources.length === 0) return 'There were no differences';
  const lines = ['Resources'];
  for (const change of resources) {
    const prefix = PREFIX[change.Action ?? ''] ?? '[?]';
    lines.push(
      `${prefix} ${change.ResourceType ?? '(unknown type)'} ${change.LogicalResourceId ?? '(unknown)'}${impactOf(change)}`,
    );
    const details = change.Action === 'Modify' ? detailLines(change) : [];
    details.forEach((detail, index) => lines.push(`${index === details.length - 1 ? ' └─' : ' ├─'} [~] ${detail}`));
  }
  return lines.join('\n');
};
