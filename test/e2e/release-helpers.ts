import type { Approver } from '@glue-cd/release';

/** An approver that answers every approval the same way, and counts the questions. */
export const approveAll = (answer: boolean): Approver & { questions: string[] } => {
  const questions: string[] = [];
  const approver = async (question: string) => {
    questions.push(question);
    return answer;
  };
  return Object.assign(approver, { questions });
};
