import type { DuckDBConnection } from '@duckdb/node-api';
import { embedExpression, quoteLiteral } from '@loam/core';

/**
 * Parsed-expression classes a row expression may hold (DuckDB's `json_serialize_sql`): values,
 * columns, operators, functions, CASE, casts, lambdas and window functions over the relation. Not
 * SUBQUERY (reads any table or file), STAR / COLUMNS(*), PARAMETER, DEFAULT or anything added later.
 */
const ALLOWED_CLASSES = new Set(['COLUMN_REF', 'CONSTANT', 'FUNCTION', 'OPERATOR', 'COMPARISON', 'CONJUNCTION', 'CASE', 'CAST', 'BETWEEN', 'LAMBDA', 'WINDOW', 'COLLATE']);

/** Scalar functions that read the engine's state rather than the row: settings hold local paths. */
const REFUSED_FUNCTIONS = new Set(['current_setting', 'getvariable', 'current_query']);

const CLASS_WORDS: Readonly<Record<string, string>> = {
  SUBQUERY: 'a subquery (SELECT …, EXISTS, IN (SELECT …)), which could read other tables and files',
  STAR: '* or COLUMNS(…), which expand to several columns',
  PARAMETER: 'a prepared-statement parameter',
};

/**
 * Why `expression` is not one scalar expression over a row, or undefined when it is. It is parsed
 * exactly as it will be embedded — `(` + newline + expression + newline + `)` — so what is checked
 * is what runs: a `)` cannot close the parenthesis early to add a FROM or a second column without the
 * parse showing it, and a `--` comment ends at the newline. Table functions (read_csv, glob, query)
 * can only appear in a FROM, so refusing subqueries refuses them; functions that read settings are
 * refused by name, and so is any name DuckDB knows only as a table function or pragma.
 */
export async function expressionProblem(c: DuckDBConnection, expression: string, tableFunctions: () => Promise<ReadonlySet<string>>): Promise<string | undefined> {
  const r = await c.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(`SELECT ${embedExpression(expression)}`)})`);
  const parsed = JSON.parse(String(r.getRowsJson()[0]?.[0] ?? '{}')) as { error?: boolean; error_message?: string; statements?: { node?: Record<string, unknown> }[] };
  if (parsed.error) return `does not parse as a SQL expression: ${parsed.error_message ?? 'syntax error'}`;
  const node = parsed.statements?.length === 1 ? parsed.statements[0]?.node : undefined;
  const list = node?.['select_list'] as unknown[] | undefined;
  const from = node?.['from_table'] as { type?: string } | undefined;
  const clauses = ['where_clause', 'having', 'qualify', 'sample'].filter((k) => node?.[k] !== null && node?.[k] !== undefined);
  const cte = (node?.['cte_map'] as { map?: unknown[] } | undefined)?.map ?? [];
  if (!node || node['type'] !== 'SELECT_NODE' || list?.length !== 1 || from?.type !== 'EMPTY' || clauses.length > 0
    || (node['group_expressions'] as unknown[] | undefined)?.length || (node['modifiers'] as unknown[] | undefined)?.length || cte.length > 0) {
    return 'must be one SQL expression over the row (no FROM, no second column, no clause after it)';
  }
  const refused = await firstRefused(list[0], tableFunctions);
  return refused ? `must be a scalar SQL expression over the row; it may not use ${refused}` : undefined;
}

async function firstRefused(v: unknown, tableFunctions: () => Promise<ReadonlySet<string>>): Promise<string | undefined> {
  if (Array.isArray(v)) {
    for (const x of v) {
      const r = await firstRefused(x, tableFunctions);
      if (r) return r;
    }
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['class'] === 'string') {
    const cls = o['class'];
    if (!ALLOWED_CLASSES.has(cls)) return CLASS_WORDS[cls] ?? `a ${cls.toLowerCase()} expression`;
    if (cls === 'FUNCTION' || cls === 'WINDOW') {
      const name = String(o['function_name'] ?? '').toLowerCase();
      if (REFUSED_FUNCTIONS.has(name)) return `the function ${name}(), which reads the engine's settings, not the row`;
      if ((await tableFunctions()).has(name)) return `the table function ${name}()`;
    }
  }
  // Query nodes only appear inside subqueries, which are refused above; this also refuses them anywhere else.
  if (o['type'] === 'SELECT_NODE' || o['type'] === 'SET_OPERATION_NODE' || 'from_table' in o) return 'a query (SELECT …)';
  for (const x of Object.values(o)) {
    const r = await firstRefused(x, tableFunctions);
    if (r) return r;
  }
  return undefined;
}

/** Names DuckDB knows only as table functions, table macros or pragmas (not also as scalar or aggregate functions). */
export async function loadTableFunctionNames(c: DuckDBConnection): Promise<ReadonlySet<string>> {
  const r = await c.runAndReadAll(`SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type IN ('table', 'table_macro', 'pragma')
    EXCEPT SELECT lower(function_name) FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate', 'macro')`);
  return new Set(r.getRowsJson().map((row) => String(row[0])));
}
