import { createHash } from 'node:crypto';

/** JSON with object keys sorted and undefined members dropped: one text per request, whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** What a ClientToken is checked against: the request without its token. */
export function requestHashOf(input: Readonly<Record<string, unknown>>): string {
  const { ClientToken: _t, ...rest } = input;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}
