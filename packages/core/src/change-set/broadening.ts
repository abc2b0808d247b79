import type { Change, DescribeChangeSetCommandOutput } from '@aws-sdk/client-cloudformation';
import type { TemplateDiff } from '@aws-cdk/cloudformation-diff';
import { createHash } from 'node:crypto';
import type { TemplateDocument } from '../template/parse-template';
import type { BroadeningItem, BroadeningKind } from './broadening-item';

// Loaded on the first diff, not at import: the library and its resource database cost hundreds of ms of start-up to
// every process (a CLI run without templates, a Lambda cold start) that imports core without diffing.
let cloudFormationDiff: typeof import('@aws-cdk/cloudformation-diff') | undefined;
const diffLibrary = () =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (cloudFormationDiff ??= require('@aws-cdk/cloudformation-diff') as typeof cloudFormationDiff)!;

export interface TemplateDiffReport {
  broadening: BroadeningItem[];
  /** The `cdk diff`-like text of the change (security tables, then resources), without colours. */
  text: string;
}

export interface TemplateDiffOptions {
  /** The change set's changes: CloudFormation's own view of replacements (fullDiff merges them). */
  changes?: Change[];
  stackPath?: string[];
}

const fingerprint = (kind: BroadeningKind, stackPath: string[], detail: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify([kind, stackPath, detail]))
    .digest('hex')
    .slice(0, 20);

const item = (kind: BroadeningKind, stackPath: string[], description: string, detail: unknown): BroadeningItem => ({
  id: fingerprint(kind, stackPath, detail),
  kind,
  stackPath,
  description,
});

// The four flags of an S3 public access block: turning any of them off opens the bucket to public grants.
const PUBLIC_ACCESS_BLOCK_FLAGS = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
const PUBLIC_CANNED_ACLS = new Set(['PublicRead', 'PublicReadWrite', 'AuthenticatedRead']);

interface TemplateResource {
  Type?: unknown;
  Properties?: Record<string, unknown>;
}

const resourcesOf = (template: TemplateDocument): Record<string, TemplateResource> =>
  (template.Resources as Record<string, TemplateResource> | undefined) ?? {};

const isTrue = (value: unknown): boolean => value === true || value === 'true';

/**
 * What the security diff of @aws-cdk/cloudformation-diff does not look at: a public access block flag that was
 * on and no longer is (any resource with PublicAccessBlockConfiguration: buckets, access points), and a bucket ACL
 * that becomes public.
 */
export const s3PublicAccessBroadening = (
  current: TemplateDocument,
  proposed: TemplateDocument,
  stackPath: string[] = [],
): BroadeningItem[] => {
  const before = resourcesOf(current);
  const items: BroadeningItem[] = [];
  for (const [logicalId, resource] of Object.entries(resourcesOf(proposed))) {
    const old = before[logicalId];
    if (old === undefined || old.Type !== resource.Type) continue;
    const oldBlock = old.Properties?.PublicAccessBlockConfiguration as Record<string, unknown> | undefined;
    const newBlock = resource.Properties?.PublicAccessBlockConfiguration as Record<string, unknown> | undefined;
    for (const flag of PUBLIC_ACCESS_BLOCK_FLAGS) {
      if (isTrue(oldBlock?.[flag]) && !isTrue(newBlock?.[flag])) {
        const now = newBlock === undefined ? 'removed' : JSON.stringify(newBlock[flag] ?? null);
        items.push(
          item(
            'public-access-block',
            stackPath,
            `${logicalId} (${String(resource.Type)}): PublicAccessBlockConfiguration.${flag} true → ${now}`,
            [logicalId, flag],
          ),
        );
      }
    }
    const acl = resource.Properties?.AccessControl;
    if (typeof acl === 'string' && PUBLIC_CANNED_ACLS.has(acl) && old.Properties?.AccessControl !== acl) {
      items.push(
        item('bucket-acl', stackPath, `${logicalId} (${String(resource.Type)}): AccessControl ${acl}`, [
          logicalId,
          acl,
        ]),
      );
    }
  }
  return items;
};

