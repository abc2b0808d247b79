import type { CliIo } from '../../src/cli/io';
import { runGlueCd } from '../../src/cli/main';

/**
 * Runs a glue-cd command line in this process over in-memory files (name → JSON value or text) and stdin; for the
 * tables of inputs that would each cost a process. No AWS client: a live change set runs through the spawned CLI.
 */
export const runInMemory = async (
  argv: string[],
  files: Record<string, unknown>,
  stdin = '',
): Promise<{ status: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readFile: (file) => {
      const content = files[file];
      if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
      return typeof content === 'string' ? content : JSON.stringify(content);
    },
    readStdin: () => stdin,
    cloudFormation: () => {
      throw new Error('no AWS client in memory');
    },
    sleep: async () => undefined,
  };
  const status = await runGlueCd(argv, io);
  return { status, stdout, stderr };
};
