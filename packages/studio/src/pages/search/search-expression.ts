import { searchShapes, type InputOf, type operations } from '@loam/contracts';

export type SearchInput = InputOf<(typeof operations)['Search']>;
export type SearchExpression = NonNullable<SearchInput['SearchExpression']>;
export type SearchOperator = searchShapes.SearchOperator;
export type Match = 'And' | 'Or';

/** One filter row as the user edits it; empty rows are left out of the request. */
export interface FilterDraft {
  readonly name: string;
  readonly operator: SearchOperator;
  readonly value: string;
}

export const operators: readonly SearchOperator[] = searchShapes.searchOperators;

/** Exists and NotExists test the property alone; every other operator compares it with a Value. */
export const takesValue = (op: SearchOperator): boolean => op !== 'Exists' && op !== 'NotExists';

export const operatorLabels: Readonly<Record<SearchOperator, string>> = {
  Equals: '= equals', NotEquals: '≠ not equals', GreaterThan: '> greater than', GreaterThanOrEqualTo: '≥ at least',
  LessThan: '< less than', LessThanOrEqualTo: '≤ at most', Contains: 'contains', Exists: 'exists', NotExists: 'does not exist', In: 'in (comma-separated)',
};

export const emptyFilter = (): FilterDraft => ({ name: '', operator: 'Equals', value: '' });

/**
 * One NestedFilters entry as the user edits it: a list property of the record (`Metrics` of a trial component,
 * `InputDataConfig` of a training job) and filters every one of which must hold for the same element of it.
 */
export interface NestedDraft {
  readonly list: string;
  readonly filters: readonly FilterDraft[];
}

export const emptyNested = (list = ''): NestedDraft => ({ list, filters: [emptyFilter()] });

/** A nested filter's property as SageMaker wants it: prefixed with its list (`Metrics.MetricName`), typed either way. */
export const nestedName = (list: string, name: string): string => (name.startsWith(`${list}.`) ? name : `${list}.${name}`);

/** The request's SearchExpression and, for each of its Filters, the row it came from (to put the server's messages back on it). */
export interface BuiltExpression {
  readonly expression?: SearchExpression;
  readonly rows: readonly number[];
  /** Rows Studio can tell are incomplete before asking the server, by row index. */
  readonly incomplete: Readonly<Record<number, RowError>>;
  /** Rows of nested filters Studio can tell are incomplete, by nested filter index then row index. */
  readonly nestedIncomplete: Readonly<Record<number, Readonly<Record<number, RowError>>>>;
  /** For each of the request's NestedFilters, the nested filter it came from and the row each of its Filters came from. */
  readonly nested: readonly SentNested[];
}

/** Where one NestedFilters entry of a request came from: `index` among the nested filters, `rows` among its rows. */
export interface SentNested {
  readonly index: number;
  readonly rows: readonly number[];
}

type Filter = NonNullable<SearchExpression['Filters']>[number];

/** A message about one filter row, on the control it is about: its property (or the row as a whole), or its value. */
export interface RowError {
  readonly property?: string;
  readonly value?: string;
}

/** The filters of some rows; rows with neither property nor value are skipped, incomplete ones reported. */
function filtersOf(drafts: readonly FilterDraft[], nameOf: (name: string) => string = (n) => n) {
  const filters: Filter[] = [];
  const rows: number[] = [];
  const incomplete: Record<number, RowError> = {};
  drafts.forEach((d, i) => {
    const name = d.name.trim();
    const value = d.value.trim();
    if (!name && !value) return;
    if (!name) {
      incomplete[i] = { property: 'Choose a property to filter on.' };
      return;
    }
    if (takesValue(d.operator) && !value) {
      incomplete[i] = { value: `Give a value for ${d.operator}.` };
      return;
    }
    filters.push({ Name: nameOf(name), Operator: d.operator, ...(takesValue(d.operator) ? { Value: value } : {}) });
    rows.push(i);
  });
  return { filters, rows, incomplete };
}

/**
 * Filter rows and nested filters as SageMaker's SearchExpression: rows with neither a property nor a value are
 * skipped; a row whose operator takes a value but has none is reported (the server would refuse it too, with
 * less context). A nested filter goes as NestedFilters (its list as NestedPropertyName, each row's property
 * prefixed with the list) once it names a list and has a complete row; one with rows but no list is reported.
 * Names and values go as typed, trimmed: the server decides what a property or value means. `match` combines
 * the filters and nested filters, as the expression's Operator.
 */
