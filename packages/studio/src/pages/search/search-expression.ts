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

/** The request's SearchExpression and, for each of its Filters, the row it came from (to put the server's messages back on it). */
export interface BuiltExpression {
  readonly expression?: SearchExpression;
  readonly rows: readonly number[];
  /** Rows Studio can tell are incomplete before asking the server, by row index. */
  readonly incomplete: Readonly<Record<number, string>>;
}

/**
 * Filter rows as SageMaker's SearchExpression: rows with neither a property nor a value are skipped; a row
 * whose operator takes a value but has none is reported (the server would refuse it too, with less context).
 * Names and values go as typed, trimmed: the server decides what a property or value means.
 */
export function buildExpression(drafts: readonly FilterDraft[], match: Match): BuiltExpression {
  const filters: NonNullable<SearchExpression['Filters']>[number][] = [];
  const rows: number[] = [];
  const incomplete: Record<number, string> = {};
  drafts.forEach((d, i) => {
    const name = d.name.trim();
    const value = d.value.trim();
    if (!name && !value) return;
    if (!name) {
      incomplete[i] = 'Choose a property to filter on.';
      return;
    }
    if (takesValue(d.operator) && !value) {
      incomplete[i] = `Give a value for ${d.operator}.`;
      return;
    }
    filters.push({ Name: name, Operator: d.operator, ...(takesValue(d.operator) ? { Value: value } : {}) });
    rows.push(i);
  });
  if (filters.length === 0) return { rows, incomplete };
  return { expression: { Filters: filters, ...(filters.length > 1 ? { Operator: match } : {}) }, rows, incomplete };
}

/** Where the server's messages about a search belong: on a filter row, on the sort property, or on the search as a whole. */
export interface PlacedErrors {
  readonly rows: Readonly<Record<number, string>>;
  readonly sortBy?: string;
  readonly other: readonly string[];
}

/**
 * Places problem+json `errors[]` (`/SearchExpression/Filters/1/Value`) on the rows they name, through
 * `rows` (the row each sent filter came from); what names no row stays in `other`.
 */
export function placeErrors(fields: readonly { path: string; message: string }[] | undefined, rows: readonly number[]): PlacedErrors {
  const byRow: Record<number, string> = {};
  let sortBy: string | undefined;
  const other: string[] = [];
  for (const f of fields ?? []) {
    const m = /^\/SearchExpression\/Filters\/(\d+)(?:\/|$)/.exec(f.path);
    const row = m ? rows[Number(m[1])] : undefined;
    if (row !== undefined) byRow[row] ??= f.message;
    else if (f.path === '/SortBy') sortBy ??= f.message;
    else other.push(f.message);
  }
  return { rows: byRow, ...(sortBy === undefined ? {} : { sortBy }), other };
}
