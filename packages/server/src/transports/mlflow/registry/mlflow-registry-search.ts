import { likeToRegExp, trackingRules, ValidationError } from '@loam/core';
import { invalidSearch, lex, type Token } from '@loam/core/experiments/filter-lexer';

/*
 * MLflow's registry search grammar (mlflow/utils/search_utils.py SearchModelUtils and
 * SearchModelVersionUtils), over the tokens of the tracking search's lexer: clauses joined by AND,
 * `name`, `tags.<key>` and, for versions, `run_id`, `source_path` (strings: =, !=, LIKE, ILIKE, IN)
 * and `version_number` (=, !=, <, <=, >, >=). An identifier may carry `attributes.`.
 */

export type Clause =
  | { readonly kind: 'attribute'; readonly key: string; readonly op: string; readonly value: string | number | readonly string[] }
  | { readonly kind: 'tag'; readonly key: string; readonly op: string; readonly value: string };

const STRING_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE']);
const NUMERIC_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** What a searchable item offers a clause: its string and numeric attributes and its tags. */
export interface Searchable {
  readonly strings: Readonly<Record<string, string | undefined>>;
  readonly numbers: Readonly<Record<string, number | undefined>>;
  readonly tags: ReadonlyMap<string, string>;
}

/** Parses a registry filter; `strings` and `numbers` are the attribute keys this search takes. */
export function parseRegistryFilter(input: string | undefined, strings: readonly string[], numbers: readonly string[]): Clause[] {
  if (!input?.trim()) return [];
  const toks = lex(input, 'filter');
  let i = 0;
  const fail = (reason: string): never => {
    throw invalidSearch('filter', input, reason);
  };
  const next = (what: string): Token => toks[i++] ?? fail(`expected ${what} but the filter ended`);
  const valid = [...strings, ...numbers].join(', ');
  const out: Clause[] = [];
  for (;;) {
    const id = next('an identifier');
    if (id.t !== 'ident') fail(`expected an identifier such as name or tags.<key> but found '${id.text}'`);
    const ident = id as Extract<Token, { t: 'ident' }>;
    const entity = ident.entity === undefined || ['attribute', 'attributes', 'attr'].includes(ident.entity) ? 'attribute' : ['tag', 'tags'].includes(ident.entity) ? 'tag' : fail(`invalid entity type '${ident.entity}'; valid values are attribute and tag`);
    let t = next('a comparator');
    const op = t.t === 'op' ? t.value : t.t === 'word' && ['LIKE', 'ILIKE', 'IN'].includes(t.value) ? t.value : fail(`expected a comparator but found '${t.text}'`);
    const str = (): string => {
      const v = next('a quoted string');
      return v.t === 'string' ? v.value : fail(`expected a quoted string value for '${ident.key}' (e.g. 'my-value'); found '${v.text}'`);
    };
    if (entity === 'tag') {
      if (!STRING_OPS.has(op)) fail(`'${op}' is not a valid comparator for tags; use one of =, !=, LIKE, ILIKE`);
      out.push({ kind: 'tag', key: ident.key, op, value: str() });
    } else if (strings.includes(ident.key)) {
      if (op === 'IN') {
        const open = next("'('");
        if (open.t !== 'punct' || open.value !== '(') fail(`expected '(' after IN but found '${open.text}'`);
        const list: string[] = [];
        for (;;) {
          list.push(str());
          const sep = next("',' or ')'");
          if (sep.t === 'punct' && sep.value === ')') break;
          if (sep.t !== 'punct' || sep.value !== ',') fail(`expected ',' or ')' but found '${sep.text}'`);
        }
        out.push({ kind: 'attribute', key: ident.key, op, value: list });
      } else {
        if (!STRING_OPS.has(op)) fail(`'${op}' is not a valid comparator for '${ident.key}'; use one of =, !=, LIKE, ILIKE, IN`);
        out.push({ kind: 'attribute', key: ident.key, op, value: str() });
      }
    } else if (numbers.includes(ident.key)) {
      if (!NUMERIC_OPS.has(op)) fail(`'${op}' is not a valid comparator for '${ident.key}'; use one of =, !=, <, <=, >, >=`);
      const v = next('a number');
      // MLflow takes version_number = 3 and = '3'.
      const n = v.t === 'number' ? v.value : v.t === 'string' && /^\d+$/.test(v.value) ? Number(v.value) : fail(`expected a numeric value for '${ident.key}'; found '${v.text}'`);
      out.push({ kind: 'attribute', key: ident.key, op, value: n });
    } else {
      fail(`invalid attribute key '${ident.key}'; valid keys are ${valid} and tags.<key>`);
    }
    t = toks[i++] as Token;
    if (!t) return out;
    if (t.t === 'word' && t.value === 'AND') continue;
    fail(t.t === 'word' && t.value === 'OR' ? "'OR' is not supported; join clauses with AND" : `expected AND but found '${t.text}'`);
  }
}

