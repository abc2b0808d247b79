import { createInterface } from 'node:readline/promises';

/** How the manual LiveTestApproval action is answered locally. */
export type ApprovalMode = 'prompt' | 'approve' | 'reject';

export type Approver = (question: string) => Promise<boolean>;

/** On a terminal a person answers; elsewhere the `--approve` flag decides, and without it the release stops. */
export const makeApprover = (mode: ApprovalMode, input = process.stdin, output = process.stdout): Approver => {
  if (mode === 'approve') return async () => true;
  if (mode === 'reject' || !input.isTTY) return async () => false;
  return async (question) => {
    const rl = createInterface({ input, output });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
};
