// esbuild plugins of every service's Lambda bundles (config/serverless.common.yml: esbuild.plugins).
const path = require('node:path');

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

module.exports = [lambdaEnvironmentCredentials];
