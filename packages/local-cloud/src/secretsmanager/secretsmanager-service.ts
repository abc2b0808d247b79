import type { LocalServiceClient, ServiceHandler } from '../contracts';
import { createJsonService } from '../json-protocol';
import { localServiceClient } from '../service-client';
import { Secrets } from './secrets';

export interface LocalSecretsManager {
  /** The `secretsmanager` front end (awsJson1_1, `X-Amz-Target: secretsmanager.<Operation>`). */
  handle: ServiceHandler;
  /** The same operations in-process (CloudFormation's AWS::SecretsManager::Secret provider). */
  client: LocalServiceClient;
}

export const createSecretsManagerService = (options: { stateDir: string }): LocalSecretsManager => {
  const operations = new Secrets(options.stateDir).operations();
  return {
    handle: createJsonService({
      serviceName: 'Secrets Manager',
      targetPrefix: 'secretsmanager',
      jsonVersion: '1.1',
      operations,
    }),
    client: localServiceClient('Secrets Manager', operations),
  };
};
