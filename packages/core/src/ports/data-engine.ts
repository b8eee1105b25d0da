/**
 * The data engine: an embedded analytical SQL engine that reads local files (CSV/TSV, Parquet, JSON
 * Lines, gzip-compressed or not), infers their schema, samples them, answers profile queries and runs
 * compiled flows, writing Parquet or CSV. It never reads the network: callers stage objects from the
 * artifact store to local paths first (see ADR 0012).
 *
 * SQL handed to {@link DataEngine.query} and {@link DataEngine.copyTo} is in DuckDB's dialect: flows
 * compile to it and the exported scripts run in DuckDB's own CLI. Sources are referenced by name
 * (`"src_orders"`) and bound to files by the caller, so a compiled script carries no machine paths.
 *
 * Errors: `ValidationException` for a file that cannot be read as declared (the message names the file
 * and, where the engine says, the line), or SQL that does not bind (a missing column, a bad cast).
 */
export interface DataEngine {
  /**
   * Reads a file with explicit options and returns its inferred schema and row count, without keeping
   * anything. Column type overrides replace inference for the columns they name.
   * @throws ValidationException when the file does not parse with these options or an override fails.
   */
  inspect(source: FileSource, options?: EngineCallOptions): Promise<InspectResult>;

  /**
   * Runs a query over named sources and returns up to `limit` rows (default 1,000) as JSON-safe values:
   * 64-bit integers become numbers when exact, else strings; dates and timestamps ISO strings.
   * @throws ValidationException when the SQL does not bind or a source cannot be read.
   */
  query(sql: string, sources: Readonly<Record<string, FileSource>>, options?: QueryOptions): Promise<QueryResult>;

  /**
   * Runs a query over named sources and writes its result to a local file atomically (a temp file
   * renamed into place): nothing is left at `outPath` when it fails.
   * @throws ValidationException when the SQL does not bind or a source cannot be read.
   */
  copyTo(sql: string, sources: Readonly<Record<string, FileSource>>, out: FileTarget, options?: EngineCallOptions): Promise<CopyResult>;

  /**
   * Why a user-written expression (a flow's custom formula or filter) is not one scalar expression
   * over a row — a subquery, a table function, a function that reads the engine's settings, a FROM or
   * a second column smuggled past a parenthesis — or undefined when it is. The engine reads every
   * caller's staged files, so an expression must read nothing but the row it is computed on. Checked
   * as {@link embedExpression} writes it into SQL.
   */
  expressionProblem(expression: string, options?: EngineCallOptions): Promise<string | undefined>;
}

/** Column types the engine infers and accepts as overrides (DuckDB's names). */
export const columnTypes = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'VARCHAR', 'DATE', 'TIMESTAMP', 'TIME', 'DECIMAL(18,3)'] as const;
export type ColumnTypeName = (typeof columnTypes)[number];

export type FileFormat = 'csv' | 'parquet' | 'jsonl';

/** How to read a delimited text file. Every member is explicit: detection happens before the engine. */
export interface CsvReadOptions {
  /** One character: `,` `\t` `;` `|`. */
  readonly delimiter: string;
  /** Quote character, or '' for none. */
  readonly quote: string;
  /** Escape character inside quotes ('"' doubles the quote, as RFC 4180). */
  readonly escape: string;
  readonly header: boolean;
  /** Column names in file order (from the header, or `column0`… without one); the row width every line must have. */
  readonly columnNames: readonly string[];
  readonly encoding: 'utf-8' | 'utf-16' | 'latin-1';
  /** Largest line in bytes the reader accepts. */
  readonly maxLineBytes?: number;
}

/** A local file and how to read it. */
export interface FileSource {
  /** Absolute local path. */
  readonly path: string;
  readonly format: FileFormat;
  readonly compression?: 'none' | 'gzip';
  /** Required for `csv`. */
  readonly csv?: CsvReadOptions;
  /** Type overrides by column name; other columns are inferred. */
  readonly columnTypes?: Readonly<Record<string, string>>;
}

export interface FileTarget {
  readonly path: string;
  readonly format: 'parquet' | 'csv';
  /** CSV only: write a header row (default true; SageMaker's built-in algorithms want none). */
  readonly header?: boolean;
}

export interface ColumnSchema {
  readonly name: string;
  /** The engine's type name (`BIGINT`, `DOUBLE`, `VARCHAR`, `TIMESTAMP`, …). */
  readonly type: string;
}

export interface InspectResult {
  readonly columns: readonly ColumnSchema[];
  readonly rowCount: number;
}

export type JsonCell = string | number | boolean | null;

export interface QueryResult {
  readonly columns: readonly ColumnSchema[];
  readonly rows: readonly (readonly JsonCell[])[];
  /** True when the result had more rows than `limit`. */
  readonly truncated: boolean;
}

export interface CopyResult {
  readonly rowCount: number;
  readonly columns: readonly ColumnSchema[];
  readonly bytes: number;
}

export interface EngineCallOptions {
  readonly signal?: AbortSignal;
}

export interface QueryOptions extends EngineCallOptions {
  readonly limit?: number;
}

/**
 * How a user-written expression is written into SQL: parenthesised on lines of its own, so a `--`
 * comment in it ends before the SQL that follows, and what {@link DataEngine.expressionProblem}
 * parsed is exactly what runs.
 */
export function embedExpression(expression: string): string {
  return `(\n${expression}\n)`;
}

/** Quotes an identifier for the engine's SQL: `a"b` → `"a""b"`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for the engine's SQL: `it's` → `'it''s'`. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