function compare(op: string, lhs: string | number, rhs: string | number): boolean {
  switch (op) {
    case '=': return lhs === rhs;
    case '!=': return lhs !== rhs;
    case '<': return lhs < rhs;
    case '<=': return lhs <= rhs;
    case '>': return lhs > rhs;
    case '>=': return lhs >= rhs;
    default: return likeToRegExp(String(rhs), op === 'ILIKE').test(String(lhs));
  }
}

/** Whether `item` matches every clause; a missing attribute or tag matches none (as MLflow). */
export function matches(item: Searchable, clauses: readonly Clause[]): boolean {
  return clauses.every((c) => {
    if (c.kind === 'tag') {
      const v = item.tags.get(c.key);
      return v !== undefined && compare(c.op, v, c.value);
    }
    const lhs = typeof c.value === 'number' ? item.numbers[c.key] : item.strings[c.key];
    if (lhs === undefined) return false;
    if (c.op === 'IN') return (c.value as readonly string[]).includes(lhs as string);
    return compare(c.op, lhs, c.value as string | number);
  });
}

export interface OrderTerm {
  readonly key: string;
  readonly ascending: boolean;
}

/** Parses `order_by` terms (`name`, `last_updated_timestamp DESC`, `attributes.version_number ASC`). */
export function parseRegistryOrderBy(terms: readonly string[] | undefined, keys: readonly string[], aliases: Readonly<Record<string, string>> = {}): OrderTerm[] {
  return (terms ?? []).filter((t) => t.trim() !== '').map((input) => {
    const m = /^\s*(?:(?:attributes?|attr)\.)?`?([A-Za-z_]+)`?\s*(?:\s(ASC|DESC))?\s*$/i.exec(input);
    const key = m ? (aliases[m[1] as string] ?? (m[1] as string)) : undefined;
    if (!m || !key || !keys.includes(key)) {
      throw new ValidationError(`Invalid order_by clause '${input}'. Only ${keys.join(', ')} are supported, followed by ASC or DESC.`, [{ path: '/order_by', message: 'unsupported order_by' }]);
    }
    return { key, ascending: (m[2] ?? 'ASC').toUpperCase() === 'ASC' };
  });
}

type Value = string | number;

/** How two items' values of the terms compare, term by term. */
function compareValues(terms: readonly OrderTerm[], a: readonly Value[], b: readonly Value[]): number {
  for (const [i, t] of terms.entries()) {
    const [x, y] = [a[i] as Value, b[i] as Value];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    if (c !== 0) return t.ascending ? c : -c;
  }
  return 0;
}

/** Sorts by the terms in turn; `value` reads an item's key. */
export function sortBy<T>(items: readonly T[], terms: readonly OrderTerm[], value: (item: T, key: string) => Value): T[] {
  const at = (x: T) => terms.map((t) => value(x, t.key));
  return [...items].sort((a, b) => compareValues(terms, at(a), at(b)));
}

const orderText = (terms: readonly OrderTerm[]) => terms.map((t) => `${t.key}:${t.ascending ? 'asc' : 'desc'}`).join(',');
const ORDER = /^[a-z_]+:(asc|desc)(,[a-z_]+:(asc|desc))*$/;

/**
 * One page of items sorted by `terms` (sortBy), whose last terms make an item's values unique (a model's name, a
 * version's name and number). The next page's token is the last item's values (a keyset token), so an item
 * deleted from a page read moves none past the next page, as MLflow's offsets do; MLflow's own tokens
 * (`{"offset": n}`) are still served.
 * @throws ValidationException naming page_token (MLflow's INVALID_PARAMETER_VALUE) when the token is not one a
 *   search issued, or was issued for another order_by.
 */
export function keysetPage<T>(sorted: readonly T[], terms: readonly OrderTerm[], value: (item: T, key: string) => Value, token: string | undefined, max: number): { items: T[]; next?: string } {
  const at = (x: T) => terms.map((t) => value(x, t.key));
  const start = trackingRules.decodeKeysetToken<Value[]>(token, {
    order: orderText(terms), isOrder: (o) => ORDER.test(o), refuse: trackingRules.refusePageToken(token ?? ''),
    read: (v) => (Array.isArray(v) && v.length === terms.length && v.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x))) ? (v as Value[]) : undefined),
  });
  const after = start.after;
  const from = after === undefined ? 0 : sorted.findIndex((x) => compareValues(terms, at(x), after) > 0);
  const rest = from < 0 ? [] : sorted.slice(from + start.offset);
  const items = rest.slice(0, max);
  const last = items[items.length - 1];
  return { items, ...(rest.length > max && last !== undefined ? { next: trackingRules.encodeKeysetToken(orderText(terms), at(last)) } : {}) };
}
