import type { BroadeningItem } from '../../change-set/broadening-item';
import { diffTemplates, securityChangesText, templateDiffReport } from '../../change-set/broadening';
import { deployVerdict, judgeBroadening, type OnBroadening, type PlanApproval } from '../../change-set/deploy-verdict';
import type { SafetyPolicy } from '../../change-set/safety-policy';
import { changeSetVerdict, SAFE_VERDICT } from '../../change-set/verdict';
import type { TemplateDocument } from '../../template/parse-template';
import { EXIT, type ExitCode } from '../errors';
import { stackKey, type AssembledChangeSet, type StackChangeSet } from './change-set-pages';
import { changeSetListing } from './change-listing';
import { INCOMPLETE_VERDICT, type InspectReport, type ResourceChangeSummary } from './report-schema';

export interface StackTemplates {
  current: TemplateDocument;
  proposed: TemplateDocument;
}

export interface InspectionInput {
  /** The change set; with templates only, a root without changes. */
  changeSet: AssembledChangeSet;
  /** Whether a change set was read at all (false: only --old-template/--new-template). */
  changeSetGiven: boolean;
  /** Templates by `stackKey(stackPath)`; a stack without them is drawn from its change set. */
  templates: Map<string, StackTemplates>;
  policy: Partial<SafetyPolicy>;
  onBroadening: OnBroadening;
  approval?: PlanApproval;
  allowIncomplete: boolean;
  securityOnly: boolean;
}

/** The diff of one stack of the tree, for the text output. */
export interface StackSection {
  stackPath: string[];
  title: string;
  text: string;
}

export interface Inspection {
  report: InspectReport;
  sections: StackSection[];
  changeSetGiven: boolean;
  templatesRead: boolean;
  allowIncomplete: boolean;
}

const securityText = (current: TemplateDocument, proposed: TemplateDocument, stack: StackChangeSet): string => {
  const text = securityChangesText(diffTemplates(current, proposed, stack.changes));
  return text.trim() || 'There were no security-related changes';
};

const titleOf = (stack: StackChangeSet, root: StackChangeSet | undefined): string => {
  const rootName = root?.stackName ?? root?.changeSetName ?? 'change set';
  if (stack.stackPath.length > 0) return `Stack ${[rootName, ...stack.stackPath].join(' > ')} (nested)`;
  return stack.changeSetName !== undefined
    ? `Stack ${rootName} (change set ${stack.changeSetName})`
    : `Stack ${rootName}`;
};

const summaries = (stacks: StackChangeSet[]): ResourceChangeSummary[] =>
  stacks.flatMap((stack) =>
    stack.changes
      .filter((c) => (c.Type === undefined || c.Type === 'Resource') && c.ResourceChange !== undefined)
      .map(({ ResourceChange: r }) => ({
        logicalId: r!.LogicalResourceId ?? '(unknown logical id)',
        stackPath: stack.stackPath,
        resourceType: r!.ResourceType ?? '(unknown type)',
        action: r!.Action ?? '(no action)',
        ...(r!.Replacement !== undefined ? { replacement: r!.Replacement } : {}),
        ...(r!.PolicyAction !== undefined ? { policyAction: r!.PolicyAction } : {}),
        ...(r!.PhysicalResourceId !== undefined ? { physicalResourceId: r!.PhysicalResourceId } : {}),
      })),
  );

/**
 * The judgement of a change set (and of the template diff when templates are at hand), as the deploy state machine
 * makes it — destructive changes first, then broadening — plus what was not read: a change set with a part missing
 * is never called safe unless `allowIncomplete`.
 */
export const inspect = (input: InspectionInput): Inspection => {
  const { tree, stacks, incomplete } = input.changeSet;
  const root = stacks[0];
  const broadening: BroadeningItem[] = [];
  const sections: StackSection[] = [];
  for (const stack of stacks) {
    const templates = input.templates.get(stackKey(stack.stackPath));
    let text: string;
    if (templates !== undefined) {
      const diff = templateDiffReport(templates.current, templates.proposed, {
        ...(input.changeSetGiven ? { changes: stack.changes } : {}),
        stackPath: stack.stackPath,
      });
      broadening.push(...diff.broadening);
      text = input.securityOnly
        ? securityText(templates.current, templates.proposed, stack)
        : // A nested stack whose own template is unchanged differs only in its change set: draw that.
          diff.text.trim() || changeSetListing(stack.changes);
    } else {
      text = input.securityOnly
        ? 'No templates for this stack: its security changes are unknown'
        : changeSetListing(stack.changes);
    }
    sections.push({ stackPath: stack.stackPath, title: titleOf(stack, root), text });
  }

  const unique = [...new Map(broadening.map((b) => [b.id, b])).values()];
  const hint = { stackName: root?.stackName ?? '<stack>' };
  const judged = deployVerdict(
    changeSetVerdict(tree, input.policy),
    judgeBroadening(unique, input.onBroadening, input.approval, hint),
  );
  const blocked = incomplete.length > 0 && !input.allowIncomplete;
  const verdict = judged.verdict === SAFE_VERDICT && blocked ? INCOMPLETE_VERDICT : judged.verdict;
  const refused = new Set(judged.broadening.refused.map((b) => b.id));
  const report: InspectReport = {
    verdict,
    safe: verdict === SAFE_VERDICT,
    ...(root?.stackName !== undefined ? { stackName: root.stackName } : {}),
    ...(root?.changeSetName !== undefined ? { changeSetName: root.changeSetName } : {}),
    inspectedChanges: judged.inspectedChanges,
    violations: judged.violations,
    accepted: judged.accepted,
    broadening: unique.map((b) => ({ ...b, refused: refused.has(b.id) })),
    onBroadening: input.onBroadening,
    ...(judged.broadening.reason !== undefined ? { broadeningReason: judged.broadening.reason } : {}),
    incomplete,
    changes: summaries(stacks),
  };
  return {
    report,
    sections,
    changeSetGiven: input.changeSetGiven,
    templatesRead: input.templates.size > 0,
    allowIncomplete: input.allowIncomplete,
  };
};

/** 0 safe, 1 refused (destructive or broadening), 3 incomplete. */
export const exitCodeOf = (report: InspectReport): ExitCode =>
  report.verdict === SAFE_VERDICT ? EXIT.safe : report.verdict === INCOMPLETE_VERDICT ? EXIT.incomplete : EXIT.unsafe;
