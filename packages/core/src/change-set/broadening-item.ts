/** What kind of access a change widens. */
export const BROADENING_KINDS = [
  'iam-statement',
  'managed-policy',
  'security-group-ingress',
  'security-group-egress',
  'public-access-block',
  'bucket-acl',
] as const;
export type BroadeningKind = (typeof BROADENING_KINDS)[number];

/**
 * One new or widened grant: an IAM statement (identity, bucket, key or other resource policy), an attached managed
 * policy, a security group rule, a relaxed public access block or a public ACL. `id` is a content fingerprint, the
 * same whenever the same change is computed again, so a plan can approve it.
 */
export interface BroadeningItem {
  id: string;
  kind: BroadeningKind;
  /** Logical ids of the nested stacks leading to the change; empty for the root stack. */
  stackPath: string[];
  /** One line for people, e.g. `Allow iam:* on * for AWS:${GlueJobRole}`. */
  description: string;
}

/** One broadening for people, with its kind and fingerprint (what an approved plan lists). */
export const describeBroadening = (b: BroadeningItem): string =>
  `${b.description}${b.stackPath.length > 0 ? ` (in nested stack ${b.stackPath.join(' > ')})` : ''} [${b.kind} ${b.id}]`;
