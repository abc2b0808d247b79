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

module.exports = [embedAwsServiceSpec];
