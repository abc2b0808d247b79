// Lazy chunks config/esbuild-plugins.cjs makes of what a cold start does not need: the SDK's event stream serde
// (which its protocols `import()` only for an operation with an event stream) and the orchestrator's unzip (fflate,
// whose decoding tables are built when it loads). Each is a file of its own beside the bundle, and still loads from
// there when it is needed.
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SERVICE_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(SERVICE_DIR, '../..');

/** Bundles `source` as the services do (their plugins) into a new folder. */
const bundle = async (source: string): Promise<string> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'glue-cd-lazy-chunks-'));
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(entry, source);
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
    plugins: plugins as never[],
    logLevel: 'error',
  });
  return dir;
};

/** Runs `lines` in a node process of its own: what a Lambda runs (jest's module registry has no dynamic import). */
const runNode = (lines: string[]) =>
  spawnSync(process.execPath, ['-e', lines.join('\n')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });

const scripts = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .sort();

describe('the SDK bundled with the services’ plugins', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await bundle("export { CloudFormationClient } from '@aws-sdk/client-cloudformation';\n");
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the event stream serde into a file of its own, which the bundle imports', () => {
    expect(scripts(dir)).toEqual(['bundle.event-streams.js', 'bundle.js']);
    const code = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    // Required by the bundle's own file name (config/esbuild-plugins.cjs), on the SDK's `import()` only.
    expect(code).toContain('".event-streams.js"');
    expect(code).not.toMatch(/class (EventStreamSerde|EventStreamCodec|HeaderMarshaller)\b/);
  });

  it("loads it when a protocol asks for its event stream capability, as the SDK's own import would", () => {
    const run = runNode([
      `const { CloudFormationClient } = require(${JSON.stringify(path.join(dir, 'bundle.js'))});`,
      "const client = new CloudFormationClient({ region: 'us-east-1' });",
      'const protocol = client.config.protocol;',
      // What a send sets (AwsQueryProtocol's setSerdeContext hands it to its serializers only).
      'protocol.serdeContext = client.config;',
      'protocol.loadEventStreamCapability().then(',
      '  (serde) => process.stdout.write(serde.constructor.name),',
      '  (error) => { process.stderr.write(String(error)); process.exit(1); },',
      ');',
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('EventStreamSerde');
  });
});

describe('prepareTemplate bundled', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await bundle(
      `export { extractFromZip } from ${JSON.stringify(path.join(SERVICE_DIR, 'src/tasks/prepare-template'))};\n`,
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the unzip (fflate) into a file of its own', () => {
    expect(scripts(dir)).toEqual(['bundle.js', 'bundle.unzip.js']);
    expect(readFileSync(path.join(dir, 'bundle.js'), 'utf8')).toContain('".unzip.js"');
    // fflate's decoding table (rev = new u16(32768)) is built in the chunk only.
    expect(readFileSync(path.join(dir, 'bundle.js'), 'utf8')).not.toContain('32768');
    expect(readFileSync(path.join(dir, 'bundle.unzip.js'), 'utf8')).toContain('32768');
  });

  it('reads a template from an artifact zip through it, and names a file the zip does not hold', () => {
    const zip = zipSync({ 'cfn/template.yaml': new TextEncoder().encode('Resources: {}\n') });
    const run = runNode([
      `const { extractFromZip } = require(${JSON.stringify(path.join(dir, 'bundle.js'))});`,
      `const zip = new Uint8Array(${JSON.stringify([...zip])});`,
      "process.stdout.write(extractFromZip(zip, 'cfn/template.yaml', 'BuildOutput'));",
      "try { extractFromZip(zip, 'missing.yaml', 'BuildOutput'); } catch (error) { process.stdout.write(error.message); }",
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'Resources: {}\nDeployInput.template.path: missing.yaml is not in artifact BuildOutput (it holds 1 files: cfn/template.yaml)',
    );
  });
});
