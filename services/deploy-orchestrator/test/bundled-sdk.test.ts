// What config/esbuild-plugins.cjs does to the SDK in a bundle: the event stream serde, which the SDK's protocols
// `import()` only for an operation with an event stream, is a lazy chunk beside the bundle, and still loads from there.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SERVICE_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(SERVICE_DIR, '../..');

describe('the SDK bundled with the services’ plugins', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'glue-cd-bundled-sdk-'));
    const entry = path.join(dir, 'entry.ts');
    writeFileSync(entry, "export { CloudFormationClient } from '@aws-sdk/client-cloudformation';\n");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const plugins = require(path.join(REPO_ROOT, 'config/esbuild-plugins.cjs')) as never[];
    await build({
      entryPoints: [entry],
      outfile: path.join(dir, 'bundle.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      mainFields: ['module', 'main'],
      nodePaths: [path.join(SERVICE_DIR, 'node_modules')],
      plugins: plugins.filter((plugin: { name: string }) => plugin.name !== 'glue-cd-bundle-cache'),
      logLevel: 'error',
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the event stream serde into a file of its own, which the bundle imports', () => {
    expect(readdirSync(dir).filter((name) => name.endsWith('.js'))).toEqual(['bundle.event-streams.js', 'bundle.js']);
    const bundle = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    expect(bundle).toContain('import("./bundle.event-streams.js")');
    expect(bundle).not.toMatch(/class (EventStreamSerde|EventStreamCodec|HeaderMarshaller)\b/);
  });

  it("loads it when a protocol asks for its event stream capability, as the SDK's own import would", () => {
    // A process of its own: what a Lambda runs (jest's module registry has no dynamic import).
    const script = [
      `const { CloudFormationClient } = require(${JSON.stringify(path.join(dir, 'bundle.js'))});`,
      "const client = new CloudFormationClient({ region: 'us-east-1' });",
      'const protocol = client.config.protocol;',
      // What a send sets (AwsQueryProtocol's setSerdeContext hands it to its serializers only).
      'protocol.serdeContext = client.config;',
      'protocol.loadEventStreamCapability().then(',
      '  (serde) => process.stdout.write(serde.constructor.name),',
      '  (error) => { process.stderr.write(String(error)); process.exit(1); },',
      ');',
    ].join('\n');
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('EventStreamSerde');
  });
});
