import { literalChoices, type JsonSchema } from './fields.js';
import { labelFor } from './labels.js';

export type ColumnKind = 'name' | 'status' | 'time' | 'list' | 'number' | 'boolean' | 'text';

/** One column of a resource list, derived from the list output's item schema. */
export interface ColumnSpec {
  readonly key: string;
  readonly label: string;
  readonly kind: ColumnKind;
  readonly choices?: readonly string[];
}

/** Where the rows and the page token are in a list operation's output. */
export interface ListShape {
  readonly itemsKey: string;
  readonly item: JsonSchema;
  readonly paged: boolean;
}

/** What a list operation's input lets the server do: filter by name, sort, page. */
export interface ListAbilities {
  readonly nameFilter?: string;
  readonly sortBy?: { readonly field: string; readonly choices: readonly string[] };
  readonly sortOrder?: string;
  readonly statusFilter?: { readonly field: string; readonly choices: readonly string[] };
  readonly pageSize?: { readonly min: number; readonly max: number };
  readonly paged: boolean;
}

const isTimestamp = (s: JsonSchema): boolean => s.type === 'number' && /^Epoch seconds/.test(s.description ?? '');

/** The first array-of-objects member of a list output is its rows (`Users`, `Policies`, `AccessKeyMetadata`). */
export function listShapeOf(output: JsonSchema): ListShape | undefined {
  const props = output.properties ?? {};
  for (const [key, s] of Object.entries(props)) {
    if (s.type === 'array' && s.items?.type === 'object') return { itemsKey: key, item: s.items, paged: 'NextToken' in props };
  }
  return undefined;
}

export function abilitiesOf(input: JsonSchema): ListAbilities {
  const p = input.properties ?? {};
  const choicesOf = (k: string) => (p[k] ? literalChoices(p[k]) : undefined);
  const nameFilter = Object.keys(p).find((k) => k === 'NameContains' || /NameContains$/.test(k));
  const sortChoices = choicesOf('SortBy');
  const statusField = Object.keys(p).find((k) => /StatusEquals$/.test(k));
  const statusChoices = statusField ? choicesOf(statusField) : undefined;
  const max = p.MaxResults;
  return {
    ...(nameFilter ? { nameFilter } : {}),
    ...(sortChoices ? { sortBy: { field: 'SortBy', choices: sortChoices } } : {}),
    ...(p.SortOrder ? { sortOrder: 'SortOrder' } : {}),
    ...(statusField && statusChoices ? { statusFilter: { field: statusField, choices: statusChoices } } : {}),
    ...(max && max.type === 'integer' ? { pageSize: { min: max.minimum ?? 1, max: max.maximum ?? 100 } } : {}),
    paged: 'NextToken' in p,
  };
}

/**
 * Columns for a list's rows, in schema order. The resource's own name (or id) comes first; nested objects
 * are left to the detail page's JSON view, and `omit` drops long members (documents) a table can't show.
 */
export function columnsOf(item: JsonSchema, omit: readonly string[] = [], resource?: string): ColumnSpec[] {
  const cols: ColumnSpec[] = [];
  const props = Object.entries(item.properties ?? {}).filter(([k]) => !omit.includes(k));
  // The row's identity: `<Resource>Name`, else `<Resource>Id` (access keys), else the first `…Name`.
  const own = resource ? props.find(([k]) => k === `${resource}Name`) ?? props.find(([k]) => k === `${resource}Id`) : undefined;
  const nameKey = own?.[0] ?? props.find(([k, s]) => /Name$/.test(k) && s.type === 'string')?.[0];
  for (const [key, s] of props) {
    const choices = literalChoices(s);
    let kind: ColumnKind;
    if (key === nameKey) kind = 'name';
    else if (choices && /Status$/.test(key)) kind = 'status';
    else if (isTimestamp(s)) kind = 'time';
    else if (s.type === 'array' && s.items?.type === 'string') kind = 'list';
    else if (s.type === 'integer' || s.type === 'number') kind = 'number';
    else if (s.type === 'boolean') kind = 'boolean';
    else if (s.type === 'string' || choices) kind = choices ? 'status' : 'text';
    else continue;
    cols.push({ key, label: labelFor(key), kind, ...(choices ? { choices } : {}) });
  }
  return cols.sort((a, b) => (a.kind === 'name' ? -1 : b.kind === 'name' ? 1 : 0));
}

/** Sorts rows of the current page by one column; names and text compare as people read them. */
export function sortRows<T extends Record<string, unknown>>(rows: readonly T[], key: string, descending: boolean): T[] {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const cmp = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === undefined || a === null) return 1;
    if (b === undefined || b === null) return -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
    return collator.compare(Array.isArray(a) ? a.join(',') : String(a), Array.isArray(b) ? b.join(',') : String(b));
  };
  return [...rows].sort((x, y) => (descending ? -1 : 1) * cmp(x[key], y[key]));
}
