// An osls plugin of every glue-cd service: installs scripts/code-cache.cjs (a V8 code cache for CommonJS modules) in
// an sls process that was not started with it preloaded (an operator's `sls deploy`, say). From there on every module
// osls compiles comes from the cache, notably the configuration validator osls generates: an 8 MB module of ajv code
// (~/.serverless/artifacts) compiled again in every run, ~0.6 CPU-s of each packaging. The release's packagings and
// scripts/package-stages.js preload the cache instead, so it also holds the modules loaded before plugins. It changes
// no output (see that file); GLUE_CD_CACHE_DIR=off (no caches at all) turns it off.
const { install } = require('../scripts/code-cache.cjs');

class OslsCodeCache {
  constructor() {
    install();
  }
}

module.exports = OslsCodeCache;
