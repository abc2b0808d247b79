import { diff, outputsOrTagsChanged } from '../change-set/diff';
import { prepareDeployment } from '../model/deployment';
import type { ProvisionedResource } from '../resources';
import type { NestedStackHost } from '../resources/nested-stack';
import { randomSuffix } from '../resources/types';
import type { StackRecord } from '../store/records';
import { stackArn } from '../store/store';
import type { Executor } from './executor';
import { checkImports } from './resolve';

/** Fn::GetAtt of a nested stack: `Outputs.<key>`. */
const nestedAttributes = (nested: StackRecord): Record<string, unknown> =>
  Object.fromEntries(nested.outputs.map((o) => [`Outputs.${o.key}`, o.value]));

/**
 * AWS::CloudFormation::Stack resources as child stacks of the same engine: created, updated and deleted with their
 * parent, inside the parent's operation (its events carry the parent's ClientRequestToken).
 */
export const nestedStackHost = (ex: Executor): NestedStackHost => {
  const nestedOrFail = (stackId: string): StackRecord => {
    const nested = ex.store.liveStack(stackId);
    if (!nested) throw new Error(`Embedded stack ${stackId} does not exist`);
    return nested;
  };
  const inheritToken = (parentName: string, nested: StackRecord): void => {
    const token = ex.store.activeStack(parentName)?.clientRequestToken;
    if (token === undefined) delete nested.clientRequestToken;
    else nested.clientRequestToken = token;
  };
  return {
    createNestedStack: async (ctx, templateUrl, parameters): Promise<ProvisionedResource> => {
      const parent = ex.store.activeStack(ctx.stackName)!;
      const suffix = randomSuffix();
      const stackName = `${parent.stackName.slice(0, 128 - suffix.length - ctx.logicalId.length - 2)}-${ctx.logicalId}-${suffix}`;
      const identity = { stackName, stackId: stackArn(stackName) };
      const deployment = prepareDeployment(identity, await ex.templateBody({ TemplateURL: templateUrl }), parameters);
      checkImports(ex.store, deployment, identity.stackId);
      const nested: StackRecord = {
        ...identity,
        status: 'CREATE_IN_PROGRESS',
        createdAt: new Date().toISOString(),
        templateBody: deployment.templateBody,
        ...(deployment.template.Description === undefined ? {} : { description: deployment.template.Description }),
        parameters: deployment.parameters.values,
        noEcho: deployment.parameters.noEcho,
        capabilities: parent.capabilities,
        tags: parent.tags,
        disableRollback: parent.disableRollback,
        resources: {},
        outputs: [],
        imports: [],
        events: [],
        parentId: parent.stackId,
        rootId: parent.rootId ?? parent.stackId,
        ...(parent.clientRequestToken === undefined ? {} : { clientRequestToken: parent.clientRequestToken }),
      };
      ex.store.add(nested);
      ex.store.stackEvent(nested, 'CREATE_IN_PROGRESS', 'User Initiated');
      if (!(await ex.create(nested, deployment))) {
        const reason = `Embedded stack ${nested.stackId} was not successfully created: ${nested.reason ?? nested.status}`;
        // The parent's rollback removes the failed nested stack, as AWS does.
        ex.store.stackEvent(nested, 'DELETE_IN_PROGRESS', 'Parent stack rollback');
        await ex.delete(nested, new Set());
        throw new Error(reason);
      }
      return { physicalId: nested.stackId, attributes: nestedAttributes(nested) };
    },
    updateNestedStack: async (ctx, stackId, templateUrl, parameters): Promise<ProvisionedResource> => {
      const nested = nestedOrFail(stackId);
      const deployment = prepareDeployment(
        nested,
        await ex.templateBody({ TemplateURL: templateUrl }),
        parameters,
        nested.parameters,
      );
      checkImports(ex.store, deployment, nested.stackId);
      const unchanged =
        diff(ex.store, nested, deployment).length === 0 &&
        !outputsOrTagsChanged(ex.store, nested, deployment, nested.tags);
      if (!unchanged) {
        inheritToken(ctx.stackName, nested);
        ex.store.stackEvent(nested, 'UPDATE_IN_PROGRESS', 'User Initiated');
        if (!(await ex.update(nested, deployment))) {
          throw new Error(
            `Embedded stack ${stackId} was not successfully updated. Currently in ${nested.status} with reason: ${nested.reason ?? ''}`,
          );
        }
      }
      return { physicalId: nested.stackId, attributes: nestedAttributes(nested) };
    },
    deleteNestedStack: async (ctx, stackId) => {
      const nested = ex.store.liveStack(stackId);
      if (!nested) return;
      inheritToken(ctx.stackName, nested);
      ex.store.stackEvent(nested, 'DELETE_IN_PROGRESS', 'User Initiated');
      await ex.delete(nested, new Set());
      if (nested.status !== 'DELETE_COMPLETE')
        throw new Error(`Embedded stack ${stackId} was not successfully deleted: ${nested.reason ?? nested.status}`);
    },
  };
};
