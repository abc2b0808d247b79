// What the local CloudFormation reads of @aws-cdk/aws-service-spec's 2.6 MB database (`db.json.gz`), as one line per
// resource type in spec-extract.txt beside this file: `pnpm spec-table` writes it (encodeSpecExtract), spec.ts reads it
// a line at a time (decodeSpecLine), test/cloudformation/spec-extract.test.ts checks it against the installed database.
//
// Line: `<type>\t<properties>\t<attribute>,…\t<arn template>\t<definition properties>|…` with properties
// `<name>[!|?][:<*…><definition>],…`: `!` replaces, `?` may replace; `:**3` means the property's value, two list or
// map levels down, is the line's type definition 3 (a type with no definition there is left out: a path stops at it).

/** Whether changing a property replaces the resource, as the CloudFormation resource specification says. */
export type ReplacementRequirement = 'yes' | 'maybe' | 'no';

/** A property's type as replacementForPath walks it: list or map levels to skip, then a type definition's properties. */
export interface ExtractProperty {
  causesReplacement?: 'yes' | 'maybe';
  /** Path segments that are list indexes or map keys before the definition's properties apply. */
  skip: number;
  definition?: ReadonlyMap<string, ExtractProperty>;
}

export interface ExtractResource {
  cloudFormationType: string;
  properties: ReadonlyMap<string, ExtractProperty>;
  attributes: string[];
  arnTemplate?: string;
}

// The slice of the database file (@aws-cdk/service-spec-types' shapes) the encoder reads.
export interface SpecFileType {
  type: string;
  reference?: { $ref: string };
  element?: SpecFileType;
  inner?: SpecFileType[];
}
export interface SpecFileProperty {
  type: SpecFileType;
  causesReplacement?: string;
}
export interface SpecFileResource {
  $id: string;
  cloudFormationType: string;
  properties: Record<string, SpecFileProperty>;
  attributes?: Record<string, unknown>;
  arnTemplate?: string;
}
export interface SpecFile {
  schema: {
    resource: { entities: SpecFileResource[] };
    typeDefinition: { entities: { $id: string; properties: Record<string, SpecFileProperty> }[] };
  };
}

const REPLACEMENT_MARK: Record<string, string> = { yes: '!', maybe: '?' };
const NAME = /^[A-Za-z0-9_.-]+$/;
const TYPE = /^[A-Za-z0-9]+(::[A-Za-z0-9]+)+$/;

const checkedType = (type: string): string => {
  if (!TYPE.test(type)) throw new Error(`the resource type ${JSON.stringify(type)} cannot be written in the extract`);
  return type;
};

const checkedName = (name: string, where: string): string => {
  if (!NAME.test(name)) throw new Error(`${where}: the name ${JSON.stringify(name)} cannot be written in the extract`);
  return name;
};

/**
 * Where a walk goes from a property of this type: lists and maps skip a path segment each, then a type definition
 * (a union: its first alternative that is, or is a union with, a definition); undefined where the walk ends.
 */
const walkTarget = (
  fileType: SpecFileType | undefined,
  definitions: ReadonlyMap<string, unknown>,
): { skip: number; id: string } | undefined => {
  let skip = 0;
  let current = fileType;
  while (current && (current.type === 'array' || current.type === 'map')) {
    skip += 1;
    current = current.element;
  }
  const definitionOf = (type: SpecFileType | undefined): string | undefined => {
    if (type?.type === 'ref' && type.reference) {
      return definitions.has(type.reference.$ref) ? type.reference.$ref : undefined;
    }
    if (type?.type === 'union') {
      for (const inner of type.inner ?? []) {
        const found = definitionOf(inner);
        if (found) return found;
      }
    }
    return undefined;
  };
  const id = definitionOf(current);
  return id === undefined ? undefined : { skip, id };
};

/**
 * The extract's text from the database file: for each resource type (the first entity of a type, as the database's
 * lookup answers), what replacementForPath, specAttributes and specArnTemplate read.
 */
