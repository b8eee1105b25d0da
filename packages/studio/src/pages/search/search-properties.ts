import { searchShapes } from '@loam/contracts';

/** A JSON Schema node as TypeBox writes it (only what property paths need). */
interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly const?: unknown;
}

export type PropertyKind = 'text' | 'number' | 'timestamp' | 'boolean' | 'choice' | 'keyed';

/** A property a filter or SortBy may name, as the search record's schema has it. `keyed` ones end in `.` and take a key after it. */
export interface PropertyHint {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly choices?: readonly string[];
}

const MAX_DEPTH = 4;

function constChoices(s: SchemaNode): string[] | undefined {
  if (!s.anyOf?.length || !s.anyOf.every((x) => typeof x.const === 'string')) return undefined;
  return s.anyOf.map((x) => x.const as string);
}

/**
 * Every property path of a search record, from its schema: scalars by their dotted path (through lists, as
 * SageMaker names `InputDataConfig.ChannelName`), maps and Tags lists as `Name.` prefixes a key follows.
 */
export function propertiesOf(schema: SchemaNode, prefix = '', depth = 0): PropertyHint[] {
  const out: PropertyHint[] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const name = prefix + key;
    const choices = constChoices(s);
    if (choices) out.push({ name, kind: 'choice', choices });
    else if (key === 'Tags' && s.type === 'array') out.push({ name: `${name}.`, kind: 'keyed' });
    else if (s.type === 'object' && s.patternProperties) out.push({ name: `${name}.`, kind: 'keyed' });
    else if (s.type === 'object' && s.properties) {
      if (depth < MAX_DEPTH) out.push(...propertiesOf(s, `${name}.`, depth + 1));
    } else if (s.type === 'array') {
      const item = s.items ?? {};
      if (item.type === 'object' && item.properties) {
        if (depth < MAX_DEPTH) out.push(...propertiesOf(item, `${name}.`, depth + 1));
      } else out.push({ name, kind: 'text' });
    } else if (s.type === 'number' && searchShapes.isTimestampSchema(s as Parameters<typeof searchShapes.isTimestampSchema>[0])) out.push({ name, kind: 'timestamp' });
    else if (s.type === 'number' || s.type === 'integer') out.push({ name, kind: 'number' });
    else if (s.type === 'boolean') out.push({ name, kind: 'boolean' });
    else if (s.type === 'string') out.push({ name, kind: 'text' });
  }
  return out;
}

/**
 * The list properties of a search record whose elements are records (`InputDataConfig`, a trial component's
 * `Metrics`): what SageMaker's NestedFilters apply to. Tags lists are left out (filters read them by key).
 */
export function listPropertiesOf(schema: SchemaNode, prefix = '', depth = 0): string[] {
  const out: string[] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const name = prefix + key;
    if (s.type === 'object' && s.properties && depth < MAX_DEPTH) out.push(...listPropertiesOf(s, `${name}.`, depth + 1));
    else if (s.type === 'array' && key !== 'Tags' && s.items?.type === 'object' && s.items.properties) out.push(name);
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The list a `Metrics.<name>` alias reads (a training job's final metrics, a trial component's summaries). */
const pairLists: Readonly<Record<string, { list: string; keyField: string }>> = {
  Metrics: { list: 'Metrics', keyField: 'MetricName' },
};

function step(v: unknown, seg: string, parent: string | undefined): unknown[] {
  if (Array.isArray(v)) {
    // Tags.<key>: the Value of the tag with that Key.
    if (parent === 'Tags') return v.filter((t) => isObject(t) && t.Key === seg).map((t) => (t as Record<string, unknown>).Value);
    if (parent === 'Metrics' || parent === 'FinalMetricDataList') return v.filter((m) => isObject(m) && m.MetricName === seg).map((m) => ((m as Record<string, unknown>).Value ?? m));
    return v.flatMap((e) => step(e, seg, parent));
  }
  if (!isObject(v)) return [];
  if (seg === 'Metrics' && v.Metrics === undefined && Array.isArray(v.FinalMetricDataList)) return [v.FinalMetricDataList];
  // Own properties only: a key such as `constructor` or `__proto__` names nothing the record holds.
  return Object.hasOwn(v, seg) ? [v[seg]] : [];
}

/**
 * The values a property name reads in one search record, as the server reads them: Tags.<key> as the tag's
 * value, Metrics.<name> as the metric (a training job's final value), Parameters.<name> as its value.
 */
export function valuesAt(record: unknown, name: string): unknown[] {
  let values: unknown[] = [record];
  let parent: string | undefined;
  for (const seg of name.split('.')) {
    values = values.flatMap((v) => step(v, seg, parent));
    parent = pairLists[seg] ? seg : seg === 'Tags' ? 'Tags' : seg === 'FinalMetricDataList' ? seg : undefined;
  }
  return values.flatMap((v) => (isObject(v) && ('StringValue' in v || 'NumberValue' in v) ? [v.StringValue ?? v.NumberValue] : Array.isArray(v) ? v : [v]));
}

/**
 * Keys seen in these records under the keyed properties (`HyperParameters.eta`, `Tags.team`,
 * `Metrics.validation:auc`): the suggestions only the data can give.
 */
export function keysSeen(records: readonly unknown[], keyed: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const r of records) {
    for (const prefix of keyed) {
      const path = prefix.slice(0, -1);
      const segs = path.split('.');
      const last = segs[segs.length - 1] as string;
      const holders = segs.length > 1 ? valuesAt(r, segs.slice(0, -1).join('.')) : [r];
      for (const h of holders) {
        if (!isObject(h)) continue;
        const v = last === 'Metrics' && h.Metrics === undefined ? h.FinalMetricDataList : h[last];
        if (Array.isArray(v)) {
          for (const e of v) {
            if (!isObject(e)) continue;
            const k = last === 'Tags' ? e.Key : e.MetricName;
            if (typeof k === 'string') seen.add(prefix + k);
          }
        } else if (isObject(v)) for (const k of Object.keys(v)) seen.add(prefix + k);
      }
    }
  }
  return [...seen].sort();
}
