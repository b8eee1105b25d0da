import { nestedName, operators, type FilterDraft, type Match, type NestedDraft } from './search-expression.js';
import { isSearchable, type SearchableResource } from './search-resources.js';

export const searchPath = '/search';

/** A search as the page's URL keeps it, so it can be bookmarked, shared and gone back to. */
export interface SearchState {
  readonly resource: SearchableResource;
  readonly filters: readonly FilterDraft[];
  /** NestedFilters, when there are any. */
  readonly nested?: readonly NestedDraft[];
  readonly match: Match;
  readonly sortBy?: string;
  readonly sortOrder?: 'Ascending' | 'Descending';
}

/** The URL's form of a search: only what differs from a fresh search, for short links. */
export interface SearchParams {
  readonly resource?: string;
  readonly filters?: readonly { n: string; o: string; v?: string }[];
  /** Nested filters: the list property (`p`) and its filters (`f`). */
  readonly nested?: readonly { p: string; f: readonly { n: string; o: string; v?: string }[] }[];
  readonly match?: string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
}

const isOperator = (o: unknown): o is FilterDraft['operator'] => typeof o === 'string' && (operators as readonly string[]).includes(o);

/** Text of a link cut short for a notice, by characters (a cut within an emoji's UTF-16 pair showed '�'). */
const cut = (s: string): string => {
  const chars = [...s];
  return chars.length > 60 ? `${chars.slice(0, 57).join('')}…` : s;
};

/** How a part of the link reads in a notice: strings in quotes, the rest as JSON, cut short. */
const shown = (x: unknown): string => cut(typeof x === 'string' ? `'${x}'` : JSON.stringify(x) ?? String(x));

/** A filter's value as the link gives it: text, or a number or true/false someone wrote without quotes. */
const valueOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' ? String(v) : undefined);

/** The filters of a link; each one that cannot be read is named in `ignored`, as `where` and its place (from 1). */
function readFilters(raw: unknown, where: string, ignored: string[]): { n: string; o: string; v?: string }[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    ignored.push(`${where}: ${shown(raw)} is not a list of filters`);
    return [];
  }
  return raw.flatMap((f, i) => {
    const at = `${where === 'filters' ? 'filter' : `${where} filter`} ${i + 1}`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) {
      ignored.push(`${at}: ${shown(f)} is not a filter (n, o and v)`);
      return [];
    }
    const { n, o, v } = f as Record<string, unknown>;
    if (typeof n !== 'string') {
      ignored.push(`${at}: it names no property (n)`);
      return [];
    }
    if (!isOperator(o)) {
      ignored.push(`${at} on ${shown(n)}: ${o === undefined ? 'it has no operator (o)' : `operator ${shown(o)} is not one of ${operators.join(', ')}`}`);
      return [];
    }
    const value = valueOf(v);
    if (v !== undefined && value === undefined) ignored.push(`${at} on ${shown(n)}: its value ${shown(v)} (searched without a value)`);
    return [{ n, o, ...(value !== undefined && value !== '' ? { v: value } : {}) }];
  });
}

const known = new Set(['resource', 'filters', 'nested', 'match', 'sortBy', 'sortOrder']);

/**
 * Reads a search from URL parameters someone may have edited or an older Studio wrote: what is not understood
 * is left out, never thrown, and named in `ignored` (`filter 2 on 'X': operator 'Like' is not one of …`) so the
 * page can say what it did not search for.
 */