const statementItems = (diff: TemplateDiff, stackPath: string[]): BroadeningItem[] => {
  const items: BroadeningItem[] = [];
  const { statements, managedPolicies } = diff.iamChanges;
  // Broadening: an Allow added (a widened statement shows as the old one removed and the new one added), or a
  // Deny removed.
  const widened = [
    ...statements.additions.filter((s) => !s.isNegativeStatement).map((s) => ({ s, verb: 'adds' })),
    ...statements.removals.filter((s) => s.isNegativeStatement).map((s) => ({ s, verb: 'removes' })),
  ];
  for (const { s, verb } of widened) {
    const r = s.render();
    // The rendered cells list values one per line (a table cell); one line here.
    const cell = (text: string): string =>
      text
        .trim()
        .split(/\s*\n\s*/)
        .join(', ');
    const condition = r.condition !== '' ? ` when ${r.condition.replace(/\s+/g, ' ').trim()}` : '';
    const text = `${r.effect} ${cell(r.action)} on ${cell(r.resource)} for ${cell(r.principal)}${condition}`;
    items.push(item('iam-statement', stackPath, verb === 'adds' ? text : `removes ${text}`, [verb, r]));
  }
  for (const policy of managedPolicies.additions) {
    items.push(
      item('managed-policy', stackPath, `attach ${policy.managedPolicyArn} to ${policy.identityArn}`, [
        policy.identityArn,
        policy.managedPolicyArn,
      ]),
    );
  }
  const rules = [
    ...diff.securityGroupChanges.ingress.additions.map((rule) => ({ rule, kind: 'security-group-ingress' as const })),
    ...diff.securityGroupChanges.egress.additions.map((rule) => ({ rule, kind: 'security-group-egress' as const })),
  ];
  for (const { rule, kind } of rules) {
    const direction = kind === 'security-group-ingress' ? 'from' : 'to';
    items.push(
      item(kind, stackPath, `${rule.groupId} allows ${rule.describeProtocol()} ${direction} ${rule.describePeer()}`, [
        rule.toJson(),
      ]),
    );
  }
  return items;
};

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

const diffText = (diff: TemplateDiff): string => {
  let text = '';
  diffLibrary().formatDifferences({ write: (chunk: unknown) => ((text += String(chunk)), true) } as never, diff);
  return text.replace(ANSI, '');
};

/** The security tables of `cdk diff` (IAM statements, policies, security groups) for a diff, without colours. */
export const securityChangesText = (diff: TemplateDiff): string => {
  let text = '';
  diffLibrary().formatSecurityChanges({ write: (chunk: unknown) => ((text += String(chunk)), true) } as never, diff);
  return text.replace(ANSI, '');
};

/** fullDiff of two templates, sharpened by the change set's replacements when they can be merged. */
export const diffTemplates = (
  current: TemplateDocument,
  proposed: TemplateDocument,
  changes?: Change[],
): TemplateDiff => {
  if (changes === undefined) return diffLibrary().fullDiff(current, proposed);
  try {
    return diffLibrary().fullDiff(current, proposed, { Changes: changes } as DescribeChangeSetCommandOutput);
  } catch {
    // The change set only sharpens replacement predictions; the template diff alone still shows every grant.
    return diffLibrary().fullDiff(current, proposed);
  }
};

/**
 * The security broadening and the readable diff between the stack's current template and the proposed one (pure:
 * the caller fetches both). Broadening comes from @aws-cdk/cloudformation-diff's IAM and security group diff plus
 * `s3PublicAccessBroadening`.
 */
export const templateDiffReport = (
  current: TemplateDocument,
  proposed: TemplateDocument,
  options: TemplateDiffOptions = {},
): TemplateDiffReport => {
  const stackPath = options.stackPath ?? [];
  const diff = diffTemplates(current, proposed, options.changes);
  const broadening = [...statementItems(diff, stackPath), ...s3PublicAccessBroadening(current, proposed, stackPath)];
  const unique = [...new Map(broadening.map((b) => [b.id, b])).values()];
  return { broadening: unique, text: diffText(diff) };
};

/** Only the broadening items of `templateDiffReport`. */
export const securityBroadening = (
  current: TemplateDocument,
  proposed: TemplateDocument,
  options: TemplateDiffOptions = {},
): BroadeningItem[] => templateDiffReport(current, proposed, options).broadening;