export const encodeSpecExtract = ({ schema }: SpecFile): string => {
  const definitions = new Map(schema.typeDefinition.entities.map((definition) => [definition.$id, definition]));
  // A definition matters when a path through it can meet a replacing property; past any other, every path answers
  // what stopping there answers, so such definitions, and nested properties that neither replace nor lead to one
  // that matters, are left out.
  const matters = new Set<string>();
  const leadsFurther = (property: SpecFileProperty): boolean => {
    const target = walkTarget(property.type, definitions);
    return target !== undefined && matters.has(target.id);
  };
  const significant = (property: SpecFileProperty): boolean =>
    REPLACEMENT_MARK[property.causesReplacement ?? ''] !== undefined || leadsFurther(property);
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, definition] of definitions) {
      if (!matters.has(id) && Object.values(definition.properties).some(significant)) {
        matters.add(id);
        grew = true;
      }
    }
  }

  const lines = new Map<string, string>();
  for (const resource of schema.resource.entities) {
    const type = resource.cloudFormationType;
    if (lines.has(type)) continue;
    // The definitions this resource's properties reach, numbered in the order they are first met.
    const numbers = new Map<string, number>();
    const order: string[] = [];
    const propertyCode = ([name, property]: [string, SpecFileProperty]): string => {
      const target = leadsFurther(property) ? walkTarget(property.type, definitions) : undefined;
      if (target && !numbers.has(target.id)) {
        numbers.set(target.id, order.length);
        order.push(target.id);
      }
      const typeCode = target ? `:${'*'.repeat(target.skip)}${numbers.get(target.id)}` : '';
      return `${checkedName(name, type)}${REPLACEMENT_MARK[property.causesReplacement ?? ''] ?? ''}${typeCode}`;
    };
    const properties = Object.entries(resource.properties).map(propertyCode).join(',');
    const definitionCodes: string[] = [];
    // `order` grows while its definitions are written: each reached definition once.
    for (let i = 0; i < order.length; i += 1) {
      const nested = Object.entries(definitions.get(order[i]!)!.properties).filter(([, property]) =>
        significant(property),
      );
      definitionCodes.push(nested.map(propertyCode).join(','));
    }
    const attributes = Object.keys(resource.attributes ?? {}).map((name) => checkedName(name, type));
    const arnTemplate = resource.arnTemplate ?? '';
    if (/[\t\n]/.test(arnTemplate) || resource.arnTemplate === '') {
      throw new Error(`${type}: the ARN template ${JSON.stringify(arnTemplate)} cannot be written in the extract`);
    }
    lines.set(
      type,
      [checkedType(type), properties, attributes.join(','), arnTemplate, definitionCodes.join('|')].join('\t'),
    );
  }
  return `${[...lines.keys()]
    .sort()
    .map((type) => lines.get(type))
    .join('\n')}\n`;
};

const REPLACEMENT_OF_MARK: Record<string, 'yes' | 'maybe'> = { '!': 'yes', '?': 'maybe' };

/** One line of the extract as the resource it describes. */
export const decodeSpecLine = (line: string): ExtractResource => {
  const [cloudFormationType = '', propertiesCode = '', attributesCode = '', arnTemplate = '', definitionsCode = ''] =
    line.split('\t');
  // Definitions may refer to each other (and to themselves): each property is linked once all are decoded.
  const links: [ExtractProperty, number][] = [];
  const decodeProperties = (code: string): Map<string, ExtractProperty> =>
    new Map(
      (code === '' ? [] : code.split(',')).map((entry) => {
        const [head = '', typeCode] = entry.split(':');
        const causesReplacement = REPLACEMENT_OF_MARK[head.at(-1) ?? ''];
        const property: ExtractProperty = { skip: 0, ...(causesReplacement ? { causesReplacement } : {}) };
        if (typeCode !== undefined) {
          property.skip = typeCode.lastIndexOf('*') + 1;
          links.push([property, Number(typeCode.slice(property.skip))]);
        }
        return [causesReplacement ? head.slice(0, -1) : head, property];
      }),
    );
  const properties = decodeProperties(propertiesCode);
  const definitions = (definitionsCode === '' ? [] : definitionsCode.split('|')).map(decodeProperties);
  for (const [property, definition] of links) property.definition = definitions[definition];
  return {
    cloudFormationType,
    properties,
    attributes: attributesCode === '' ? [] : attributesCode.split(','),
    ...(arnTemplate === '' ? {} : { arnTemplate }),
  };
};
