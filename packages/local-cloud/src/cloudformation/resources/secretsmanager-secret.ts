import { randomPassword, type RandomPasswordOptions } from '../../secretsmanager/random-password';
import { callService, coerceScalars, ignoreNotFound, isRecord, throughService } from './service-calls';
import { generatedName, optionalString, propertiesError, type Provisioner, type ResourceContext } from './types';

const SCALARS = {
  numbers: ['PasswordLength'],
  booleans: [
    'ExcludeNumbers',
    'ExcludePunctuation',
    'ExcludeUppercase',
    'ExcludeLowercase',
    'IncludeSpace',
    'RequireEachIncludedType',
  ],
};

/** The secret's value: SecretString, or one generated from GenerateSecretString (optionally inside a JSON template). */
const secretValue = (ctx: ResourceContext, properties: Record<string, unknown>): string | undefined => {
  const given = optionalString(properties, 'SecretString', ctx);
  const generate = properties.GenerateSecretString;
  if (given !== undefined && generate !== undefined) {
    throw propertiesError(ctx, '#: only one of [SecretString, GenerateSecretString] may be given');
  }
  if (generate === undefined) return given;
  if (!isRecord(generate)) throw propertiesError(ctx, '#/GenerateSecretString: expected type: JSONObject');
  const options = coerceScalars(generate, SCALARS) as RandomPasswordOptions & {
    SecretStringTemplate?: string;
    GenerateStringKey?: string;
  };
  const password = randomPassword(options);
  if ((options.SecretStringTemplate === undefined) !== (options.GenerateStringKey === undefined)) {
    throw propertiesError(ctx, '#/GenerateSecretString: SecretStringTemplate and GenerateStringKey go together');
  }
  if (options.SecretStringTemplate === undefined) return password;
  let template: unknown;
  try {
    template = JSON.parse(options.SecretStringTemplate);
  } catch {
    throw propertiesError(ctx, '#/GenerateSecretString/SecretStringTemplate: not a JSON object');
  }
  if (!isRecord(template)) throw propertiesError(ctx, '#/GenerateSecretString/SecretStringTemplate: not a JSON object');
  return JSON.stringify({ ...template, [options.GenerateStringKey!]: password });
};

const attributes = (arn: string): Record<string, unknown> => ({ Id: arn });

/** AWS::SecretsManager::Secret: a secret of the local Secrets Manager; Ref and Id are its ARN. */
export const secretProvisioner: Provisioner = throughService('secretsManager', {
  async create(ctx, properties) {
    const value = secretValue(ctx, properties);
    const created = await callService(ctx, 'secretsManager', 'CreateSecret', {
      Name: optionalString(properties, 'Name', ctx) ?? generatedName(ctx, 512, { withStack: false }),
      ...(properties.Description !== undefined ? { Description: properties.Description } : {}),
      ...(properties.KmsKeyId !== undefined ? { KmsKeyId: properties.KmsKeyId } : {}),
      ...(Array.isArray(properties.Tags) ? { Tags: properties.Tags } : {}),
      ...(value !== undefined ? { SecretString: value } : {}),
    });
    const arn = String(created.ARN);
    return { physicalId: arn, attributes: attributes(arn) };
  },
  // A changed SecretString or GenerateSecretString makes a new AWSCURRENT version; a generated value is regenerated.
  async update(ctx, current, properties) {
    const valueChanged =
      JSON.stringify([properties.SecretString, properties.GenerateSecretString]) !==
      JSON.stringify([current.properties.SecretString, current.properties.GenerateSecretString]);
    const value = valueChanged ? secretValue(ctx, properties) : undefined;
    await callService(ctx, 'secretsManager', 'UpdateSecret', {
      SecretId: current.physicalId,
      Description: typeof properties.Description === 'string' ? properties.Description : '',
      ...(properties.KmsKeyId !== undefined ? { KmsKeyId: properties.KmsKeyId } : {}),
      ...(value !== undefined ? { SecretString: value } : {}),
    });
    return { physicalId: current.physicalId, attributes: attributes(current.physicalId) };
  },
  async delete(ctx, current) {
    await callService(ctx, 'secretsManager', 'DeleteSecret', {
      SecretId: current.physicalId,
      ForceDeleteWithoutRecovery: true,
    }).catch(ignoreNotFound('ResourceNotFoundException'));
  },
});
