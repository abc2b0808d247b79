// @aws-cdk/aws-service-spec as the repo's Node processes load it: jest (moduleNameMapper in jest.config.ts) and every
// process started through scripts/register-ts.cjs (run-ts, the glue-cd CLI) resolve the package to this module, so
// cloudformation-diff's first diff reads the verified table (aws-service-spec-table.txt, 230 KB, each line parsed on
// first lookup of its type) instead of gunzipping, parsing and hydrating the 2.6 MB database (~1 CPU-s a process).
// The bundles embed the same table (esbuild-plugins.cjs); scripts/spec-table.ts still loads the real database.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { serviceSpecExports } = require('./aws-service-spec-table.cjs');

module.exports = serviceSpecExports(() => readFileSync(path.join(__dirname, 'aws-service-spec-table.txt'), 'utf8'));
