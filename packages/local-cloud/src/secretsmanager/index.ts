export { createSecretsManagerService, type LocalSecretsManager } from './secretsmanager-service';
export { randomPassword, type RandomPasswordOptions } from './random-password';
