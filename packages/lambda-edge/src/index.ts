export * from './clients';
export * from './handler';
export * from './logger';
export * from './redaction';
