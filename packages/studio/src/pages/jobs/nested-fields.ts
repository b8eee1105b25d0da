import { fieldsOf, type FieldSpec, type JsonSchema } from '../../schema/fields.js';
import { labelFor } from '../../schema/labels.js';
import { toInput, validateField, type FormValues, type TagRow } from '../../schema/validate.js';

/** A group of leaf fields for one nested object of an input (`ResourceConfig`, `InputDataConfig.0`). */
export interface FieldGroup {
  /** Dotted path of the object (`''` for the input itself). */
  readonly path: string;
  readonly label: string;
  /** Whether the object must be sent (the input and every required ancestor). A leaf's own `required` is within its object. */
  readonly required: boolean;
  readonly fields: readonly FieldSpec[];
  readonly groups: readonly FieldGroup[];
  /** For an array of objects: the repeated item group (its path ends in the index). */
  readonly repeated?: { readonly item: JsonSchema; readonly min: number; readonly max: number };
}

/** Labels for job members: `S3Uri` reads “S3 URI”, not “S 3 uri”. */
export const jobLabel = (label: string): string => label.replace(/\bS 3\b/g, 'S3').replace(/\buri\b/gi, 'URI');

const isRecord = (s: JsonSchema): boolean => s.type === 'object' && !s.properties && ('patternProperties' in s || 'additionalProperties' in s);
const isObject = (s: JsonSchema): boolean => s.type === 'object' && Boolean(s.properties);
const isObjectArray = (s: JsonSchema): boolean => s.type === 'array' && Boolean(s.items && isObject(s.items));

/**
 * The input schema as nested groups of leaf fields: an object member becomes a group, an array of objects a
 * repeated group (`counts[path]` items), a string map (hyperparameters, environment) a key/value field.
 * Leaf names are dotted paths, so the shared field widgets and rules apply unchanged.
 */
export function groupFields(schema: JsonSchema, counts: Readonly<Record<string, number>>, path = '', label = '', required = true): FieldGroup {
  const fields: FieldSpec[] = [];
  const groups: FieldGroup[] = [];
  const req = new Set(schema.required ?? []);
  for (const raw of fieldsOf(schema)) {
    // A URI or ARN is one line however long it may be.
    const f = { ...raw, label: jobLabel(raw.label), ...(raw.kind === 'longtext' && raw.schema.pattern ? { kind: 'text' as const } : {}) };
    const p = path ? `${path}.${f.name}` : f.name;
    const s = f.schema;
    if (isObject(s)) groups.push(groupFields(s, counts, p, f.label, required && req.has(f.name)));
    else if (isObjectArray(s)) {
      const min = s.minItems ?? 0;
      const n = counts[p] ?? (req.has(f.name) ? Math.max(min, 1) : 0);
      const items = Array.from({ length: n }, (_, i) => groupFields(s.items!, counts, `${p}.${i}`, `${f.label} ${i + 1}`, required && req.has(f.name)));
      groups.push({ path: p, label: f.label, required: required && req.has(f.name), fields: [], groups: items, repeated: { item: s.items!, min, max: s.maxItems ?? 100 } });
    } else if (isRecord(s)) fields.push({ ...f, name: p, kind: 'tags', item: { properties: { Key: {}, Value: {} } } });
    else fields.push({ ...f, name: p });
  }
  return { path, label: label || labelFor(path), required, fields, groups };
}

/** Every leaf field of a group tree. */
export function leaves(g: FieldGroup): FieldSpec[] {
  return [...g.fields, ...g.groups.flatMap(leaves)];
}

const filled = (v: unknown): boolean => v !== undefined && v !== '' && v !== false && !(Array.isArray(v) && v.every((x) => typeof x === 'object' ? !(x as TagRow).Key : x === ''));

/**
 * Problems by leaf name. A required leaf of an optional object is only required once something in that
 * object is filled in (an empty optional object is simply not sent).
 */
export function validateGroups(g: FieldGroup, values: FormValues): Record<string, string> {
  const out: Record<string, string> = {};
  const active = g.required || leaves(g).some((f) => filled(values[f.name]));
  for (const f of g.fields) {
    const m = validateField({ ...f, required: active && f.required }, values[f.name]);
    if (m) out[f.name] = m;
  }
  for (const c of g.groups) Object.assign(out, validateGroups(c, values));
  return out;
}

/** The nested operation input the form stands for; empty optional objects are left out. */
export function toNestedInput(g: FieldGroup, values: FormValues): Record<string, unknown> {
  const flat = toInput(g.fields, values);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    const f = g.fields.find((x) => x.name === k)!;
    const key = k.slice(g.path ? g.path.length + 1 : 0);
    // String maps travel as objects, not tag lists.
    out[key] = f.kind === 'tags' && f.item?.properties?.Key && !('items' in f.schema) ? Object.fromEntries((v as TagRow[]).map((r) => [r.Key, r.Value])) : v;
  }
  for (const c of g.groups) {
    const key = c.path.slice(g.path ? g.path.length + 1 : 0);
    // An optional object whose switches were never turned on (booleans start false) is not sent at all.
    const touched = (x: FieldGroup) => x.required || leaves(x).some((f) => filled(values[f.name]));
    if (c.repeated) {
      const items = c.groups.filter(touched).map((i) => toNestedInput(i, values)).filter((x) => Object.keys(x).length > 0);
      if (items.length > 0) out[key] = items;
    } else if (touched(c)) {
      const inner = toNestedInput(c, values);
      if (Object.keys(inner).length > 0) out[key] = inner;
    }
  }
  return out;
}

/**
 * A problem+json path (`/InputDataConfig/0/ChannelName`) as the form's leaf name, or its nearest group.
 * A path naming an item by its `Name` rather than its index (`/…/ParameterRanges/max_depth`, as tuning
 * range errors do) lands on that item's `Name` field, given the form's values.
 */
export function leafOfPath(path: string, names: readonly string[], values: FormValues = {}): string | undefined {
  const dotted = path.split('/').filter(Boolean).join('.');
  if (names.includes(dotted)) return dotted;
  const direct = names.find((n) => n.startsWith(`${dotted}.`)) ?? names.find((n) => dotted.startsWith(`${n}.`));
  if (direct) return direct;
  const cut = dotted.lastIndexOf('.');
  const [parent, item] = [dotted.slice(0, cut), dotted.slice(cut + 1)];
  return names.find((n) => cut > 0 && n.startsWith(`${parent}.`) && n.endsWith('.Name') && values[n] === item);
}

/**
 * The tree with the named leaves required (dotted paths, `*` for any item index: `ProductionVariants.*.ModelName`):
 * for members SageMaker's schema leaves optional for a feature Loam does not offer (a production variant
 * without a model serves inference components), so the form says what the server will insist on.
 */
export function requireLeaves(g: FieldGroup, paths: readonly string[]): FieldGroup {
  if (paths.length === 0) return g;
  const wanted = (name: string) => paths.includes(name) || paths.includes(name.replace(/\.\d+(?=\.|$)/g, '.*'));
  return { ...g, fields: g.fields.map((f) => (wanted(f.name) ? { ...f, required: true } : f)), groups: g.groups.map((c) => requireLeaves(c, paths)) };
}
