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

const parseFilters = (raw: unknown): { n: string; o: string; v?: string }[] =>
  Array.isArray(raw)
    ? raw.flatMap((f) => {
        if (typeof f !== 'object' || f === null) return [];
        const { n, o, v } = f as Record<string, unknown>;
        if (typeof n !== 'string' || !isOperator(o)) return [];
        return [{ n, o, ...(typeof v === 'string' && v !== '' ? { v } : {}) }];
      })
    : [];

/** Reads a search from URL parameters someone may have edited: what is not understood is dropped, never thrown. */
export function parseSearchParams(params: object): SearchParams {
  const raw = params as Record<string, unknown>;
  const filters = parseFilters(raw.filters);
  const nested = Array.isArray(raw.nested)
    ? raw.nested.flatMap((g) => {
        if (typeof g !== 'object' || g === null) return [];
        const { p, f } = g as Record<string, unknown>;
        const fs = parseFilters(f);
        return typeof p === 'string' && p !== '' && fs.length ? [{ p, f: fs }] : [];
      })
    : [];
  return {
    ...(isSearchable(raw.resource) ? { resource: raw.resource } : {}),
    ...(filters.length ? { filters } : {}),
    ...(nested.length ? { nested } : {}),
    ...(raw.match === 'Or' ? { match: 'Or' } : {}),
    ...(typeof raw.sortBy === 'string' && raw.sortBy !== '' ? { sortBy: raw.sortBy } : {}),
    ...(raw.sortOrder === 'Ascending' || raw.sortOrder === 'Descending' ? { sortOrder: raw.sortOrder } : {}),
  };
}

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
