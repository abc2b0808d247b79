import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLOUD_USAGE, CloudUsageError, DEFAULT_PORT, parseCloudArgs, runCloudCli, type CloudCliIo } from '../src';
import { removeDir, tempStateDir } from './helpers';

describe('parseCloudArgs', () => {
  it('defaults to port 4566 and .local-cloud under the base folder', () => {
    // Arrange
    const every = ['--', '--port', '0', '--state-dir', 'x', '--wait-scale', '1', '--quiet'];

    // Act
    const defaults = parseCloudArgs([], '/repo');
    const given = parseCloudArgs(every, '/repo');
    const help = parseCloudArgs(['--help'], '/repo');

    // Assert
    expect(defaults).toEqual({
      port: DEFAULT_PORT,
      stateDir: path.resolve('/repo/.local-cloud'),
      quiet: false,
    });
    expect(given).toEqual({
      port: 0,
      stateDir: path.resolve('/repo/x'),
      waitScale: 1,
      quiet: true,
    });
    expect(help).toBeUndefined();
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--port', 'http'], '--port must be a whole number from 0 to 65535, got "http"'],
    [['--port', '70000'], '--port must be a whole number from 0 to 65535, got "70000"'],
    [['--port', ''], '--port must be a whole number'],
    [['--wait-scale=-1'], '--wait-scale must be a number of 0 or more, got "-1"'],
    [['--state-dir='], '--state-dir must not be empty'],
    [['serve'], "Unexpected argument 'serve'"],
  ])('refuses %j naming the flag', (args, message) => {
    // Act
    const parse = () => parseCloudArgs(args, '/repo');

    // Assert
    expect(parse).toThrow(CloudUsageError);
    expect(parse).toThrow(message);
  });
});

describe('parseCloudArgs --faults', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempStateDir();
  });
  afterAll(() => removeDir(dir));
  const plan = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('reads and validates the plan file', () => {
    const rules = [
      { service: 'cloudformation', operation: 'CreateStack', times: 1, action: { kind: 'kill', when: 'after' } },
    ];
    const file = plan('kill.json', { seed: 7, rules });

    expect(parseCloudArgs(['--faults', file], '/repo')).toEqual({
      port: DEFAULT_PORT,
      stateDir: path.resolve('/repo/.local-cloud'),
      quiet: false,
      faults: { file, seed: 7, rules },
    });
  });

  it.each([
    ['missing.json', undefined, '--faults: cannot read'],
    ['not-json.json', '{rules', 'is not JSON'],
    ['bad-kind.json', { rules: [{ service: 's3', action: { kind: 'explode' } }] }, 'rules.0.action.kind'],
    ['extra-key.json', { rules: [], match: 'x' }, 'Unrecognized key'],
  ])('refuses %s naming what is wrong', (name, content, message) => {
    const file = content === undefined ? path.join(dir, name) : plan(name, content);
    expect(() => parseCloudArgs(['--faults', file], '/repo')).toThrow(CloudUsageError);
    expect(() => parseCloudArgs(['--faults', file], '/repo')).toThrow(message);
  });
});

describe('runCloudCli', () => {
  const fakeIo = () => {
    const lines = { out: [] as string[], err: [] as string[] };
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    let started: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const io: CloudCliIo = {
      out: (line) => {
        lines.out.push(line);
        if (line.includes('Ctrl-C stops it.')) started();
      },
      err: (line) => lines.err.push(line),
      stopRequested: () => stopped,
    };
    return { io, lines, stop, ready };
  };

  it('prints the usage for --help and exits 0; a bad flag exits 2 with the reason', async () => {
    // Arrange
    const help = fakeIo();
    const bad = fakeIo();

    // Act
    const helpCode = await runCloudCli(['--help'], { baseDir: '/repo', io: help.io });
    const badCode = await runCloudCli(['--port', 'x'], { baseDir: '/repo', io: bad.io });

    // Assert
    expect(helpCode).toBe(0);
    expect(help.lines.out).toEqual([CLOUD_USAGE]);
    expect(badCode).toBe(2);
    expect(bad.lines.err[0]).toBe('pnpm cloud: --port must be a whole number from 0 to 65535, got "x"');
  });

  it('runs until asked to stop, then closes the cloud and exits 0; a port in use exits 1', async () => {
    // Arrange
    const stateDir = tempStateDir();
    const otherStateDir = tempStateDir();
    const first = fakeIo();
    const second = fakeIo();
    const third = fakeIo();
    try {
      // Act
      const running = runCloudCli(['--port', '0', '--state-dir', stateDir, '--quiet'], { baseDir: '/', io: first.io });
      await first.ready;
      const text = first.lines.out.join('\n');
      const port = Number(/export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1]);
      const portInUse = await runCloudCli(['--port', String(port), '--state-dir', otherStateDir], {
        baseDir: '/',
        io: second.io,
      });
      // The same state folder is refused on any port: one cloud per folder.
      const folderInUse = await runCloudCli(['--port', '0', '--state-dir', stateDir], { baseDir: '/', io: third.io });
      first.stop('SIGTERM');
      const stopped = await running;

      // Assert
      expect(port).toBeGreaterThan(0);
      expect(text).toContain('Glue job engines: none (every job run fails, naming its script)');
      expect(portInUse).toBe(1);
      expect(second.lines.err[0]).toContain(`port ${port} is in use`);
      expect(folderInUse).toBe(1);
      expect(third.lines.err[0]).toContain(`is held by process ${process.pid}`);
      expect(stopped).toBe(0);
      expect(first.lines.out.at(-1)).toBe(`Local cloud stopped; state kept in ${stateDir}`);
    } finally {
      removeDir(stateDir);
      removeDir(otherStateDir);
    }
  });
});
