/** Escapes text for an XML element or attribute. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** A tiny element tree: `{ Name: 'x', Size: 3, Part: [{…}, {…}] }` → `<Name>x</Name><Size>3</Size><Part>…</Part><Part>…</Part>`. */
export type XmlValue = string | number | boolean | undefined | XmlNode | readonly XmlNode[] | readonly string[];
export interface XmlNode {
  readonly [name: string]: XmlValue;
}

function render(node: XmlNode): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of value as readonly (XmlNode | string)[]) out += typeof v === 'string' ? `<${name}>${xmlEscape(v)}</${name}>` : `<${name}>${render(v)}</${name}>`;
    } else if (typeof value === 'object') out += `<${name}>${render(value as XmlNode)}</${name}>`;
    else out += `<${name}>${xmlEscape(String(value))}</${name}>`;
  }
  return out;
}

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A whole S3 XML document with the S3 namespace on its root. */
export function xmlDocument(root: string, body: XmlNode, namespaced = true): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${namespaced ? ` xmlns="${NS}"` : ''}>${render(body)}</${root}>`;
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

/**
 * Reads the repeated `<item>` elements of a small request document (DeleteObjects,
 * CompleteMultipartUpload) as field maps: `<Object><Key>a</Key></Object>` → `[{ Key: 'a' }]`. These
 * bodies are flat, so a full XML parser is not needed; anything unexpected is simply absent.
 */
export function xmlItems(xml: string, item: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const re = new RegExp(`<${item}(?:\\s[^>]*)?>([\\s\\S]*?)</${item}>`, 'g');
  for (const m of xml.matchAll(re)) {
    const fields: Record<string, string> = {};
    for (const f of (m[1] as string).matchAll(/<([A-Za-z][\w-]*)(?:\s[^>]*)?>([\s\S]*?)<\/\1>/g)) fields[f[1] as string] = unescape(f[2] as string);
    out.push(fields);
  }
  return out;
}

/** The text of the first `<name>` element, if any. */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescape(m[1] as string) : undefined;
}
