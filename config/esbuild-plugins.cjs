// esbuild plugins for every service bundle (serverless-esbuild `plugins` in config/serverless.common.yml, resolved
// from services/<service>/). They only act on the modules they name, so bundles without those are unchanged.
const { readFile } = require('node:fs/promises');
const path = require('node:path');
const { gzipSync } = require('node:zlib');
const { sharedBuild } = require('./esbuild-shared-build.cjs');

// esbuild's Go runtime collects garbage each time its heap doubles (GOGC=100): the orchestrator's build (13 bundles
// from one parse of the SDK and the diff engine) spends ~1 of its ~4 CPU-s in the collector. Unless the caller set
// either variable, esbuild runs with the collector off until its heap reaches 1 GiB (GOGC=off with GOMEMLIMIT, Go's
// memory-limit mode): that build peaks at ~540 MB instead of ~290 MB, in 3.1–3.3 CPU-s instead of 4.0–4.3. Set when
// sls loads this file, before the first build starts esbuild's service process (which inherits the environment).
if (process.env.GOGC === undefined && process.env.GOMEMLIMIT === undefined) {
  process.env.GOGC = 'off';
  process.env.GOMEMLIMIT = '1GiB';
}

const SPEC_TABLE = path.join(__dirname, 'aws-service-spec-table.txt');
const SPEC_TABLE_CODE = path.join(__dirname, 'aws-service-spec-table.cjs');
const { SPEC_PACKAGE } = require(SPEC_TABLE_CODE);

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * @aws-cdk/aws-service-spec (behind @aws-cdk/cloudformation-diff, the deploy orchestrator's security diff) reads its
 * 2.6 MB `db.json.gz` at run time, a file a bundle does not have, and only asks it, per resource type, which
 * properties replace the resource and which are scrutinised (IAM, security groups). This replaces the package with
 * that table (aws-service-spec-table.cjs, checked against the database by the orchestrator's tests), gzipped:
 * ~60 KB instead of 3.4 MB in the bundle, and milliseconds instead of seconds on the first diff.
 */
const embedAwsServiceSpec = {
  name: 'embed-aws-service-spec',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${escapeRegExp(SPEC_PACKAGE)}$`) }, () => ({
      path: SPEC_PACKAGE,
      namespace: 'embedded-aws-service-spec',
    }));
    build.onLoad({ filter: /.*/, namespace: 'embedded-aws-service-spec' }, () => ({
      resolveDir: __dirname,
      loader: 'js',
      contents: [
        "const { gunzipSync } = require('node:zlib');",
        `const { serviceSpecExports } = require(${JSON.stringify(SPEC_TABLE_CODE)});`,
        `const compressed = require(${JSON.stringify(SPEC_TABLE)});`,
        "module.exports = serviceSpecExports(() => gunzipSync(compressed).toString('utf8'));",
      ].join('\n'),
    }));
    build.onLoad({ filter: /aws-service-spec-table\.txt$/ }, async (args) => ({
      contents: gzipSync(await readFile(args.path), { level: 9 }),
      loader: 'binary',
    }));
  },
};

const LAMBDA_CREDENTIALS = 'lambda-env-credentials';

/**
 * Lambda hands every function its role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, and the local cloud does the same: the SDK's default chain (SSO, INI files, process, web
 * identity, IMDS and the STS/SSO clients they need) can never get past its first link there, yet costs ~90 KB of every
 * bundle. The clients' default provider becomes that first link, the SDK's own `fromEnv`.
 */
const lambdaEnvironmentCredentials = {
  name: LAMBDA_CREDENTIALS,
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, async (args) => {
      if (args.pluginData === LAMBDA_CREDENTIALS) return undefined;
      const real = await build.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: LAMBDA_CREDENTIALS,
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: LAMBDA_CREDENTIALS };
    });
    // Resolved from the provider package's own folder: its dependency, at the version the lockfile pins.
    build.onLoad({ filter: /.*/, namespace: LAMBDA_CREDENTIALS }, (args) => ({
      contents: "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/** A client's schema module: `const _e = "error";` … `export var X$ = [3, n0, _X, { [_e]: _c }, …];` per shape. */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
/** A shape trait key, `{ [_hH]: _xarc }` or `, [_xN]: _ACL`: a computed key naming one of the module's constants. */
const COMPUTED_CONSTANT_KEY = /([{,]\s*)\[(_\w+)\]:/g;

/**
 * An SDK client's schemas module declares every shape of the service, each `export var`, so that a bundle keeps only
 * the shapes its commands reach; but a shape with traits has computed keys naming the module's string constants
 * (`{ [_hH]: _xarc }`), which esbuild must assume have side effects, so it keeps every such shape and all they refer
 * to: S3's 514 shapes, 59 KB of each S3 bundle (minified), for the 2 to 4 commands a function sends. Each such key
 * becomes its constant's string literal (`{ "httpHeader": _xarc }`, the same object), and the unused shapes go.
 */
const treeShakeSdkSchemas = {
  name: 'tree-shake-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const constants = new Map(
        [...source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)].map(([, name, literal]) => [name, literal]),
      );
      return {
        contents: source.replace(COMPUTED_CONSTANT_KEY, (key, before, name) =>
          constants.has(name) ? `${before}${constants.get(name)}:` : key,
        ),
        loader: 'js',
      };
    });
  },
};

/**
 * Each SDK client imports its whole package.json for one field, the version in its user agent: 2 KB of every
 * client's bundle. It gets its name and version only.
 */
const sdkPackageVersions = {
  name: 'sdk-package-versions',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { name, version } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/** The SDK's default logger: `export class NoOpLogger {` in @smithy/core's client submodule. */
const NO_OP_LOGGER_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]smithy-client[\\/]NoOpLogger\.js$/;
const NO_OP_LOGGER_CLASS = 'export class NoOpLogger {';

/**
 * Bundles are minified without keepNames (config/serverless.common.yml), which renames classes; the SDK recognises
 * its default logger by `logger.constructor.name === "NoOpLogger"` (its warnings then go to the console, and the HTTP
 * handler keeps its own logger), so that class keeps its name as a static field. A changed module fails the build.
 */
const keepNoOpLoggerName = {
  name: 'keep-no-op-logger-name',
  setup(build) {
    build.onLoad({ filter: NO_OP_LOGGER_MODULE }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (source.split(NO_OP_LOGGER_CLASS).length !== 2) {
        return { errors: [{ text: `${args.path} no longer declares "${NO_OP_LOGGER_CLASS}": its name is not kept` }] };
      }
      return {
        contents: source.replace(NO_OP_LOGGER_CLASS, `${NO_OP_LOGGER_CLASS}\n    static name = "NoOpLogger";`),
        loader: 'js',
      };
    });
  },
};

const LAZY_CHUNK = 'lazy-chunk';
/** Libraries our code loads with `require()` on first use, each into a file of its own beside the bundle. */
// (and core's plan schema, which brings zod to a task that otherwise has none; the trigger's S3 SDK, for artifact reads;
// the orchestrator's S3 SDK, for the invocations of its tasks that send S3 requests;
// the SDK's event stream serde, which its protocols `import()` only for an operation with an event stream: none of ours).
const LAZY_CHUNKS = {
  '@aws-cdk/cloudformation-diff': 'cloudformation-diff',
  yaml: 'yaml',
  './plan-schema': 'plan-schema',
  './artifact-s3': 'artifact-s3',
  './s3-sdk': 's3-sdk',
  '@smithy/core/event-streams': 'event-streams',
};
/** A lazy chunk module's path in its namespace, `<chunk name>:<module path>`, as [chunk name, module path]. */
const chunkPathParts = (chunkPath) => {
  const colon = chunkPath.indexOf(':');
  return [chunkPath.slice(0, colon), chunkPath.slice(colon + 1)];
};
const LAZY_CHUNK_FILTER = new RegExp(`^(${Object.keys(LAZY_CHUNKS).map(escapeRegExp).join('|')})$`);

/**
 * A library the code loads only when it needs it (`require('yaml')` inside a function: the template diff, a YAML
 * template) is built into `<bundle>.<chunk>.js` beside the bundle instead of into it, so a cold start neither reads
 * nor compiles it. The bundle requires it by its own file name (`__filename`), so a module's code is the same in every
 * bundle and one build makes all of a service's bundles; the shared build (config/esbuild-shared-build.cjs) then builds
 * the chunks each bundle still requires after tree shaking. serverless-esbuild zips such a file with its function only
 * (names starting with another function's bundle name are left out of that function's zip). A static `import` of the
 * library still bundles it.
 */
const lazyChunks = {
  name: LAZY_CHUNK,
  setup(build) {
    build.onResolve({ filter: LAZY_CHUNK_FILTER }, async (args) => {
      // A dynamic `import()` bundled in place makes esbuild wrap it and every module it shares with the bundle for
      // lazy initialisation: compiled twice, run through wrappers.
      if (!['require-call', 'dynamic-import'].includes(args.kind) || args.pluginData === LAZY_CHUNK) return undefined;
      const real = await build.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: LAZY_CHUNK,
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: `${LAZY_CHUNKS[args.path]}:${real.path}`, namespace: LAZY_CHUNK };
    });
    build.onLoad({ filter: /.*/, namespace: LAZY_CHUNK }, (args) => ({
      contents: `module.exports = require(__filename.replace(/\\.[cm]?js$/, '') + ${JSON.stringify(`.${chunkPathParts(args.path)[0]}.js`)});`,
      loader: 'js',
    }));
  },
};

/** The chunks an output of a build with lazyChunks requires, from its metafile entry: [chunk name, module path]. */
const lazyChunksOf = (output) =>
  Object.keys(output.inputs)
    .filter((input) => input.startsWith(`${LAZY_CHUNK}:`))
    .map((input) => chunkPathParts(input.slice(LAZY_CHUNK.length + 1)));

// The shared build last: it takes each function's build over (bundle cache, one build for all, lazy chunks).
module.exports = [
  embedAwsServiceSpec,
  lambdaEnvironmentCredentials,
  treeShakeSdkSchemas,
  sdkPackageVersions,
  keepNoOpLoggerName,
  sharedBuild({ lazyChunks, lazyChunksOf }),
];
