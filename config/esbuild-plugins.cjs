// esbuild plugins for every service bundle (serverless-esbuild `plugins` in config/serverless.common.yml, resolved
// from services/<service>/). They only act on the modules they name, so bundles without those are unchanged.
const { readFile } = require('node:fs/promises');
const path = require('node:path');
const { gzipSync } = require('node:zlib');
const { bundleCache, recordExtraBuild } = require('./esbuild-bundle-cache.cjs');

const SPEC_TABLE = path.join(__dirname, 'aws-service-spec-table.txt');
const SPEC_TABLE_CODE = path.join(__dirname, 'aws-service-spec-table.cjs');

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
    build.onResolve({ filter: /^@aws-cdk\/aws-service-spec$/ }, () => ({
      path: '@aws-cdk/aws-service-spec',
      namespace: 'embedded-aws-service-spec',
    }));
    build.onLoad({ filter: /.*/, namespace: 'embedded-aws-service-spec' }, () => ({
      resolveDir: __dirname,
      loader: 'js',
      contents: [
        "const { gunzipSync } = require('node:zlib');",
        `const { databaseFromTable } = require(${JSON.stringify(SPEC_TABLE_CODE)});`,
        `const compressed = require(${JSON.stringify(SPEC_TABLE)});`,
        'let db;',
        "const load = () => (db ??= databaseFromTable(gunzipSync(compressed).toString('utf8')));",
        'exports.loadAwsServiceSpecSync = load;',
        'exports.loadAwsServiceSpec = async () => load();',
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

const LAZY_CHUNK = 'lazy-chunk';
/** Libraries our code loads with `require()` on first use, each into a file of its own beside the bundle. */
// (and core's plan schema, which brings zod to a task that otherwise has none; the trigger's S3 SDK, for artifact reads;
// the SDK's event stream serde, which its protocols `import()` only for an operation with an event stream: none of ours;
// the orchestrator's unzip of artifact templates, fflate with its tables).
const LAZY_CHUNKS = {
  '@aws-cdk/cloudformation-diff': 'cloudformation-diff',
  yaml: 'yaml',
  './plan-schema': 'plan-schema',
  './artifact-s3': 'artifact-s3',
  '@smithy/core/event-streams': 'event-streams',
  './unzip': 'unzip',
};
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const LAZY_CHUNK_FILTER = new RegExp(`^(${Object.keys(LAZY_CHUNKS).map(escapeRegExp).join('|')})$`);

/**
 * A library the code loads only when it needs it (`require('yaml')` inside a function: the template diff, a YAML
 * template) is built into `<bundle>.<chunk>.js` beside the bundle instead of into it, so a cold start neither reads
 * nor compiles it. serverless-esbuild zips such a file with its function only (names starting with another
 * function's bundle name are left out of that function's zip). A static `import` of the library still bundles it.
 */
const lazyChunks = {
  name: LAZY_CHUNK,
  setup(build) {
    const { entryPoints, outdir, outfile } = build.initialOptions;
    const entries = Array.isArray(entryPoints) ? entryPoints : Object.values(entryPoints ?? {});
    // One entry per build (serverless-esbuild builds each function on its own); otherwise bundle as usual.
    if (entries.length !== 1 || typeof entries[0] !== 'string') return;
    const directory = outdir ?? path.dirname(outfile);
    const bundleName = outfile
      ? path.basename(outfile, path.extname(outfile))
      : path.basename(entries[0], path.extname(entries[0]));
    const chunks = new Map();
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
      const file = `${bundleName}.${LAZY_CHUNKS[args.path]}.js`;
      chunks.set(file, real.path);
      return { path: `./${file}`, external: true };
    });
    // The output's imports say which chunks survived tree shaking (every reachable module's requires are resolved).
    build.initialOptions.metafile = true;
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || chunks.size === 0) return;
      const used = new Set(
        Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path.slice(2))),
      );
      // The chunks are outputs of this build: the bundle cache stores them with it (not as builds of their own).
      const plugins = (build.initialOptions.plugins ?? []).filter(
        (plugin) => plugin.name !== LAZY_CHUNK && plugin.name !== bundleCache.name,
      );
      for (const [file, entry] of [...chunks].filter(([name]) => used.has(name))) {
        const chunk = await build.esbuild.build({
          ...build.initialOptions,
          entryPoints: [entry],
          outdir: undefined,
          outfile: path.join(directory, file),
          metafile: true,
          plugins,
        });
        recordExtraBuild(build.initialOptions, chunk.metafile);
      }
    });
  },
};

// The bundle cache last: its end callback sees the lazy chunks written.
module.exports = [embedAwsServiceSpec, lambdaEnvironmentCredentials, lazyChunks, bundleCache];
