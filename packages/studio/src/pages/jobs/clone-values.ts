import { isTagList, literalChoices, type JsonSchema } from '../../schema/fields.js';
import type { FormValue, FormValues, TagRow } from '../../schema/validate.js';

/** What a create form needs to start from an existing resource: its leaves by dotted path, and each array's item count. */
export interface ClonedForm {
  readonly values: FormValues;
  readonly counts: Readonly<Record<string, number>>;
}

const isObject = (s: JsonSchema): boolean => s.type === 'object' && Boolean(s.properties);
const isRecord = (s: JsonSchema): boolean => s.type === 'object' && !s.properties && ('patternProperties' in s || 'additionalProperties' in s);
const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function leaf(s: JsonSchema, v: unknown): FormValue | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' || typeof v === 'number') return literalChoices(s) || s.type === 'string' || s.type === 'integer' || s.type === 'number' ? String(v) : JSON.stringify(v);
  if (Array.isArray(v) && isTagList(s)) return v.filter(plain).map((r) => ({ Key: String(r.Key ?? ''), Value: String(r.Value ?? '') }));
  if (Array.isArray(v) && s.items && (s.items.type === 'string' || literalChoices(s.items))) return v.map(String);
  if (v === undefined || v === null) return undefined;
  return JSON.stringify(v, null, 2);
}

function walk(schema: JsonSchema, value: Record<string, unknown>, path: string, values: FormValues, counts: Record<string, number>): void {
  for (const [name, s] of Object.entries(schema.properties ?? {})) {
    const v = value[name];
    if (v === undefined || v === null || name === 'NextToken') continue;
    const p = path ? `${path}.${name}` : name;
    if (isObject(s)) {
      if (plain(v)) walk(s, v, p, values, counts);
    } else if (s.type === 'array' && s.items && isObject(s.items)) {
      if (!Array.isArray(v)) continue;
      counts[p] = v.length;
      v.forEach((item, i) => plain(item) && walk(s.items!, item, `${p}.${i}`, values, counts));
    } else if (isRecord(s)) {
      if (plain(v)) values[p] = Object.entries(v).map(([Key, Value]): TagRow => ({ Key, Value: String(Value) }));
    } else {
      const x = leaf(s, v);
      if (x !== undefined) values[p] = x;
    }
  }
}

/** `<name>-copy`, cut so it stays within `maxLength` (SageMaker names allow 63 characters). */
export function copyName(name: string, maxLength = 63): string {
  const suffix = '-copy';
  return `${name.slice(0, Math.max(1, maxLength - suffix.length)).replace(/-+$/, '')}${suffix}`;
}

/**
 * A create form filled in from what a Describe operation returned, as the SageMaker console's Clone does:
 * every member the create input also has is copied (output-only members such as status, times and ARNs
 * are not in the input schema, so they drop out), arrays of objects keep their item count, and the name
 * is a suggestion (`<name>-copy`) for the user to change. Tags are not part of a Describe answer.
 */
export function cloneForm(input: JsonSchema, described: Readonly<Record<string, unknown>>, nameKey: string): ClonedForm {
  const values: FormValues = {};
  const counts: Record<string, number> = {};
  walk(input, described as Record<string, unknown>, '', values, counts);
  const name = described[nameKey];
  values[nameKey] = typeof name === 'string' ? copyName(name, input.properties?.[nameKey]?.maxLength ?? 63) : '';
  return { values, counts };
}
