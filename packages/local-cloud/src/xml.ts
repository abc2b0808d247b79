// Compatibility path: the XML writer lives in the protocol layer (src/protocols/xml.ts).
export * from './protocols/xml';
