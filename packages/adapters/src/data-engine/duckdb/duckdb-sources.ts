import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, type CsvReadOptions, type FileSource } from '@loam/core';

/** Default largest CSV line: far above real rows, far below a pathological 100 MB field. */
export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;
/** What the CSV read buffer holds beyond the longest line allowed. */
const CSV_BUFFER_MARGIN = 1024 * 1024;
/** Rows type inference looks at, as DuckDB's own sniffer does by default. */
const INFER_ROWS = 20_480;
/** Columns typed by one sampled query. */
const INFER_COLUMNS = 100;

/**
 * DuckDB casts '1' and 'y' to BOOLEAN and rounds '2.5' to a BIGINT; only the words true/false make a
 * boolean column and only digits an integer one.
 */
function castable(v: string, t: string): string {
  if (t === 'BOOLEAN') return `lower(${v}) IN ('true', 'false')`;
  if (t === 'BIGINT') return `(regexp_full_match(${v}, '[+-]?[0-9]+') AND TRY_CAST(${v} AS BIGINT) IS NOT NULL)`;
  return `TRY_CAST(${v} AS ${t}) IS NOT NULL`;
}

/** Candidate types, narrowest first; a column takes the first every non-empty sampled value casts to. */
const candidates = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP'] as const;

function csvRead(path: string, o: CsvReadOptions, compression: string, types: Readonly<Record<string, string>>): string {
  const columns = o.columnNames.map((n) => `${quoteLiteral(n)}: ${quoteLiteral(types[n] ?? 'VARCHAR')}`).join(', ');
  const maxLine = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const args = [
    quoteLiteral(path), 'auto_detect=false', `delim=${quoteLiteral(o.delimiter)}`, `quote=${quoteLiteral(o.quote)}`,
    `escape=${quoteLiteral(o.escape)}`, `header=${o.header ? 'true' : 'false'}`, `encoding=${quoteLiteral(o.encoding)}`,
    `compression='${compression}'`, 'strict_mode=true', 'null_padding=false', `max_line_size=${maxLine}`,
    // DuckDB's buffer defaults to 16 × max_line_size (512 MiB at the default), allocated whole for every
    // read against the engine's memory_limit (1 GB): a second CSV read at the same time failed with
    // Out of Memory however small its file. The buffer must only exceed the longest line.
    `buffer_size=${maxLine + CSV_BUFFER_MARGIN}`,
    `columns={${columns}}`,
  ];
  return `read_csv(${args.join(', ')})`;
}

/**
 * Infers CSV column types by casting a sample: DuckDB's sniffer gives up on the ragged or oddly
 * quoted files we must report precisely, so the dialect comes from core's sniffer and only types are
 * decided here, from the first rows read as text.
 */
async function inferCsvTypes(c: DuckDBConnection, path: string, o: CsvReadOptions, compression: string, given: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const todo = o.columnNames.filter((n) => given[n] === undefined);
  const types: Record<string, string> = { ...given };
  if (todo.length === 0) return types;
  // Only the sample is parsed here; a bad row further on fails in the typed read, naming its line.
  const raw = csvRead(path, { ...o, maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES }, compression, {}).replace('strict_mode=true', 'strict_mode=false, ignore_errors=true');
  // Columns are typed INFER_COLUMNS at a time: planning one query grows faster than its column count
  // (1,000 columns at once took 8 s in DuckDB alone, in ten queries 1.7 s).
  const row: (boolean | null)[] = [];
  for (let start = 0; start < todo.length; start += INFER_COLUMNS) {
    const part = todo.slice(start, start + INFER_COLUMNS);
    const checks = part.flatMap((_n, k) => candidates.map((t, j) => `bool_and(v${k} IS NULL OR ${castable(`v${k}`, t)}) AS c${k}_${j}`));
    const proj = part.map((n, k) => `NULLIF(TRIM(${quoteIdent(n)}), '') AS v${k}`).join(', ');
    const r = await c.runAndReadAll(`SELECT ${checks.join(', ')} FROM (SELECT ${proj} FROM ${raw} LIMIT ${INFER_ROWS})`);
    row.push(...((r.getRowsJson()[0] ?? []) as (boolean | null)[]));
  }
  todo.forEach((n, i) => {
    const j = candidates.findIndex((_, k) => row[i * candidates.length + k] === true);
    // An all-empty sample says nothing: keep text.
    const allNull = candidates.every((_, k) => row[i * candidates.length + k] === null);
    types[n] = j >= 0 && !allNull ? (candidates[j] as string) : 'VARCHAR';
  });
  return types;
}

/**
 * Inferred CSV types by file (path, size, mtime) and read options: every call binds its sources
 * afresh, and a flow's compile makes several calls over the same file, each of which would otherwise
 * parse its 20k-row sample again.
 */
const csvTypeCache = new Map<string, Promise<Record<string, string>>>();
const CSV_TYPE_CACHE_ENTRIES = 256;

async function cachedCsvTypes(c: DuckDBConnection, path: string, o: CsvReadOptions, compression: string, given: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return inferCsvTypes(c, path, o, compression, given);
  const key = JSON.stringify([path, st.size, st.mtimeMs, st.ino, o, compression, given]);
  const cached = csvTypeCache.get(key);
  // Another call's inference may fail for its own reason (it was aborted): infer on this connection.
  if (cached) return { ...(await cached.catch(() => inferCsvTypes(c, path, o, compression, given))) };
  const p = inferCsvTypes(c, path, o, compression, given);
  p.catch(() => csvTypeCache.delete(key));
  if (csvTypeCache.size >= CSV_TYPE_CACHE_ENTRIES) csvTypeCache.delete(csvTypeCache.keys().next().value as string);
  csvTypeCache.set(key, p);
  return { ...(await p) };
}

/** The `SELECT` that reads one source with every dialect option explicit and types applied. */
export async function sourceSelect(c: DuckDBConnection, s: FileSource): Promise<string> {
  const path = quoteLiteral(s.path);
  const compression = s.compression === 'gzip' ? 'gzip' : 'none';
  const overrides = s.columnTypes ?? {};
  if (s.format === 'csv') {
    const o = s.csv;
    if (!o) throw new Error('csv options are required for a csv source');
    const types = await cachedCsvTypes(c, s.path, o, compression, overrides);
    return `SELECT * FROM ${csvRead(s.path, o, compression, types)}`;
  }
  const from = s.format === 'parquet'
    ? `read_parquet(${path})`
    : `read_json(${path}, format='newline_delimited', compression='${compression === 'gzip' ? 'gzip' : 'uncompressed'}', records=true)`;
  const entries = Object.entries(overrides);
  if (entries.length === 0) return `SELECT * FROM ${from}`;
  const replace = entries.map(([k, v]) => `CAST(${quoteIdent(k)} AS ${v}) AS ${quoteIdent(k)}`).join(', ');
  return `SELECT * REPLACE (${replace}) FROM ${from}`;
}
