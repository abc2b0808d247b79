// esbuild plugins for every service bundle (serverless-esbuild `plugins` in config/serverless.common.yml, resolved
// from services/<service>/). They only act on the modules they name, so bundles without those are unchanged.
const { readFile } = require('node:fs/promises');
const path = require('node:path');

/**
 * @aws-cdk/aws-service-spec (behind @aws-cdk/cloudformation-diff, the deploy orchestrator's security diff) reads
 * `db.json.gz` next to its own files at run time, a file a bundle does not have. This replaces its loader with one
 * that embeds the database in the bundle, so the Lambda runs the same diff as the tests.
 */
const embedAwsServiceSpec = {
  name: 'embed-aws-service-spec',
  setup(build) {
    build.onResolve({ filter: /^@aws-cdk\/aws-service-spec$/ }, (args) => {
      const manifest = require.resolve('@aws-cdk/aws-service-spec/package.json', { paths: [args.resolveDir] });
      return { path: path.join(path.dirname(manifest), 'lib', 'index.js'), namespace: 'embedded-aws-service-spec' };
    });
    build.onLoad({ filter: /.*/, namespace: 'embedded-aws-service-spec' }, (args) => ({
      resolveDir: path.dirname(args.path),
      loader: 'js',
      contents: [
        "const { gunzipSync } = require('node:zlib');",
        "const { emptyDatabase } = require('@aws-cdk/service-spec-types');",
        "const compressed = require('../db.json.gz');",
        'const load = () => {',
        '  const db = emptyDatabase();',
        "  db.load(JSON.parse(gunzipSync(compressed).toString('utf-8')));",
        '  return db;',
        '};',
        'exports.loadAwsServiceSpecSync = load;',
        'exports.loadAwsServiceSpec = async () => load();',
      ].join('\n'),
    }));
    build.onLoad({ filter: /[\\/]aws-service-spec[\\/]db\.json\.gz$/ }, async (args) => ({
      contents: await readFile(args.path),
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

module.exports = [embedAwsServiceSpec, lambdaEnvironmentCredentials];
