import { generatedName, optionalString, propertiesError, type Provisioner, type ResourceContext } from './types';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The ASL text: DefinitionString or Definition, with DefinitionSubstitutions applied as CloudFormation does. */
const definitionText = (ctx: ResourceContext, properties: Record<string, unknown>): string => {
  const text =
    properties.DefinitionString !== undefined
      ? optionalString(properties, 'DefinitionString', ctx)
      : isRecord(properties.Definition)
        ? JSON.stringify(properties.Definition)
        : undefined;
  if (text === undefined)
    throw propertiesError(ctx, '#: one of [Definition, DefinitionString, DefinitionS3Location] is required');
  const substitutions = properties.DefinitionSubstitutions;
  if (substitutions !== undefined && !isRecord(substitutions))
    throw propertiesError(ctx, '#/DefinitionSubstitutions: expected type: JSONObject');
  const definition = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) =>
    substitutions && key in substitutions ? String(substitutions[key]) : whole,
  );
  try {
    JSON.parse(definition);
  } catch (error) {
    throw propertiesError(
      ctx,
      `#/DefinitionString: the state machine definition is not valid JSON (${(error as Error).message})`,
    );
  }
  return definition;
};

const attributes = (arn: string): Record<string, string> => ({
  Arn: arn,
  Name: arn.slice(arn.lastIndexOf(':') + 1),
  StateMachineRevisionId: arn,
});

/** AWS::StepFunctions::StateMachine: a state machine in the local StateMachineRegistry; Ref is its ARN. */
export const stateMachineProvisioner: Provisioner = {
  async create(ctx, properties) {
    const name = optionalString(properties, 'StateMachineName', ctx) ?? generatedName(ctx, 80, { withStack: false });
    const roleArn = optionalString(properties, 'RoleArn', ctx);
    const { stateMachineArn } = await ctx.deps.stateMachines.createStateMachine({
      name,
      definition: definitionText(ctx, properties),
      ...(roleArn === undefined ? {} : { roleArn }),
    });
    return { physicalId: stateMachineArn, attributes: attributes(stateMachineArn) };
  },
  async update(ctx, current, properties) {
    const roleArn = optionalString(properties, 'RoleArn', ctx);
    await ctx.deps.stateMachines.updateStateMachine(current.physicalId, {
      definition: definitionText(ctx, properties),
      ...(roleArn === undefined ? {} : { roleArn }),
    });
    return { physicalId: current.physicalId, attributes: attributes(current.physicalId) };
  },
  // A state machine that is already gone counts as deleted, as CloudFormation's handler does.
  async delete(ctx, current) {
    await ctx.deps.stateMachines.deleteStateMachine(current.physicalId).catch((error: unknown) => {
      if ((error as Error).name !== 'StateMachineDoesNotExist') throw error;
    });
  },
};
