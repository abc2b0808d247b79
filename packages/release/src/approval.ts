import { createInterface } from 'node:readline/promises';

/** How the manual LiveTestApproval action is answered locally. */
export type ApprovalMode = 'prompt' | 'approve' | 'reject';

/** A reviewer's answer and how it was given (shown in the action's detail). */
export interface ApprovalAnswer {
  approved: boolean;
  reason: string;
}

/** Answers one approval question; a plain boolean is an answer without a reason. */
export type Approver = (question: string) => Promise<boolean | ApprovalAnswer>;

export const NO_TERMINAL_TO_ASK_ON = 'no terminal to ask on: run with --approve to approve';

/** What the approver needs of a terminal: the input (a TTY to ask on) and where the question goes. */
export interface ApprovalTerminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/** On a terminal a person answers (y or yes approves); elsewhere `--approve` decides, and without it the release stops. */
export const makeApprover = (
  mode: ApprovalMode,
  { input, output }: ApprovalTerminal = { input: process.stdin, output: process.stdout },
): Approver => {
  if (mode === 'approve') return async () => ({ approved: true, reason: 'approved with --approve' });
  if (mode === 'reject') return async () => ({ approved: false, reason: 'rejected with --reject' });
  if (!input.isTTY) return async () => ({ approved: false, reason: NO_TERMINAL_TO_ASK_ON });
  return async (question) => {
    const rl = createInterface({ input, output });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      const approved = /^y(es)?$/i.test(answer.trim());
      return { approved, reason: approved ? 'approved at the prompt' : 'rejected at the prompt' };
    } finally {
      rl.close();
    }
  };
};
