// The README's `pnpm test` on a fresh machine (no Chromium): who installs it, the outcome the browser test waits for,
// and what it says when it cannot have one. The install itself is a stand-in command here; .ci/run's fresh machine
// runs the real one.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CHROMIUM_INSTALL,
  INSTALL_COMMAND,
  installBlocker,
  installChromium,
  waitForChromium,
} from './support/chromium';
import { selects } from './support/packagings';
import { makeTempDir } from './support/temp-dirs';

const present =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

describe('installBlocker', () => {
  it('installs only a missing Chromium, as root, with apt-get', () => {
    const chromium = '/opt/x/chromium';
    expect(installBlocker({ chromium, exists: present(chromium, '/usr/bin/apt-get'), uid: 0 })).toBe('present');
    expect(installBlocker({ chromium, exists: present('/usr/bin/apt-get'), uid: 1000 })).toBe('not root');
    expect(installBlocker({ chromium, exists: present('/usr/bin/apt-get'), uid: undefined })).toBe('not root');
    expect(installBlocker({ chromium, exists: present(), uid: 0 })).toBe('no apt-get');
    expect(installBlocker({ chromium, exists: present('/usr/bin/apt-get'), uid: 0 })).toBeUndefined();
  });
});

describe('selects', () => {
  it('a run of every file, or one whose patterns match the browser test, starts the install', () => {
    const file = 'packages/release/test/report-browser.test.ts';
    expect(selects([], file)).toBe(true);
    expect(selects(['report-browser'], file)).toBe(true);
    expect(selects(['packages/release/'], file)).toBe(true);
    expect(selects(['packages/core', 'warm-up'], file)).toBe(false);
  });
});

describe('installChromium', () => {
  it('writes a passing install as ok, with its time', async () => {
    const dir = await makeTempDir('chromium-install');
    const outcomeFile = path.join(dir, 'outcome.json');
    const outcome = await installChromium(outcomeFile, 'echo unpacking; true');
    expect(outcome).toEqual({ ok: true, seconds: expect.any(Number) });
    expect(JSON.parse(await readFile(outcomeFile, 'utf8'))).toEqual(outcome);
    expect(existsSync(`${outcomeFile}.tmp`)).toBe(false);
  });

  it("keeps a failed install's exit and the end of its output (where apt says why), bounded", async () => {
    const dir = await makeTempDir('chromium-install');
    const outcomeFile = path.join(dir, 'outcome.json');
    const command =
      "head -c 20000 /dev/zero | tr '\\0' x; echo; echo 'E: Unable to locate package chromium' >&2; exit 100";
    const outcome = await installChromium(outcomeFile, command);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toContain('ended with exit 100');
    expect(outcome.error).toContain('E: Unable to locate package chromium');
    expect(outcome.error.length).toBeLessThan(4_500);
    expect(JSON.parse(await readFile(outcomeFile, 'utf8'))).toEqual(outcome);
  });

  it('names a signal that ended it', async () => {
    const dir = await makeTempDir('chromium-install');
    const outcome = await installChromium(path.join(dir, 'outcome.json'), 'kill -TERM $$');
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('signal SIGTERM') });
  });
});

describe('waitForChromium', () => {
  it('answers at once when Chromium is there', async () => {
    const dir = await makeTempDir('chromium-wait');
    const chromium = path.join(dir, 'chromium');
    await writeFile(chromium, '');
    await expect(waitForChromium({ chromium, outcomeFile: undefined })).resolves.toBe(chromium);
  });

  it('without Chromium nor an install, names the path and the command to run (even in a run that installs one)', async () => {
    const dir = await makeTempDir('chromium-wait');
    const chromium = path.join(dir, 'chromium');
    const runs = process.env[CHROMIUM_INSTALL];
    process.env[CHROMIUM_INSTALL] = path.join(dir, 'never-written.json');
    try {
      const refused = waitForChromium({ chromium, outcomeFile: undefined });
      await expect(refused).rejects.toThrow(`no Chromium at ${chromium}`);
      await expect(refused).rejects.toThrow(INSTALL_COMMAND);
    } finally {
      if (runs === undefined) delete process.env[CHROMIUM_INSTALL];
      else process.env[CHROMIUM_INSTALL] = runs;
    }
  });

  it("waits for the run's install, then answers with the Chromium it installed", async () => {
    const dir = await makeTempDir('chromium-wait');
    const chromium = path.join(dir, 'chromium');
    const outcomeFile = path.join(dir, 'outcome.json');
    const waiting = waitForChromium({ chromium, outcomeFile, pollMs: 10 });
    let settled = false;
    void waiting.finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    await installChromium(outcomeFile, `sleep 0.1; touch '${chromium}'`);
    await expect(waiting).resolves.toBe(chromium);
  });

  it("fails with the install's own words when it failed", async () => {
    const dir = await makeTempDir('chromium-wait');
    const outcomeFile = path.join(dir, 'outcome.json');
    const waiting = waitForChromium({ chromium: path.join(dir, 'chromium'), outcomeFile, pollMs: 10 });
    await installChromium(outcomeFile, "echo 'E: Could not get lock /var/lib/dpkg/lock-frontend' >&2; exit 100");
    await expect(waiting).rejects.toThrow(
      /installing Chromium for this test failed after .* s: .*exit 100:\nE: Could not get lock/,
    );
  });

  it('fails when a passing install left no Chromium at the path it waits for', async () => {
    const dir = await makeTempDir('chromium-wait');
    const chromium = path.join(dir, 'chromium');
    const outcomeFile = path.join(dir, 'outcome.json');
    await installChromium(outcomeFile, 'true');
    await expect(waitForChromium({ chromium, outcomeFile })).rejects.toThrow(
      `the install of Chromium succeeded, but there is still none at ${chromium}`,
    );
  });
});
