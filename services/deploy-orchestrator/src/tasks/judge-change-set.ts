import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  changeSetVerdict,
  deployVerdict,
  formatDeployVerdict,
  judgeBroadening,
  parsePlanDocument,
  parseTemplateBody,
  planCounts,
  planSummary,
  summarizeVerdict,
  templateDiffReport,
  type BroadeningItem,
  type DeployInput,
  type DeployVerdict,
  type PlanApproval,
  type PlanDocument,
  type PlanReference,
  type TemplateDocument,
  type VerdictSummary,
  errorMessage,
} from '@glue-cd/core';
import { approvedPlanLocation, getJson, planKeys, putJson, putText, s3Url, verdictKey } from '../artifacts';
import type { S3Sender } from '../clients';
import type { ChangeSetState } from '../state';
import { toChangeSetTree, type ReadProgress } from './change-set-reader';

export interface JudgeContext {
  cfn: CloudFormationClient;
  s3: S3Sender;
  stagingBucket: string;
  input: DeployInput;
  executionName: string;
  changeSet: ChangeSetState;
  now?: () => Date;
}

export interface Judgement {
  summary: VerdictSummary;
  plan?: PlanReference;
}

const template = async (
  cfn: CloudFormationClient,
  request: { StackName?: string; ChangeSetName?: string },
  label: string,
): Promise<TemplateDocument> => {
  const { TemplateBody } = await cfn.send(new GetTemplateCommand({ ...request, TemplateStage: 'Original' }));
  return parseTemplateBody(typeof TemplateBody === 'string' ? TemplateBody : JSON.stringify(TemplateBody ?? {}), label);
};

/** Broadening and the readable diff of every stack of the tree: current template (GetTemplate) vs the change set's. */
const diffEveryStack = async (
  ctx: JudgeContext,
  progress: ReadProgress,
): Promise<{ broadening: BroadeningItem[]; text: string }> => {
  const broadening: BroadeningItem[] = [];
  const texts: string[] = [];
  for (const [index, entry] of progress.entries.entries()) {
    const where =
      entry.stackPath.length === 0 ? `stack ${ctx.changeSet.stackName}` : `nested stack ${entry.stackPath.join(' > ')}`;
    const currentId =
      index === 0
        ? ctx.changeSet.changeSetType === 'UPDATE'
          ? ctx.changeSet.stackId
          : undefined
        : entry.physicalStackId;
    const current =
      currentId !== undefined ? await template(ctx.cfn, { StackName: currentId }, `current template of ${where}`) : {};
    const proposed = await template(ctx.cfn, { ChangeSetName: entry.changeSetId }, `new template of ${where}`);
    const report = templateDiffReport(current, proposed, { changes: entry.changes, stackPath: entry.stackPath });
    broadening.push(...report.broadening);
    texts.push(`${where}\n${report.text.trim() || '(no differences)'}`);
  }
  return { broadening, text: texts.join('\n\n') };
};

/** The approving plan, read once: its broadening ids, or why it cannot approve anything. */
const readApproval = async (ctx: JudgeContext): Promise<PlanApproval | undefined> => {
  const url = ctx.input.approvedPlan;
  if (url === undefined || ctx.input.onBroadening !== 'approve') return undefined;
  try {
    const { bucket, key } = approvedPlanLocation(url, ctx.stagingBucket);
    const json = await getJson(ctx.s3, bucket, key);
    if (json === undefined)
      return { url, problem: 'it does not exist (plans expire with the staging bucket lifecycle)' };
    const plan = parsePlanDocument(json, url);
    if (plan.stackName !== ctx.input.stackName) {
      return { url, problem: `it is a plan of stack ${plan.stackName}, not ${ctx.input.stackName}` };
    }
    return { url, approvedIds: new Set(plan.broadening.map((b) => b.id)) };
  } catch (error) {
    return { url, problem: errorMessage(error) };
  }
};

const writePlan = async (
  ctx: JudgeContext,
  verdict: DeployVerdict,
  summary: VerdictSummary,
  progress: ReadProgress,
  diffText: string,
): Promise<PlanReference> => {
  const keys = planKeys(ctx.input.stackName, ctx.executionName);
  const url = s3Url(ctx.stagingBucket, keys.json);
  const textUrl = s3Url(ctx.stagingBucket, keys.text);
  const counts = planCounts(toChangeSetTree(progress), verdict.broadening.items.length);
  const oneParagraph = planSummary({
    stackName: ctx.input.stackName,
    changeSetType: ctx.changeSet.changeSetType,
    counts,
    verdict: summary,
    broadening: verdict.broadening.items,
    url,
    textUrl,
  });
  const document: PlanDocument = {
    kind: 'glue-cd-plan',
    version: 1,
    stackName: ctx.input.stackName,
    environmentName: ctx.input.environmentName,
    executionName: ctx.executionName,
    changeSetName: ctx.changeSet.changeSetName,
    changeSetType: ctx.changeSet.changeSetType,
    createdAt: (ctx.now?.() ?? new Date()).toISOString(),
    counts,
    verdict: summary,
    broadening: verdict.broadening.items,
    summary: oneParagraph,
    textUrl,
  };
  const text = [oneParagraph, '', formatDeployVerdict(verdict), '', diffText, ''].join('\n');
  await putText(ctx.s3, ctx.stagingBucket, keys.text, text);
  await putJson(ctx.s3, ctx.stagingBucket, keys.json, document);
  return { url, textUrl, counts, summary: oneParagraph };
};

/**
 * The verdict over a fully read change set: destructive changes (core's changeSetVerdict with the input's safety
 * policy) and security broadening (the input's onBroadening, with the approved plan if any). The full verdict goes to
 * `verdicts/<stack>/<execution>/verdict.json`; the state gets the bounded summary. For action plan, the plan is written too.
 */
export const judgeChangeSet = async (ctx: JudgeContext, progress: ReadProgress): Promise<Judgement> => {
  const tree = toChangeSetTree(progress);
  const empty = progress.entries.length === 0;
  const diff = empty ? { broadening: [], text: 'No changes.' } : await diffEveryStack(ctx, progress);
  const plansPrefix = s3Url(ctx.stagingBucket, `plans/${ctx.input.stackName}/`);
  // A new stack is created by CreateStack, which judges no broadening: the plan of one (a CREATE change set) lists
  // every statement it adds but says what that deploy would do, so none is refused.
  const onBroadening = ctx.changeSet.changeSetType === 'CREATE' ? 'allow' : (ctx.input.onBroadening ?? 'fail');
  const broadening = judgeBroadening(diff.broadening, onBroadening, await readApproval(ctx), {
    stackName: ctx.input.stackName,
    plansPrefix,
  });
  const verdict = deployVerdict(changeSetVerdict(tree, ctx.input.safetyPolicy ?? {}), broadening);
  const location = await putJson(ctx.s3, ctx.stagingBucket, verdictKey(ctx.changeSet.stackName, ctx.executionName), {
    kind: 'glue-cd-verdict',
    stackName: ctx.changeSet.stackName,
    changeSetName: ctx.changeSet.changeSetName,
    executionName: ctx.executionName,
    verdict,
  });
  const summary = summarizeVerdict(verdict, location);
  if (ctx.input.action !== 'plan') return { summary };
  return { summary, plan: await writePlan(ctx, verdict, summary, progress, diff.text) };
};
