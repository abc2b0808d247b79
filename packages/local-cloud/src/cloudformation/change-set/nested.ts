import type { Change, Parameter } from '@aws-sdk/client-cloudformation';
import type { Executor } from '../executor/executor';
import { resolveContext } from '../executor/resolve';
import { type Deployment, prepareDeployment } from '../model/deployment';
import { resolveValue } from '../model/intrinsics';
import { nestedStackParameters } from '../resources/nested-stack';
import { randomSuffix } from '../resources/types';
import type { ChangeSetRecord, StackRecord } from '../store/records';
import { changeSetArn, STACK_TYPE } from '../store/store';
import { diff, outputsOrTagsChanged } from './diff';

export const EMPTY_CHANGE_SET_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

/**
 * The nested change sets of a change set's AWS::CloudFormation::Stack resources: each existing nested stack is
 * diffed against its (possibly new) template; a nested stack with changes is a Modify of the parent's resource.
 */
export async function withNestedChanges(
  ex: Executor,
  stack: StackRecord,
  deployment: Deployment,
  changeSet: ChangeSetRecord,
  changes: Change[],
): Promise<Change[]> {
  const result = [...changes];
  const ctx = resolveContext(ex.store, stack, deployment, undefined, true);
  for (const [logicalId, declaration] of Object.entries(deployment.resources)) {
    if (declaration.Type !== STACK_TYPE) continue;
    const existing = stack.resources[logicalId];
    const nested = existing?.physicalId ? ex.store.liveStack(existing.physicalId) : undefined;
    if (!nested) continue;
    const properties = resolveValue(declaration.Properties ?? {}, ctx) as Record<string, unknown>;
    if (typeof properties.TemplateURL !== 'string') continue;
    // A parameter that depends on a parent resource keeps its previous value in the preview.
    const parameters: Parameter[] = Object.entries((properties.Parameters ?? {}) as Record<string, unknown>).map(
      ([key, value]) =>
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ParameterKey: key, UsePreviousValue: true }
          : { ParameterKey: key, ParameterValue: Array.isArray(value) ? value.join(',') : String(value) },
    );
    nestedStackParameters(ex.resourceContext(stack, logicalId, STACK_TYPE), properties); // rejects a Parameters that is not a map
    const nestedDeployment = prepareDeployment(
      nested,
      await ex.templateBody({ TemplateURL: properties.TemplateURL }),
      parameters,
      nested.parameters,
    );
    const name = `${changeSet.changeSetName.slice(0, 60)}-${logicalId.slice(0, 50)}-${randomSuffix()}`;
    const nestedChangeSet: ChangeSetRecord = {
      changeSetId: changeSetArn(name),
      changeSetName: name,
      stackId: nested.stackId,
      stackName: nested.stackName,
      changeSetType: 'UPDATE',
      status: 'CREATE_COMPLETE',
      executionStatus: 'AVAILABLE',
      createdAt: new Date().toISOString(),
      templateBody: nestedDeployment.templateBody,
      parameters: nestedDeployment.parameters.values,
      noEcho: nestedDeployment.parameters.noEcho,
      capabilities: changeSet.capabilities,
      tags: nested.tags,
      includeNestedStacks: true,
      changes: [],
      parentChangeSetId: changeSet.changeSetId,
      rootChangeSetId: changeSet.rootChangeSetId ?? changeSet.changeSetId,
    };
    nestedChangeSet.changes = await withNestedChanges(
      ex,
      nested,
      nestedDeployment,
      nestedChangeSet,
      diff(ex.store, nested, nestedDeployment),
    );
    const nestedChanged =
      nestedChangeSet.changes.length > 0 || outputsOrTagsChanged(ex.store, nested, nestedDeployment, nested.tags);
    if (!nestedChanged) {
      nestedChangeSet.status = 'FAILED';
      nestedChangeSet.executionStatus = 'UNAVAILABLE';
      nestedChangeSet.statusReason = EMPTY_CHANGE_SET_REASON;
    }
    if (changeSet.includeNestedStacks) ex.store.addChangeSet(nestedChangeSet);
    const parentChange = result.find((c) => c.ResourceChange?.LogicalResourceId === logicalId)?.ResourceChange;
    const link = changeSet.includeNestedStacks ? { ChangeSetId: nestedChangeSet.changeSetId } : {};
    if (parentChange) Object.assign(parentChange, link);
    else if (nestedChanged) {
      result.push({
        Type: 'Resource',
        HookInvocationCount: 0,
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: logicalId,
          PhysicalResourceId: nested.stackId,
          ResourceType: STACK_TYPE,
          Replacement: 'False',
          Scope: ['Properties'],
          ...link,
          Details: [
            {
              Target: { Attribute: 'Properties', RequiresRecreation: 'Never' },
              Evaluation: 'Dynamic',
              ChangeSource: 'Automatic',
            },
          ],
        },
      });
    }
  }
  return result;
}
