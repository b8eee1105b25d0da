import type {
  ExperimentFilterClause, ExperimentOrderClause, ListOp, NumericOp, RunFilterClause, RunOrderClause, StringOp,
} from '../ports/experiment-store.js';
import { invalidSearch, lex, type Token } from './filter-lexer.js';

/*
 * MLflow's search grammar: clauses joined by AND, each `<entity>.<key> <comparator> <value>`.
 * Metrics and numeric attributes compare numbers (=, !=, <, <=, >, >=); params, tags and string
 * attributes compare quoted strings (=, !=, LIKE, ILIKE); `attributes.run_id` and `datasets.*`
 * also take IN / NOT IN ('a', 'b'). An identifier without an entity is an attribute.
 */

const ENTITY: Record<string, 'metric' | 'param' | 'tag' | 'attribute' | 'dataset'> = {
  metric: 'metric', metrics: 'metric',
  parameter: 'param', parameters: 'param', param: 'param', params: 'param',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
  dataset: 'dataset', datasets: 'dataset',
};
const ALIASES: Record<string, string> = { created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name' };
const STRING_ATTRS = new Set(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri']);
const NUMERIC_ATTRS = new Set(['start_time', 'end_time']);
const ORDERABLE_ATTRS = new Set(['run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time']);
const DATASET_FIELDS = new Set(['name', 'digest', 'context']);
const NUMERIC_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const STRING_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE']);

type Entity = (typeof ENTITY)[string];

function entityOf(tok: Extract<Token, { t: 'ident' }>, what: string, input: string): { entity: Entity; key: string } {
  if (tok.entity === undefined) return { entity: 'attribute', key: ALIASES[tok.key] ?? tok.key };
  const entity = ENTITY[tok.entity];
  if (!entity) throw invalidSearch(what, input, `invalid entity type '${tok.entity}'; valid values are metric, parameter, tag, attribute, dataset`);
  return { entity, key: entity === 'attribute' ? (ALIASES[tok.key] ?? tok.key) : tok.key };
}

class Cursor {
  i = 0;
  constructor(readonly toks: readonly Token[], readonly what: string, readonly input: string) {}
  peek(): Token | undefined {
    return this.toks[this.i];
  }
  next(expect: string): Token {
    const t = this.toks[this.i++];
    if (!t) throw invalidSearch(this.what, this.input, `expected ${expect} but the filter ended`);
    return t;
  }
  fail(reason: string): never {
    throw invalidSearch(this.what, this.input, reason);
  }
}

/** Reads a comparator: an operator, LIKE, ILIKE, IN, or NOT IN. */
function comparator(c: Cursor): string {
  const t = c.next('a comparator');
  if (t.t === 'op') return t.value;
  if (t.t === 'word' && (t.value === 'LIKE' || t.value === 'ILIKE' || t.value === 'IN')) return t.value;
  if (t.t === 'word' && t.value === 'NOT') {
    const n = c.next('IN');
    if (n.t === 'word' && n.value === 'IN') return 'NOT IN';
  }
  return c.fail(`expected a comparator but found '${t.text}'`);
}

function stringList(c: Cursor): string[] {
  const open = c.next("'('");
  if (open.t !== 'punct' || open.value !== '(') c.fail(`expected '(' after IN but found '${open.text}'`);
  const out: string[] = [];
  for (;;) {
    const v = c.next('a quoted string');
    if (v.t !== 'string') c.fail(`IN takes a list of quoted strings; found '${v.text}'`);
    out.push(v.value);
    const sep = c.next("',' or ')'");
    if (sep.t === 'punct' && sep.value === ')') return out;
    if (sep.t !== 'punct' || sep.value !== ',') c.fail(`expected ',' or ')' but found '${sep.text}'`);
  }
}

function numberValue(c: Cursor, what: string): number {
  const v = c.next('a number');
  if (v.t !== 'number') c.fail(`expected a numeric value for ${what}; found '${v.text}'`);
  return v.value;
}

function stringValue(c: Cursor, what: string): string {
  const v = c.next('a quoted string');
  if (v.t !== 'string') c.fail(`expected a quoted string value for ${what} (e.g. 'my-value'); found '${v.text}'`);
  return v.value;
}

function clauses<C>(input: string, what: string, one: (c: Cursor) => C): C[] {
  if (input.trim() === '') return [];
  const c = new Cursor(lex(input, what), what, input);
  const out: C[] = [];
  for (;;) {
    out.push(one(c));
    const t = c.peek();
    if (!t) return out;
    c.i++;
    if (t.t === 'word' && t.value === 'AND') continue;
    if (t.t === 'word' && t.value === 'OR') c.fail("'OR' is not supported; join clauses with AND");
    c.fail(`expected AND but found '${t.text}'`);
  }
}

/** Parses a runs/search filter. Throws ValidationException (INVALID_PARAMETER_VALUE) naming the problem. */
export function parseRunFilter(input: string): RunFilterClause[] {
  return clauses(input, 'filter', (c: Cursor) => {
    const id = c.next('an identifier');
    if (id.t !== 'ident') c.fail(`expected an identifier such as metrics.<key> but found '${id.text}'`);
    const { entity, key } = entityOf(id, 'filter', input);
    const op = comparator(c);
    if (entity === 'metric') {
      if (!NUMERIC_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for metrics; use one of =, !=, <, <=, >, >=`);
      return { kind: 'metric', key, op: op as NumericOp, value: numberValue(c, `metric '${key}'`) };
    }
    if (entity === 'param' || entity === 'tag') {
      if (!STRING_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for ${entity}s; use one of =, !=, LIKE, ILIKE`);
      return { kind: entity, key, op: op as StringOp, value: stringValue(c, `${entity} '${key}'`) };
    }
    if (entity === 'dataset') {
      if (!DATASET_FIELDS.has(key)) c.fail(`invalid dataset key '${key}'; valid keys are name, digest, context`);
      if (op === 'IN' || op === 'NOT IN') return { kind: 'dataset', key: key as 'name', op: op as ListOp, value: stringList(c) };
      if (!STRING_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for datasets; use one of =, !=, LIKE, ILIKE, IN, NOT IN`);
      return { kind: 'dataset', key: key as 'name', op: op as StringOp, value: stringValue(c, `dataset '${key}'`) };
    }
    if (NUMERIC_ATTRS.has(key)) {
      if (!NUMERIC_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for the numeric attribute '${key}'`);
      return { kind: 'attribute', key: key as 'start_time', op: op as NumericOp, value: numberValue(c, `attribute '${key}'`) };
    }
    if (!STRING_ATTRS.has(key)) c.fail(`invalid attribute key '${key}'; valid keys are ${[...STRING_ATTRS, ...NUMERIC_ATTRS].join(', ')}`);
    if (op === 'IN' || op === 'NOT IN') {
      if (key !== 'run_id') c.fail("only the 'run_id' attribute compares with a list of quoted strings");
      return { kind: 'attribute', key: 'run_id', op: op as ListOp, value: stringList(c) };
    }
    if (!STRING_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for the attribute '${key}'; use one of =, !=, LIKE, ILIKE`);
    return { kind: 'attribute', key: key as 'run_id', op: op as StringOp, value: stringValue(c, `attribute '${key}'`) };
  });
}

function direction(c: Cursor): boolean {
  const t = c.peek();
  if (!t) return true;
  c.i++;
  if (t.t === 'word' && (t.value === 'ASC' || t.value === 'DESC')) {
    if (c.peek()) c.fail(`unexpected '${c.peek()!.text}' after ${t.value}`);
    return t.value === 'ASC';
  }
  return c.fail(`expected ASC or DESC but found '${t.text}'`);
}

/** Parses one runs/search order_by term: `metrics.rmse DESC`, `attributes.start_time`, `params.lr ASC`. */
export function parseRunOrderBy(input: string): RunOrderClause {
  const c: Cursor = new Cursor(lex(input, 'order_by'), 'order_by', input);
  const id = c.next('an identifier');
  if (id.t !== 'ident') c.fail(`expected an identifier such as metrics.<key> but found '${id.text}'`);
  const { entity, key } = entityOf(id, 'order_by', input);
  if (entity === 'dataset') c.fail('ordering by datasets is not supported');
  if (entity === 'attribute' && !ORDERABLE_ATTRS.has(key)) c.fail(`invalid order_by attribute '${key}'; valid keys are ${[...ORDERABLE_ATTRS].join(', ')}`);
  return { kind: entity as RunOrderClause['kind'], key, ascending: direction(c) };
}

const EXPERIMENT_ORDER = new Set(['name', 'experiment_id', 'creation_time', 'last_update_time']);

/** Parses an experiments/search filter: `name LIKE 'x%'`, `tags.team = 'a'`, `creation_time > 0`. */
export function parseExperimentFilter(input: string): ExperimentFilterClause[] {
  return clauses(input, 'filter', (c: Cursor) => {
    const id = c.next('an identifier');
    if (id.t !== 'ident') c.fail(`expected an identifier such as name or tags.<key> but found '${id.text}'`);
    const entity = id.entity === undefined ? 'attribute' : ENTITY[id.entity];
    const op = comparator(c);
    if (entity === 'tag') {
      if (!STRING_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for tags; use one of =, !=, LIKE, ILIKE`);
      return { kind: 'tag', key: id.key, op: op as StringOp, value: stringValue(c, `tag '${id.key}'`) };
    }
    if (entity !== 'attribute') c.fail(`invalid entity type '${id.entity}' for experiments; valid values are attribute and tag`);
    if (id.key === 'name') {
      if (!STRING_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for name; use one of =, !=, LIKE, ILIKE`);
      return { kind: 'attribute', key: 'name', op: op as StringOp, value: stringValue(c, 'name') };
    }
    if (id.key === 'creation_time' || id.key === 'last_update_time') {
      if (!NUMERIC_OPS.has(op)) c.fail(`'${op}' is not a valid comparator for ${id.key}`);
      return { kind: 'attribute', key: id.key, op: op as NumericOp, value: numberValue(c, id.key) };
    }
    return c.fail(`invalid attribute key '${id.key}'; valid keys are name, creation_time, last_update_time`);
  });
}

/** Parses one experiments/search order_by term: `name`, `last_update_time DESC`, `attributes.creation_time`. */
export function parseExperimentOrderBy(input: string): ExperimentOrderClause {
  const c: Cursor = new Cursor(lex(input, 'order_by'), 'order_by', input);
  const id = c.next('an identifier');
  if (id.t !== 'ident' || (id.entity !== undefined && ENTITY[id.entity] !== 'attribute') || !EXPERIMENT_ORDER.has(id.key)) {
    c.fail(`invalid order_by key '${id.text}'; valid keys are ${[...EXPERIMENT_ORDER].join(', ')}`);
  }
  return { key: id.key as ExperimentOrderClause['key'], ascending: direction(c) };
}
