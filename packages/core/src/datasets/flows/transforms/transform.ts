import { ValidationError } from '../../../kernel/errors.js';
import { embedExpression, quoteIdent, quoteLiteral, type JsonCell } from '../../../ports/data-engine.js';

/** What a transform's compile step gets. */
export interface TransformContext {
  /** The node id, for error messages. */
  readonly nodeId: string;
  /** Quoted relation names of the inputs (`"n_src"`). */
  readonly inputs: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * A statistic of the input, learned from the data the flow runs on (the preview sample or the full
   * sources): `aggregate` is an aggregate expression over `inputs[0]` (`avg("a")`). Returns the SQL to
   * write where the value goes; it becomes a typed literal before the flow runs, so the full run is
   * one streaming pass (no window over the whole table) and exported scripts are self-contained.
   * Independent statistics of several nodes are fitted in one statement.
   */
  stat(aggregate: string): string;
  /**
   * Aggregates over `from` (default `inputs[0]`; may be a parenthesised subquery over it) fitted now,
   * for transforms whose SQL shape depends on the values (one-hot categories); batched with the
   * statistics still pending.
   */
  fitStats(aggregates: readonly string[], from?: string): Promise<readonly JsonCell[]>;
  /** Why a user-written expression is not one scalar expression over the row (the engine's check), or undefined. */
  expressionProblem(expression: string): Promise<string | undefined>;
}

/** One transform in the catalogue. Each compiles to one DuckDB `SELECT` over its input relation(s). */
export interface TransformDef {
  readonly name: string;
  readonly group: string;
  readonly summary: string;
  /** Number of inputs (1, or 2 for joins and concatenation). */
  readonly inputs: 1 | 2;
  /** JSON Schema of `params`, for Studio's side panel and the docs. */
  readonly params: Readonly<Record<string, unknown>>;
  compile(ctx: TransformContext): string | Promise<string>;
  /** Params that hold user-written SQL expressions (see `expr`): checked also when a flow is stored or run. */
  readonly expressions?: readonly string[];
}

export const q = quoteIdent;
export const lit = quoteLiteral;

export function fail(ctx: TransformContext, name: string, message: string): never {
  throw new ValidationError(`Flow node '${ctx.nodeId}': param '${name}' ${message}`, [{ path: `/params/${name}`, message }]);
}

export function str(ctx: TransformContext, name: string, dflt?: string): string {
  const v = ctx.params[name] ?? dflt;
  if (typeof v !== 'string' || v === '') fail(ctx, name, 'must be a non-empty string');
  return v;
}

export function optStr(ctx: TransformContext, name: string): string | undefined {
  const v = ctx.params[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') fail(ctx, name, 'must be a string');
  return v;
}

export function strs(ctx: TransformContext, name: string, opts: { optional?: boolean } = {}): string[] {
  const v = ctx.params[name];
  if (v === undefined && opts.optional) return [];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== '')) fail(ctx, name, 'must be a non-empty list of column names');
  return v as string[];
}

export function num(ctx: TransformContext, name: string, dflt?: number, range?: { min?: number; max?: number; integer?: boolean }): number {
  const v = ctx.params[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(ctx, name, 'must be a number');
  if (range?.integer && !Number.isInteger(v)) fail(ctx, name, 'must be an integer');
  if (range?.min !== undefined && v < range.min) fail(ctx, name, `must be ≥ ${range.min}`);
  if (range?.max !== undefined && v > range.max) fail(ctx, name, `must be ≤ ${range.max}`);
  return v;
}

export function oneOf<T extends string>(ctx: TransformContext, name: string, choices: readonly T[], dflt?: T): T {
  const v = ctx.params[name] ?? dflt;
  if (typeof v !== 'string' || !choices.includes(v as T)) fail(ctx, name, `must be one of ${choices.join(', ')}`);
  return v as T;
}

export function bool(ctx: TransformContext, name: string, dflt: boolean): boolean {
  const v = ctx.params[name] ?? dflt;
  if (typeof v !== 'boolean') fail(ctx, name, 'must be true or false');
  return v;
}

/**
 * A SQL expression the user wrote, as it goes into SQL (parenthesised, see `embedExpression`): one
 * scalar expression over the row — no `;`, no subquery, table function or settings function, which
 * would read other callers' files through the shared engine — or a 400 naming the node, the param and
 * what was refused.
 */
export async function expr(ctx: TransformContext, name: string): Promise<string> {
  const v = str(ctx, name);
  const problem = await expressionRefusal(v, (e) => ctx.expressionProblem(e));
  if (problem) fail(ctx, name, problem);
  return embedExpression(v);
}

/** Why a user-written expression is refused (`;`, or what the engine's check names), or undefined. */
export async function expressionRefusal(value: string, problemOf: (expression: string) => Promise<string | undefined>): Promise<string | undefined> {
  if (value.includes(';')) return 'must be one SQL expression (no ";")';
  return problemOf(value);
}

/** A scalar literal: numbers as numbers, anything else as a string DuckDB casts to the column's type. */
export function scalar(ctx: TransformContext, name: string): string {
  const v = ctx.params[name];
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return lit(v);
  return fail(ctx, name, 'must be a number, a string or a boolean');
}

/** `SELECT * REPLACE (f(c) AS c, …) FROM input` for each listed column. */
export function replaceEach(ctx: TransformContext, columns: readonly string[], f: (c: string) => string): string {
  return `SELECT * REPLACE (${columns.map((c) => `${f(q(c))} AS ${q(c)}`).join(', ')}) FROM ${ctx.inputs[0]}`;
}

/** A deterministic per-row number in [0, 1) from the row's content and a seed (duplicates share it). */
export function rowUniform(alias: string, seed: number): string {
  return `((hash(${alias}, ${Math.trunc(seed)}) % 1000000007)::DOUBLE / 1000000007)`;
}

/** Small JSON Schema builders for the catalogue. */
export const S = {
  obj: (props: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties: props, required, additionalProperties: false }),
  col: (description = 'Column name') => ({ type: 'string', description }),
  cols: (description = 'Column names') => ({ type: 'array', items: { type: 'string' }, minItems: 1, description }),
  num: (description: string, dflt?: number) => ({ type: 'number', description, ...(dflt !== undefined ? { default: dflt } : {}) }),
  str: (description: string, dflt?: string) => ({ type: 'string', description, ...(dflt !== undefined ? { default: dflt } : {}) }),
  enum: (values: readonly string[], description: string, dflt?: string) => ({ type: 'string', enum: values, description, ...(dflt !== undefined ? { default: dflt } : {}) }),
  bool: (description: string, dflt: boolean) => ({ type: 'boolean', description, default: dflt }),
  any: (description: string) => ({ description }),
};
