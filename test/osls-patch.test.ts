// patches/osls@4.3.1.patch: osls requires undici where it fetches (plugin installs, http $refs, downloads), not as it
// loads, so an `sls package` never loads its ~110 modules. Checked in a fresh node, as sls loads itself: every
// internal plugin and the patched modules load without undici, and the fetch dispatcher still builds undici's agents.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const OSLS = path.dirname(require.resolve('osls/package.json'));

/** Runs `script` in a fresh node with `osls` (the package folder) defined; returns what it printed, parsed. */
const inFreshNode = (script: string, env: NodeJS.ProcessEnv = {}): Record<string, unknown> =>
  JSON.parse(
    execFileSync(process.execPath, ['-e', `const osls = ${JSON.stringify(OSLS)};\n${script}`], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    }),
  ) as Record<string, unknown>;

const UNDICI_LOADED = "Object.keys(require.cache).some((file) => file.includes('/node_modules/undici/'))";

test('loading osls (every internal plugin, the http $ref reader, the downloader) loads no undici; fetching still uses it', () => {
  const dispatcher = `
    const dispatcher = require(osls + '/lib/utils/build-fetch-dispatcher')();
    const undici = require(require.resolve('undici', { paths: [osls] }));
    const agent = dispatcher instanceof undici.ProxyAgent ? 'ProxyAgent' : dispatcher instanceof undici.EnvHttpProxyAgent ? 'EnvHttpProxyAgent' : 'other';
  `;
  expect(
    inFreshNode(`
      require(osls + '/lib/plugins');
      require(osls + '/lib/classes/yaml-parser/http-ref-reader');
      require(osls + '/lib/utils/serverless-utils/download');
      const loaded = ${UNDICI_LOADED};
      ${dispatcher}
      console.log(JSON.stringify({ loaded, agent }));
    `),
  ).toEqual({ loaded: false, agent: 'EnvHttpProxyAgent' });
  // The nonstandard lowercase `proxy` variable osls honours: undici's ProxyAgent.
  expect(
    inFreshNode(`${dispatcher}\nconsole.log(JSON.stringify({ agent }));`, { proxy: 'http://127.0.0.1:9' }),
  ).toEqual({ agent: 'ProxyAgent' });
});
