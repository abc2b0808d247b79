/** Minimal XML writing for the REST-XML (S3) and AWS Query responses: escaped text, nested elements. */
export type XmlChild = XmlNode | string | number | boolean | undefined;
export interface XmlNode {
  name: string;
  attributes?: Record<string, string>;
  children: XmlChild[];
}

// A carriage return survives XML parsing only as a character reference.
export const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"'\r]/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[char] ?? char,
  );

export const el = (name: string, ...children: XmlChild[]): XmlNode => ({ name, children });

export const elWithAttributes = (
  name: string,
  attributes: Record<string, string>,
  ...children: XmlChild[]
): XmlNode => ({
  name,
  attributes,
  children,
});

/** `optional('Prefix', value)`: the element, or nothing when the value is undefined. */
export const optional = (name: string, value: string | number | undefined): XmlNode | undefined =>
  value === undefined ? undefined : el(name, value);

export function renderXml(node: XmlNode): string {
  const attributes = Object.entries(node.attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const inner = node.children
    .map((child) => {
      if (child === undefined) return '';
      if (typeof child === 'object') return renderXml(child);
      return escapeXml(String(child));
    })
    .join('');
  return inner === '' ? `<${node.name}${attributes}/>` : `<${node.name}${attributes}>${inner}</${node.name}>`;
}

export const xmlDocument = (root: XmlNode): string => `<?xml version="1.0" encoding="UTF-8"?>\n${renderXml(root)}`;
