// The local CloudFormation reads the resource specification from spec-extract.txt: it must be what `pnpm spec-table`
// writes from the installed @aws-cdk/aws-service-spec, and answer every question as the whole database does.
import { readFileSync } from 'node:fs';
import { installedSpecExtract, installedSpecFile, SPEC_EXTRACT_FILE } from '../../../../scripts/spec-table';
import type {
  ReplacementRequirement,
  SpecFile,
  SpecFileProperty,
  SpecFileType,
} from '../../src/cloudformation/model/spec-extract';
import { replacementForPath, specArnTemplate, specAttributes } from '../../src/cloudformation/model/spec';

const RANK: Record<ReplacementRequirement, number> = { no: 0, maybe: 1, yes: 2 };

/** The replacement of a change at a path, walked over the database file itself (what the engine did before). */
const databaseReplacement = (file: SpecFile) => {
  const resources = new Map(file.schema.resource.entities.map((resource) => [resource.cloudFormationType, resource]));
  const definitions = new Map(file.schema.typeDefinition.entities.map((definition) => [definition.$id, definition]));
  const definitionProperties = (type: SpecFileType | undefined): Record<string, SpecFileProperty> | undefined => {
    if (type?.type === 'ref' && type.reference) return definitions.get(type.reference.$ref)?.properties;
    for (const inner of type?.type === 'union' ? (type.inner ?? []) : []) {
      const found = definitionProperties(inner);
      if (found) return found;
    }
    return undefined;
  };
  return (resourceType: string, path: readonly string[]): ReplacementRequirement | undefined => {
    const first = path[0];
    let property = first === undefined ? undefined : resources.get(resourceType)?.properties[first];
    if (!property) return undefined;
    let requirement = (property.causesReplacement ?? 'no') as ReplacementRequirement;
    let type: SpecFileType | undefined = property.type;
    for (const segment of path.slice(1)) {
      if (type && (type.type === 'array' || type.type === 'map')) {
        type = type.element;
        continue;
      }
      property = definitionProperties(type)?.[segment];
      if (!property) break;
      const next = (property.causesReplacement ?? 'no') as ReplacementRequirement;
      if (RANK[next] > RANK[requirement]) requirement = next;
      type = property.type;
    }
    return requirement;
  };
};

const MAX_DEPTH = 6;

/** Every path into a property up to MAX_DEPTH segments: each nested property, a list index, and an unknown name. */
const pathsOf = (
  definitions: ReadonlyMap<string, { properties: Record<string, SpecFileProperty> }>,
  name: string,
  property: SpecFileProperty,
): string[][] => {
  const found = new Map<string, string[]>();
  const walk = (type: SpecFileType | undefined, path: string[]): void => {
    found.set(path.join('/'), path);
    if (!type || path.length >= MAX_DEPTH) return;
    if (type.type === 'array' || type.type === 'map') walk(type.element, [...path, '0']);
    if (type.type === 'union') for (const inner of type.inner ?? []) walk(inner, path);
    const definition = type.type === 'ref' && type.reference ? definitions.get(type.reference.$ref) : undefined;
    for (const [nested, nestedProperty] of Object.entries(definition?.properties ?? {})) {
      walk(nestedProperty.type, [...path, nested]);
    }
    found.set([...path, 'NotInTheSpecification'].join('/'), [...path, 'NotInTheSpecification']);
  };
  walk(property.type, [name]);
  return [...found.values()];
};

describe('the resource specification extract', () => {
  const file = installedSpecFile();

  it('is the extract of the installed @aws-cdk/aws-service-spec (pnpm spec-table rewrites it)', () => {
    expect(readFileSync(SPEC_EXTRACT_FILE, 'utf8') === installedSpecExtract(file)).toBe(true);
  });

  it('answers the replacement of every property path of every resource type as the database does', () => {
    // Arrange
    const expected = databaseReplacement(file);
    const resources = file.schema.resource.entities;
    const definitions = new Map(file.schema.typeDefinition.entities.map((definition) => [definition.$id, definition]));

    // Act
    const differing: string[] = [];
    let checked = 0;
    for (const resource of resources) {
      const type = resource.cloudFormationType;
      const paths = [
        ['NotInTheSpecification'],
        ...Object.entries(resource.properties).flatMap(([name, property]) => pathsOf(definitions, name, property)),
      ];
      for (const path of paths) {
        checked += 1;
        if (replacementForPath(type, path) !== expected(type, path)) differing.push(`${type} ${path.join('.')}`);
      }
    }

    // Assert
    expect(resources.length).toBeGreaterThan(1000);
    expect(checked).toBeGreaterThan(50_000);
    expect(differing.slice(0, 20)).toEqual([]);
    expect(replacementForPath('AWS::Unknown::Thing', ['Name'])).toBeUndefined();
  });

  it('lists the attributes and the ARN template of every resource type as the database does', () => {
    const differing = file.schema.resource.entities.filter(
      (resource) =>
        JSON.stringify(specAttributes(resource.cloudFormationType)) !==
          JSON.stringify(Object.keys(resource.attributes ?? {})) ||
        specArnTemplate(resource.cloudFormationType) !== resource.arnTemplate,
    );
    expect(differing.map((resource) => resource.cloudFormationType)).toEqual([]);
    expect(specAttributes('AWS::Unknown::Thing')).toBeUndefined();
    expect(specArnTemplate('AWS::S3::Bucket')).toBe('arn:${Partition}:s3:::${BucketName}');
  });
});
