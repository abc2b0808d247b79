// Compatibility path: the JSON protocols live in the protocol layer (src/protocols/json.ts).
export * from './protocols/json';
