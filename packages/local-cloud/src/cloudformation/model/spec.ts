import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Whether changing a property replaces the resource, as the CloudFormation resource specification says. */
export type ReplacementRequirement = 'yes' | 'maybe' | 'no';

// The slice of @aws-cdk/service-spec-types this engine reads (that package is not a direct dependency).
interface SpecType {
  type: string;
  reference?: { $ref: string };
  element?: SpecType;
  inner?: SpecType[];
}
interface SpecProperty {
  type: SpecType;
  causesReplacement?: ReplacementRequirement;
}
interface SpecResource {
  cloudFormationType: string;
  properties: Record<string, SpecProperty>;
  attributes: Record<string, unknown>;
  arnTemplate?: string;
}
interface SpecTypeDefinition {
  properties: Record<string, SpecProperty>;
}

/** The entity collections of the package's database file (`db.json.gz`, what `loadAwsServiceSpecSync` reads). */
interface SpecFile {
  schema: {
    resource: { entities: (SpecResource & { $id: string })[] };
    typeDefinition: { entities: (SpecTypeDefinition & { $id: string })[] };
  };
}

interface SpecIndex {
  resources: Map<string, SpecResource>;
  typeDefinitions: Map<string, SpecTypeDefinition>;
}

let index: SpecIndex | undefined;
// Read once per process, on first use. Only the resources and type definitions are indexed: hydrating the whole
// database (its relationships, metrics, events) with loadAwsServiceSpecSync took several seconds per process.
const specIndex = (): SpecIndex => {
  if (index === undefined) {
    const file = path.join(path.dirname(require.resolve('@aws-cdk/aws-service-spec')), '..', 'db.json.gz');
    const { schema } = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as SpecFile;
    index = {
      // The first entity of a type, as the database's lookup answered.
      resources: new Map(schema.resource.entities.reverse().map((resource) => [resource.cloudFormationType, resource])),
      typeDefinitions: new Map(schema.typeDefinition.entities.map((definition) => [definition.$id, definition])),
    };
  }
  return index;
};

/** The specification of a resource type, or undefined for a type the specification does not know. */
export const resourceSpec = (resourceType: string): SpecResource | undefined => specIndex().resources.get(resourceType);

const RANK: Record<ReplacementRequirement, number> = { no: 0, maybe: 1, yes: 2 };
const stronger = (a: ReplacementRequirement, b: ReplacementRequirement): ReplacementRequirement =>
  RANK[b] > RANK[a] ? b : a;

const typeDefinitionProperties = (type: SpecType | undefined): Record<string, SpecProperty> | undefined => {
  if (!type) return undefined;
  if (type.type === 'ref' && type.reference) {
    return specIndex().typeDefinitions.get(type.reference.$ref)?.properties;
  }
  if (type.type === 'union') {
    for (const inner of type.inner ?? []) {
      const found = typeDefinitionProperties(inner);
      if (found) return found;
    }
  }
  return undefined;
};

/**
 * The replacement requirement of a change at a property path (`['DatabaseInput', 'Name']`); the strongest along the
 * path wins. Undefined when the resource type or the first property is unknown to the specification.
 */
export const replacementForPath = (
  resourceType: string,
  path: readonly string[],
): ReplacementRequirement | undefined => {
  const resource = resourceSpec(resourceType);
  const first = path[0];
  if (!resource || first === undefined) return undefined;
  let property = resource.properties[first];
  if (!property) return undefined;
  let requirement: ReplacementRequirement = property.causesReplacement ?? 'no';
  let type: SpecType | undefined = property.type;
  for (const segment of path.slice(1)) {
    // A list index or a map key: the next property is on the element type.
    if (type && (type.type === 'array' || type.type === 'map')) {
      type = type.element;
      continue;
    }
    property = typeDefinitionProperties(type)?.[segment];
    if (!property) break;
    requirement = stronger(requirement, property.causesReplacement ?? 'no');
    type = property.type;
  }
  return requirement;
};

/** Attribute names the specification lists for Fn::GetAtt on a resource type. */
export const specAttributes = (resourceType: string): string[] | undefined => {
  const resource = resourceSpec(resourceType);
  return resource ? Object.keys(resource.attributes ?? {}) : undefined;
};

/** The ARN template of a resource type (`arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`). */
export const specArnTemplate = (resourceType: string): string | undefined => resourceSpec(resourceType)?.arnTemplate;