export function readSearchParams(params: object): { readonly params: SearchParams; readonly ignored: readonly string[] } {
  const raw = params as Record<string, unknown>;
  const ignored: string[] = [];
  if (raw.resource !== undefined && !isSearchable(raw.resource)) ignored.push(`resource ${shown(raw.resource)}: not a resource Search finds (searching training jobs instead)`);
  const filters = readFilters(raw.filters, 'filters', ignored);
  let nested: { p: string; f: { n: string; o: string; v?: string }[] }[] = [];
  if (raw.nested !== undefined && !Array.isArray(raw.nested)) ignored.push(`nested: ${shown(raw.nested)} is not a list of nested filters`);
  else if (Array.isArray(raw.nested)) {
    nested = raw.nested.flatMap((g, i) => {
      const at = `nested filter ${i + 1}`;
      if (typeof g !== 'object' || g === null || Array.isArray(g)) {
        ignored.push(`${at}: ${shown(g)} is not a nested filter (p and f)`);
        return [];
      }
      const { p, f } = g as Record<string, unknown>;
      if (typeof p !== 'string' || p === '') {
        ignored.push(`${at}: it names no list property (p)`);
        return [];
      }
      const fs = readFilters(f, at, ignored);
      // Filters that could not be read are named already; a nested filter that never had any is named here.
      if (f === undefined || (Array.isArray(f) && f.length === 0)) ignored.push(`${at} on ${shown(p)}: it has no filters (f)`);
      return fs.length ? [{ p, f: fs }] : [];
    });
  }
  if (raw.match !== undefined && raw.match !== 'And' && raw.match !== 'Or') ignored.push(`match ${shown(raw.match)}: only And or Or (matching all filters)`);
  if (raw.sortBy !== undefined && (typeof raw.sortBy !== 'string' || raw.sortBy === '')) ignored.push(`sortBy ${shown(raw.sortBy)}: not a property name (default order)`);
  if (raw.sortOrder !== undefined && raw.sortOrder !== 'Ascending' && raw.sortOrder !== 'Descending') ignored.push(`sortOrder ${shown(raw.sortOrder)}: only Ascending or Descending`);
  for (const k of Object.keys(raw)) if (!known.has(k)) ignored.push(`${cut(k)}: not part of a search`);
  return {
    params: {
      ...(isSearchable(raw.resource) ? { resource: raw.resource } : {}),
      ...(filters.length ? { filters } : {}),
      ...(nested.length ? { nested } : {}),
      ...(raw.match === 'Or' ? { match: 'Or' } : {}),
      ...(typeof raw.sortBy === 'string' && raw.sortBy !== '' ? { sortBy: raw.sortBy } : {}),
      ...(raw.sortOrder === 'Ascending' || raw.sortOrder === 'Descending' ? { sortOrder: raw.sortOrder } : {}),
    },
    ignored,
  };
}

/** The route's reading of its URL parameters (see `readSearchParams`). */
export const parseSearchParams = (params: object): SearchParams => readSearchParams(params).params;

const draftsOf = (fs: SearchParams['filters']): FilterDraft[] => (fs ?? []).flatMap((f) => (isOperator(f.o) ? [{ name: f.n, operator: f.o, value: f.v ?? '' }] : []));

const paramsOfFilters = (fs: readonly FilterDraft[], nameOf: (name: string) => string = (n) => n) =>
  fs.filter((f) => f.name.trim() || f.value.trim()).map((f) => ({ n: f.name.trim() && nameOf(f.name.trim()), o: f.operator, ...(f.value.trim() ? { v: f.value.trim() } : {}) }));

export function stateOf(p: SearchParams): SearchState {
  return {
    resource: isSearchable(p.resource) ? p.resource : 'TrainingJob',
    filters: draftsOf(p.filters),
    ...(p.nested?.length ? { nested: p.nested.map((g) => ({ list: g.p, filters: draftsOf(g.f) })) } : {}),
    match: p.match === 'Or' ? 'Or' : 'And',
    ...(p.sortBy ? { sortBy: p.sortBy } : {}),
    ...(p.sortOrder === 'Ascending' || p.sortOrder === 'Descending' ? { sortOrder: p.sortOrder } : {}),
  };
}

export function paramsOf(s: SearchState): SearchParams {
  const filters = paramsOfFilters(s.filters);
  const nested = (s.nested ?? []).flatMap((g) => {
    // Named as sent (`Metrics.Max` for `Max`), so the form shows what was searched.
    const f = paramsOfFilters(g.filters, (n) => nestedName(g.list.trim(), n));
    return g.list.trim() && f.length ? [{ p: g.list.trim(), f }] : [];
  });
  return {
    resource: s.resource,
    ...(filters.length ? { filters } : {}),
    ...(nested.length ? { nested } : {}),
    ...(s.match === 'Or' ? { match: 'Or' } : {}),
    ...(s.sortBy ? { sortBy: s.sortBy } : {}),
    ...(s.sortOrder ? { sortOrder: s.sortOrder } : {}),
  };
}
