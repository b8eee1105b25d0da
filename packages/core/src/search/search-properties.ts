import { searchShapes } from '@loam/contracts';

/** A JSON Schema node as TypeBox writes it (only what property paths need). */
export interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly anyOf?: readonly SchemaNode[];
  readonly const?: unknown;
}

/** What a property holds, which decides the operators and values a filter on it may use. */
export type PropertyKind = 'text' | 'number' | 'timestamp' | 'boolean' | 'structure';

type Step =
  | { readonly t: 'prop'; readonly key: string }
  | { readonly t: 'each' }
  /** A list of pairs read as a map: the `value` of the element whose `key` field is `name` (Tags.<key>, Metrics.<name>). */
  /** Without `valueField`, the element itself (`Metrics.<name>` of a trial component: its summary). */
  | { readonly t: 'pair'; readonly keyField: string; readonly valueField?: string; readonly name: string }
  /** The first of these members the value has (a trial component's parameter: StringValue or NumberValue). */
  | { readonly t: 'either'; readonly keys: readonly string[] };

/** A property name resolved against a resource's search record. */
export interface PropertyRef {
  readonly name: string;
  readonly kind: PropertyKind;
  /** Hyperparameters are text, compared as numbers when both sides are numbers (as SageMaker documents). */
  readonly numericText: boolean;
  /** Whether it reads the resource's tags (they are fetched only for searches that need them). */
  readonly readsTags: boolean;
  /** The search record's member it is read from (`HyperParameters` for `HyperParameters.eta`). */
  readonly root: string;
  /**
   * The key of the entry of `root` it reads, when `root` is a map or a list of pairs (`eta` for
   * `HyperParameters.eta`, `lr` for `Parameters.lr`, `loss` for `Metrics.loss.Max`, `team` for `Tags.team`).
   */
  readonly entry?: string;
  /** Whether it names a list (InputDataConfig): what NestedFilters walk. */
  readonly isList: boolean;
  /** The schema of one element when `isList`, for the nested filters' names. */
  readonly element?: SchemaNode;
  /** A structure's (or a list element's) member names: what a refused filter on the whole of it suggests instead. */
  readonly members?: readonly string[];
  /** Every value at this path in a record (through every element of the lists on the way); none when absent. */
  values(record: unknown): unknown[];
}

/** A property that stands for a list of pairs, like SageMaker's `Metrics.<name>` for FinalMetricDataList. */
export interface PairAlias {
  readonly list: string;
  readonly keyField: string;
  /**
   * The member compared. Unset: the name's last segment names it (`Metrics.<name>.Max` for a trial
   * component's metric summaries; any case, `metrics.loss.max`, as SageMaker's SDK writes them).
   */
  readonly valueField?: string;
}

/** A map value of exactly these members is one value (a trial component's `Parameters.<name>`). */
const EITHER_VALUE = ['StringValue', 'NumberValue'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function kindOf(s: SchemaNode): PropertyKind {
  if (s.anyOf?.length && s.anyOf.every((a) => typeof a.const === 'string' || a.type === 'string')) return 'text';
  if (s.type === 'string') return 'text';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'number' || s.type === 'integer') return searchShapes.isTimestampSchema(s as never) ? 'timestamp' : 'number';
  return 'structure';
}

/** A list of `{Key, Value}` objects (Tags): `Tags.<key>` reads it as a map. */
function pairList(s: SchemaNode): { keyField: string; valueField: string; value: SchemaNode } | undefined {
  const p = s.type === 'array' ? s.items?.properties : undefined;
  return p?.['Key'] && p['Value'] ? { keyField: 'Key', valueField: 'Value', value: p['Value'] } : undefined;
}

function read(steps: readonly Step[], record: unknown): unknown[] {
  let cur: unknown[] = [record];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s.t === 'each') {
        if (Array.isArray(v)) next.push(...v);
      } else if (s.t === 'prop') {
        if (isObject(v) && Object.hasOwn(v, s.key) && v[s.key] !== undefined && v[s.key] !== null) next.push(v[s.key]);
      } else if (s.t === 'either') {
        const k = isObject(v) ? s.keys.find((key) => v[key] !== undefined && v[key] !== null) : undefined;
        if (k !== undefined) next.push((v as Record<string, unknown>)[k]);
      } else if (Array.isArray(v)) {
        for (const e of v) {
          if (!isObject(e) || e[s.keyField] !== s.name) continue;
          if (s.valueField === undefined) next.push(e);
          else if (e[s.valueField] !== undefined && e[s.valueField] !== null) next.push(e[s.valueField]);
        }
      }
    }
    cur = next;
  }
  return cur;
}

