import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCaseRecord } from '../report-schema';

export class JunitReportError extends Error {
  override name = 'JunitReportError';
}

export interface JunitReport {
  testCases: TestCaseRecord[];
  /** The suites' `<properties>` (later suites win on a name clash). */
  properties: Record<string, string>;
}

type Node = Record<string, unknown>;

const TEXT = '#text';
// Elements that may repeat: read as arrays whether one or many.
const REPEATED = new Set(['testsuite', 'testcase', 'property', 'failure', 'error', 'skipped']);

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's predefined entities and character references only: a DOCTYPE's entities stay text (untrusted input). */
const decode = (value: string): string =>
  value.replace(/&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g, (whole, name: string) => {
    if (!name.startsWith('#')) return PREDEFINED[name] ?? whole;
    const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: TEXT,
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  attributeValueProcessor: (_name, value) => decode(value),
  tagValueProcessor: (_name, value) => decode(value),
  isArray: (name) => REPEATED.has(name),
});

const list = (value: unknown): Node[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) =>
    typeof item === 'object' && item !== null ? (item as Node) : { [TEXT]: String(item) },
  );

const text = (node: Node | undefined, key: string): string | undefined => {
  const value = node?.[key];
  return value === undefined ? undefined : String(value);
};

const propertiesOf = (node: Node): Record<string, string> =>
  Object.fromEntries(
    list((node.properties as Node | undefined)?.property).flatMap((property) => {
      const name = text(property, '@name');
      const value = text(property, '@value') ?? text(property, TEXT);
      return name === undefined || value === undefined ? [] : [[name, value]];
    }),
  );

/** JUnit's `time` is seconds (a decimal); a missing or bad one is 0. */
const durationMs = (node: Node): number => {
  const seconds = Number(text(node, '@time') ?? '0');
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0;
};

const outcomeOf = (testcase: Node): Pick<TestCaseRecord, 'status' | 'message'> => {
  for (const [element, status] of [
    ['failure', 'FAILED'],
    ['error', 'ERROR'],
    ['skipped', 'SKIPPED'],
  ] as const) {
    const [first] = list(testcase[element]);
    if (first === undefined) continue;
    const message = [text(first, '@message'), text(first, TEXT)?.trim()].filter((part) => part).join('\n');
    return { status, ...(message ? { message } : {}) };
  }
  return { status: 'SUCCEEDED' };
};

/**
 * Reads a JUnit XML report the way CodeBuild's JUNITXML format does: every `<testcase>` of every `<testsuite>`
 * (nested, or under `<testsuites>`), its status from `<failure>` / `<error>` / `<skipped>`, `time` in seconds.
 */
export const parseJunitReport = (xml: string, origin: string): JunitReport => {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new JunitReportError(`${origin} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const document = parser.parse(xml) as Node;
  const roots = [...list((document.testsuites as Node | undefined)?.testsuite), ...list(document.testsuite)];
  if (!('testsuites' in document) && !('testsuite' in document)) {
    throw new JunitReportError(`${origin} has neither <testsuites> nor <testsuite> at its root`);
  }
  const testCases: TestCaseRecord[] = [];
  const properties: Record<string, string> = {};
  const visit = (suite: Node): void => {
    Object.assign(properties, propertiesOf(suite));
    const suiteName = text(suite, '@name') ?? '';
    for (const testcase of list(suite.testcase)) {
      const caseProperties = propertiesOf(testcase);
      testCases.push({
        suite: suiteName,
        prefix: text(testcase, '@classname') ?? suiteName,
        name: text(testcase, '@name') ?? '(unnamed)',
        ...outcomeOf(testcase),
        durationMs: durationMs(testcase),
        ...(caseProperties.expected !== undefined ? { expected: caseProperties.expected } : {}),
        ...(caseProperties.actual !== undefined ? { actual: caseProperties.actual } : {}),
      });
    }
    for (const nested of list(suite.testsuite)) visit(nested);
  };
  for (const root of roots) visit(root);
  return { testCases, properties };
};
