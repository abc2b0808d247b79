// The facts @aws-cdk/cloudformation-diff reads from @aws-cdk/aws-service-spec's 2.6 MB database, as one line per
// resource type (config/aws-service-spec-table.txt, `pnpm spec-table` writes it): the resource's scrutiny type, and
// each property's name, whether changing it replaces the resource, and its scrutiny type. The bundles embed this
// instead of the database (config/esbuild-plugins.cjs), and so do the repo's Node processes
// (aws-service-spec-embedded.cjs); services/deploy-orchestrator/test/bundled-core.test.ts checks that it says what the
// installed database says.
//
// Line: `<type>[#<resource scrutiny>] <property>[!|?][#<property scrutiny>],...` with `!` for causesReplacement
// "yes" and `?` for "maybe" (anything else updates in place).

const path = require('node:path');

/** The package cloudformation-diff loads the database from, and what stands in for it in the repo's Node processes. */
const SPEC_PACKAGE = '@aws-cdk/aws-service-spec';
const EMBEDDED_SPEC_MODULE = path.join(__dirname, 'aws-service-spec-embedded.cjs');

const REPLACEMENT_MARK = { yes: '!', maybe: '?' };
const REPLACEMENT_OF_MARK = { '!': 'yes', '?': 'maybe' };

/** The table's text from a loaded service spec database (a `SpecDatabase` of @aws-cdk/service-spec-types). */
const tableFromDatabase = (db) =>
  db
    .all('resource')
    .map((resource) => {
      const properties = Object.entries(resource.properties).map(
        ([name, property]) =>
          `${name}${REPLACEMENT_MARK[property.causesReplacement] ?? ''}${property.scrutinizable ? `#${property.scrutinizable}` : ''}`,
      );
      const scrutiny = resource.scrutinizable ? `#${resource.scrutinizable}` : '';
      return `${resource.cloudFormationType}${scrutiny} ${properties.join(',')}`;
    })
    .sort()
    .join('\n');

const parseProperty = (entry) => {
  const [head, scrutinizable] = entry.split('#');
  const mark = head.at(-1);
  const causesReplacement = REPLACEMENT_OF_MARK[mark];
  const name = causesReplacement ? head.slice(0, -1) : head;
  return [name, { ...(causesReplacement ? { causesReplacement } : {}), ...(scrutinizable ? { scrutinizable } : {}) }];
};

/**
 * What `loadAwsServiceSpecSync()` returns, for the one query cloudformation-diff makes:
 * `lookup('resource', 'cloudFormationType', 'equals', type)`. Lines are parsed on first lookup of their type.
 */
const databaseFromTable = (text) => {
  const lines = new Map();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    lines.set(line.slice(0, space).split('#')[0], line);
  }
  const parsed = new Map();
  const resource = (type) => {
    const line = lines.get(type);
    if (line === undefined) return undefined;
    const space = line.indexOf(' ');
    const [cloudFormationType, scrutinizable] = line.slice(0, space).split('#');
    const rest = line.slice(space + 1);
    const properties = Object.fromEntries(rest === '' ? [] : rest.split(',').map(parseProperty));
    return { cloudFormationType, ...(scrutinizable ? { scrutinizable } : {}), properties };
  };
  return {
    lookup(entity, key, operator, value) {
      if (entity !== 'resource' || key !== 'cloudFormationType' || operator !== 'equals') {
        throw new Error(`the embedded service spec table answers only resource/cloudFormationType/equals lookups`);
      }
      if (!parsed.has(value)) parsed.set(value, resource(value));
      const found = parsed.get(value);
      return found ? [found] : [];
    },
  };
};

/** What the package exports (the part cloudformation-diff calls), answered from the table `readTable` returns. */
const serviceSpecExports = (readTable) => {
  let db;
  const loadAwsServiceSpecSync = () => (db ??= databaseFromTable(readTable().trimEnd()));
  return { loadAwsServiceSpecSync, loadAwsServiceSpec: async () => loadAwsServiceSpecSync() };
};

module.exports = { SPEC_PACKAGE, EMBEDDED_SPEC_MODULE, tableFromDatabase, databaseFromTable, serviceSpecExports };
