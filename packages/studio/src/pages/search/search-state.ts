import { operators, type FilterDraft, type Match } from './search-expression.js';
import { isSearchable, type SearchableResource } from './search-resources.js';

export const searchPath = '/search';

/** A search as the page's URL keeps it, so it can be bookmarked, shared and gone back to. */
export interface SearchState {
  readonly resource: SearchableResource;
  readonly filters: readonly FilterDraft[];
  readonly match: Match;
  readonly sortBy?: string;
  readonly sortOrder?: 'Ascending' | 'Descending';
}

/** The URL's form of a search: only what differs from a fresh search, for short links. */
export interface SearchParams {
  readonly resource?: string;
  readonly filters?: readonly { n: string; o: string; v?: string }[];
  readonly match?: string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
}

const isOperator = (o: unknown): o is FilterDraft['operator'] => typeof o === 'string' && (operators as readonly string[]).includes(o);

/** Reads a search from URL parameters someone may have edited: what is not understood is dropped, never thrown. */
export function parseSearchParams(params: object): SearchParams {
  const raw = params as Record<string, unknown>;
  const filters = Array.isArray(raw.filters)
    ? raw.filters.flatMap((f) => {
        if (typeof f !== 'object' || f === null) return [];
        const { n, o, v } = f as Record<string, unknown>;
        if (typeof n !== 'string' || !isOperator(o)) return [];
        return [{ n, o, ...(typeof v === 'string' && v !== '' ? { v } : {}) }];
      })
    : [];
  return {
    ...(isSearchable(raw.resource) ? { resource: raw.resource } : {}),
    ...(filters.length ? { filters } : {}),
    ...(raw.match === 'Or' ? { match: 'Or' } : {}),
    ...(typeof raw.sortBy === 'string' && raw.sortBy !== '' ? { sortBy: raw.sortBy } : {}),
    ...(raw.sortOrder === 'Ascending' || raw.sortOrder === 'Descending' ? { sortOrder: raw.sortOrder } : {}),
  };
}

export function stateOf(p: SearchParams): SearchState {
  return {
    resource: isSearchable(p.resource) ? p.resource : 'TrainingJob',
    filters: (p.filters ?? []).flatMap((f) => (isOperator(f.o) ? [{ name: f.n, operator: f.o, value: f.v ?? '' }] : [])),
    match: p.match === 'Or' ? 'Or' : 'And',
    ...(p.sortBy ? { sortBy: p.sortBy } : {}),
    ...(p.sortOrder === 'Ascending' || p.sortOrder === 'Descending' ? { sortOrder: p.sortOrder } : {}),
  };
}

export function paramsOf(s: SearchState): SearchParams {
  const filters = s.filters.filter((f) => f.name.trim() || f.value.trim()).map((f) => ({ n: f.name.trim(), o: f.operator, ...(f.value.trim() ? { v: f.value.trim() } : {}) }));
  return {
    resource: s.resource,
    ...(filters.length ? { filters } : {}),
    ...(s.match === 'Or' ? { match: 'Or' } : {}),
    ...(s.sortBy ? { sortBy: s.sortBy } : {}),
    ...(s.sortOrder ? { sortOrder: s.sortOrder } : {}),
  };
}
