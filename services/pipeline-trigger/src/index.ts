export * from './clients';
export * from './deploy-input-document';
export * from './job-answer';
export * from './logging';
export * from './token-keys';
export * from './trigger';