/**
 * Resolves a dotted property name (`TrainingJobStatus`, `HyperParameters.eta`, `Tags.team`,
 * `InputDataConfig.DataSource.S3DataSource.S3Uri`) against a record schema; undefined when the record
 * has no such property. Lists are walked through (a filter on a list's member holds when any element's
 * does); a map's key is the rest of the name, dots included; `aliases` add names of the resource's own
 * (`Metrics`).
 */
export function resolveProperty(root: SchemaNode, name: string, aliases: Readonly<Record<string, PairAlias>> = {}): PropertyRef | undefined {
  const segs = name.split('.');
  if (segs.some((s) => s === '')) return undefined;
  const steps: Step[] = [];
  let s: SchemaNode = root;
  let numericText = false;
  let readsTags = false;
  let entry: string | undefined;
  let i = 0;
  const first = segs[0] as string;
  // Any case, as SageMaker's SDK writes `metrics.<name>.max`.
  const aliasName = Object.keys(aliases).find((k) => k.toLowerCase() === first.toLowerCase());
  const alias = aliasName === undefined ? undefined : aliases[aliasName];
  if (alias && segs.length > 1) {
    const element = root.properties?.[alias.list]?.items;
    const members = element?.properties ?? {};
    const last = segs[segs.length - 1] as string;
    const valueField = alias.valueField ?? (segs.length > 2 ? Object.keys(members).find((m) => m !== alias.keyField && m.toLowerCase() === last.toLowerCase()) : undefined);
    if (valueField === undefined) {
      // `Metrics.<name>`: the whole summary (Exists, NotExists).
      if (alias.valueField !== undefined || !element) return undefined;
      steps.push({ t: 'prop', key: alias.list }, { t: 'pair', keyField: alias.keyField, name: segs.slice(1).join('.') });
      return made(name, element, steps, false, false, segs.slice(1).join('.'));
    }
    const value = members[valueField];
    if (!value) return undefined;
    const key = segs.slice(1, alias.valueField ? segs.length : -1).join('.');
    steps.push({ t: 'prop', key: alias.list }, { t: 'pair', keyField: alias.keyField, valueField, name: key });
    return made(name, value, steps, false, false, key);
  }
  while (i < segs.length) {
    while (s.type === 'array' && s.items) {
      steps.push({ t: 'each' });
      s = s.items;
    }
    const seg = segs[i] as string;
    if (s.properties && Object.hasOwn(s.properties, seg)) {
      const p: SchemaNode = s.properties[seg] as SchemaNode;
      steps.push({ t: 'prop', key: seg });
      if (seg === 'Tags') readsTags = true;
      const pairs = pairList(p);
      if (pairs && i + 1 < segs.length) {
        steps.push({ t: 'pair', keyField: pairs.keyField, valueField: pairs.valueField, name: segs.slice(i + 1).join('.') });
        return made(name, pairs.value, steps, numericText, readsTags, steps.length === 2 ? segs.slice(i + 1).join('.') : undefined);
      }
      s = p;
      i++;
      continue;
    }
    const mapValue: SchemaNode | undefined = s.patternProperties ? Object.values(s.patternProperties)[0] : undefined;
    const valueMembers = Object.keys(mapValue?.properties ?? {});
    if (mapValue && valueMembers.length === EITHER_VALUE.length && EITHER_VALUE.every((m) => valueMembers.includes(m))) {
      // A trial component's parameter: its StringValue or NumberValue, text compared as a number when both sides are.
      const atRoot = steps.length === 1;
      steps.push({ t: 'prop', key: segs.slice(i).join('.') }, { t: 'either', keys: EITHER_VALUE });
      return made(name, { type: 'string' }, steps, true, readsTags, atRoot ? segs.slice(i).join('.') : undefined);
    }
    if (mapValue) {
      // Hyperparameter names may hold dots: the key is the rest of the name when the values are plain.
      const key = kindOf(mapValue) === 'structure' ? seg : segs.slice(i).join('.');
      numericText = /HyperParameters$/.test(segs[i - 1] ?? '');
      if (steps.length === 1) entry = key;
      steps.push({ t: 'prop', key });
      s = mapValue;
      i += key === seg ? 1 : segs.length - i;
      continue;
    }
    return undefined;
  }
  return made(name, s, steps, numericText, readsTags, entry);
}

function made(name: string, s: SchemaNode, steps: Step[], numericText: boolean, readsTags: boolean, entry?: string): PropertyRef {
  const isList = s.type === 'array';
  const all = isList ? [...steps, { t: 'each' } as const] : steps;
  const kind = isList ? 'structure' : kindOf(s);
  const members = Object.keys((isList ? s.items : s)?.properties ?? {});
  const first = steps[0];
  return {
    name, kind, numericText, readsTags, isList, root: first?.t === 'prop' ? first.key : '', ...(entry === undefined ? {} : { entry }),
    ...(isList && s.items ? { element: s.items } : {}),
    ...(kind === 'structure' && members.length > 0 ? { members } : {}),
    values: (record) => read(all, record),
  };
}
