// Lazy chunks config/esbuild-plugins.cjs makes of what a cold start does not need: the SDK's event stream serde
// (which its protocols `import()` only for an operation with an event stream) and the tasks' S3 SDK. Each is a file of
// its own beside the bundle, and still loads from there when it is needed. The template's zip reader (core's, on
// Node's zlib) is small and stays in the bundle.
import { zipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleAsServices, SERVICE_DIR } from './support/bundle';

const bundle = (source: string) => bundleAsServices(source, { prefix: 'glue-cd-lazy-chunks-' });

/** Runs `lines` in a node process of its own: what a Lambda runs (jest's module registry has no dynamic import). */
const runNode = (lines: string[]) =>
  spawnSync(process.execPath, ['-e', lines.join('\n')], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
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

  it("holds the zip reader itself, on Node's zlib: no chunk, no fflate", () => {
    expect(scripts(dir)).toEqual(['bundle.js']);
    const code = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    expect(code).toContain('require("node:zlib")');
    // fflate's decoding table (rev = new u16(32768)).
    expect(code).not.toContain('32768');
  });

  it('reads a template from an artifact zip, and names a file the zip does not hold', () => {
    const zip = zipSync({ 'cfn/template.yaml': new TextEncoder().encode('Resources: {}\n') });
    const run = runNode([
      `const { extractFromZip } = require(${JSON.stringify(path.join(dir, 'bundle.js'))});`,
      `const zip = new Uint8Array(${JSON.stringify([...zip])});`,
      "process.stdout.write(extractFromZip(zip, 'cfn/template.yaml', 'BuildOutput'));",
      "try { extractFromZip(zip, 'missing.yaml', 'BuildOutput'); } catch (error) { process.stdout.write(error.message); }",
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      'Resources: {}\nDeployInput.template.path: "missing.yaml" is not in artifact BuildOutput; it holds cfn/template.yaml',
    );
  });
});

describe('the tasks’ S3 SDK bundled', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await bundle(
      [
        `export { prepareTemplate } from ${JSON.stringify(path.join(SERVICE_DIR, 'src/tasks/prepare-template'))};`,
        `export { lazyS3Client } from ${JSON.stringify(path.join(SERVICE_DIR, 'src/clients'))};`,
        '',
      ].join('\n'),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the S3 client and commands into a file of their own', () => {
    expect(scripts(dir)).toEqual(['bundle.js', 'bundle.s3-sdk.js']);
    const code = readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    expect(code).toContain('".s3-sdk.js"');
    expect(code).not.toMatch(/\b(S3Client|GetObjectCommand|PutObjectCommand) = class\b/);
    expect(readFileSync(path.join(dir, 'bundle.s3-sdk.js'), 'utf8')).toMatch(/\bS3Client = class\b/);
  });

  it('loads it on the first S3 request only: a template body needs none, an artifact template reads S3 through it', () => {
    const zip = zipSync({ 'cfn/app.json': new TextEncoder().encode('{"Resources":{}}') });
    const run = runNode([
      "const http = require('node:http');",
      `const { prepareTemplate, lazyS3Client } = require(${JSON.stringify(path.join(dir, 'bundle.js'))});`,
      "const s3Loaded = () => Object.keys(require.cache).some((file) => file.endsWith('.s3-sdk.js'));",
      `const zip = Buffer.from(${JSON.stringify([...zip])});`,
      'const requests = [];',
      'const server = http.createServer((request, response) => {',
      '  requests.push(`${request.method} ${request.url.split("?")[0]}`);',
      "  response.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length }).end(zip);",
      '});',
      "const event = (template) => ({ input: { stackName: 'glue-cd-app-test', template }, executionName: 'e1' });",
      "const settings = { region: 'us-east-1' };",
      "server.listen(0, '127.0.0.1', async () => {",
      '  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${server.address().port}`;',
      '  const lines = [`loaded at init: ${s3Loaded()}`];',
      "  const body = await prepareTemplate(lazyS3Client, settings, event({ body: '{}' }));",
      '  lines.push(`${body.kind} without S3, loaded: ${s3Loaded()}`);',
      "  const artifact = await prepareTemplate(lazyS3Client, settings, event({ artifact: { bucket: 'artifacts', key: 'build.zip' }, path: 'cfn/app.json' }));",
      '  lines.push(`${artifact.kind} ${artifact.templateBody} from ${requests.join()}, loaded: ${s3Loaded()}`);',
      "  process.stdout.write(lines.join('\\n'));",
      '  server.close();',
      '});',
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      'loaded at init: false',
      'body without S3, loaded: false',
      'body {"Resources":{}} from GET /artifacts/build.zip, loaded: true',
    ]);
  });
});