export function buildExpression(drafts: readonly FilterDraft[], match: Match, nested: readonly NestedDraft[] = []): BuiltExpression {
  const { filters, rows, incomplete } = filtersOf(drafts);
  const nestedFilters: NonNullable<SearchExpression['NestedFilters']>[number][] = [];
  const nestedIncomplete: Record<number, Record<number, RowError>> = {};
  const sent: SentNested[] = [];
  nested.forEach((n, i) => {
    const list = n.list.trim();
    const built = filtersOf(n.filters, (name) => nestedName(list, name));
    if (!list) {
      if (built.filters.length) nestedIncomplete[i] = { [built.rows[0] as number]: { property: 'Choose the list this nested filter applies to.' } };
      return;
    }
    if (Object.keys(built.incomplete).length) nestedIncomplete[i] = built.incomplete;
    if (built.filters.length) {
      nestedFilters.push({ NestedPropertyName: list, Filters: built.filters });
      sent.push({ index: i, rows: built.rows });
    }
  });
  const parts = filters.length + nestedFilters.length;
  if (parts === 0) return { rows, incomplete, nestedIncomplete, nested: sent };
  return {
    expression: { ...(filters.length ? { Filters: filters } : {}), ...(nestedFilters.length ? { NestedFilters: nestedFilters } : {}), ...(parts > 1 ? { Operator: match } : {}) },
    rows, incomplete, nestedIncomplete, nested: sent,
  };
}

/** The server's messages about one nested filter: on its list, and on its rows by row index. */
export interface PlacedNested {
  readonly list?: string;
  readonly rows: Readonly<Record<number, RowError>>;
}

/** Where the server's messages about a search belong: on a filter row, on a nested filter, on the sort property, or on the search as a whole. */
export interface PlacedErrors {
  readonly rows: Readonly<Record<number, RowError>>;
  /** By nested filter index. */
  readonly nested: Readonly<Record<number, PlacedNested>>;
  readonly sortBy?: string;
  readonly other: readonly string[];
}

/**
 * Places problem+json `errors[]` on what they name: `/SearchExpression/Filters/1/Value` on a row, through `rows` (the
 * row each sent filter came from); `/SearchExpression/NestedFilters/0/Filters/1/Name` on a nested filter's row and
 * `…/NestedFilters/0/NestedPropertyName` on its list, through `nested` (where each sent NestedFilters came from);
 * `/SortBy` on the sort property. A row's message goes on its value when the path ends in `/Value`, else on its
 * property (`/Name`, `/Operator`, the filter as a whole); the first message for each control is kept. What names
 * none of them stays in `other`.
 */
export function placeErrors(fields: readonly { path: string; message: string }[] | undefined, rows: readonly number[], nested: readonly SentNested[] = []): PlacedErrors {
  const byRow: Record<number, RowError> = {};
  const byNested: Record<number, { list?: string; rows: Record<number, RowError> }> = {};
  const put = (on: Record<number, RowError>, row: number, path: string, message: string) => {
    const at = /\/Value$/.test(path) ? 'value' : 'property';
    if (on[row]?.[at] === undefined) on[row] = { ...on[row], [at]: message };
  };
  let sortBy: string | undefined;
  const other: string[] = [];
  for (const f of fields ?? []) {
    const m = /^\/SearchExpression\/Filters\/(\d+)(?:\/|$)/.exec(f.path);
    const row = m ? rows[Number(m[1])] : undefined;
    const n = /^\/SearchExpression\/NestedFilters\/(\d+)\/(?:(NestedPropertyName)|Filters\/(\d+))(?:\/|$)/.exec(f.path);
    const from = n ? nested[Number(n[1])] : undefined;
    const nestedRow = n?.[3] !== undefined ? from?.rows[Number(n[3])] : undefined;
    if (row !== undefined) put(byRow, row, f.path, f.message);
    else if (from && n?.[2]) (byNested[from.index] ??= { rows: {} }).list ??= f.message;
    else if (from && nestedRow !== undefined) put((byNested[from.index] ??= { rows: {} }).rows, nestedRow, f.path, f.message);
    else if (f.path === '/SortBy') sortBy ??= f.message;
    else other.push(f.message);
  }
  return { rows: byRow, nested: byNested, ...(sortBy === undefined ? {} : { sortBy }), other };
}
