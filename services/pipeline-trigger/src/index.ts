export * from './artifact-zip';
export * from './deploy-input-document';
export * from './job-answer';
export * from './trigger';
