/** Progress output for a terminal: one line per step, indented detail lines. */
export interface Progress {
  stage(name: string): void;
  step(text: string): void;
  detail(text: string): void;
  done(text: string): void;
  fail(text: string): void;
}

export const consoleProgress = (
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Progress => {
  const started = Date.now();
  const clock = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
  return {
    stage: (name) => write(`\n${clock()}  ▶ ${name}`),
    step: (text) => write(`${clock()}    • ${text}`),
    detail: (text) =>
      write(
        text
          .split('\n')
          .map((line) => `           ${line}`)
          .join('\n'),
      ),
    done: (text) => write(`${clock()}    ✔ ${text}`),
    fail: (text) => write(`${clock()}    ✘ ${text}`),
  };
};

export const silentProgress: Progress = { stage() {}, step() {}, detail() {}, done() {}, fail() {} };
