export * from './clients';
export * from './handler';
export * from './logger';
export * from './object-body';
export * from './redaction';
