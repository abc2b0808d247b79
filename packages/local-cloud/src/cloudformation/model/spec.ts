import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  decodeSpecLine,
  type ExtractProperty,
  type ExtractResource,
  type ReplacementRequirement,
} from './spec-extract';

export type { ReplacementRequirement } from './spec-extract';

/** spec-extract.txt, `pnpm spec-table` writes it from the installed @aws-cdk/aws-service-spec (spec-extract.ts). */
export const SPEC_EXTRACT_FILE = path.join(__dirname, 'spec-extract.txt');

let lines: Map<string, string> | undefined;
const decoded = new Map<string, ExtractResource | undefined>();
// Read once per process, on first use (~0.4 MB, a few ms); a type's line is decoded when first asked for, not the
// 2.6 MB database: its gunzip and JSON.parse cost ~0.4 CPU-s per process.
const lineOf = (resourceType: string): string | undefined => {
  if (lines === undefined) {
    lines = new Map();
    for (const line of readFileSync(SPEC_EXTRACT_FILE, 'utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) lines.set(line.slice(0, tab), line);
    }
  }
  return lines.get(resourceType);
};

/** What the specification says of a resource type, or undefined for a type it does not know. */
export const resourceSpec = (resourceType: string): ExtractResource | undefined => {
  if (!decoded.has(resourceType)) {
    const line = lineOf(resourceType);
    decoded.set(resourceType, line === undefined ? undefined : decodeSpecLine(line));
  }
  return decoded.get(resourceType);
};

const RANK: Record<ReplacementRequirement, number> = { no: 0, maybe: 1, yes: 2 };
const stronger = (a: ReplacementRequirement, b: ReplacementRequirement): ReplacementRequirement =>
  RANK[b] > RANK[a] ? b : a;

/**
 * The replacement requirement of a change at a property path (`['DatabaseInput', 'Name']`); the strongest along the
 * path wins. Undefined when the resource type or the first property is unknown to the specification.
 */
export const replacementForPath = (
  resourceType: string,
  path: readonly string[],
): ReplacementRequirement | undefined => {
  const first = path[0];
  let property: ExtractProperty | undefined =
    first === undefined ? undefined : resourceSpec(resourceType)?.properties.get(first);
  if (!property) return undefined;
  let requirement: ReplacementRequirement = property.causesReplacement ?? 'no';
  // A list index or a map key: the next property is on the element type.
  let skip = property.skip;
  for (const segment of path.slice(1)) {
    if (skip > 0) {
      skip -= 1;
      continue;
    }
    property = property.definition?.get(segment);
    if (!property) break;
    requirement = stronger(requirement, property.causesReplacement ?? 'no');
    skip = property.skip;
  }
  return requirement;
};

/** Attribute names the specification lists for Fn::GetAtt on a resource type. */
export const specAttributes = (resourceType: string): string[] | undefined => {
  const attributes = resourceSpec(resourceType)?.attributes;
  return attributes && [...attributes];
};

/** The ARN template of a resource type (`arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`). */
export const specArnTemplate = (resourceType: string): string | undefined => resourceSpec(resourceType)?.arnTemplate;
