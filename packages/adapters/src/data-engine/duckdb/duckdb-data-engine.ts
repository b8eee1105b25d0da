import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  quoteIdent, quoteLiteral, type ColumnSchema, type CopyResult, type DataEngine, type EngineCallOptions, type FileSource,
  type FileTarget, type InspectResult, type QueryOptions, type QueryResult,
} from '@loam/core';
import { engineError } from './duckdb-errors.js';
import { expressionProblem, loadTableFunctionNames } from './duckdb-expressions.js';
import { sourceSelect } from './duckdb-sources.js';
import { toRows } from './duckdb-values.js';

/** The engine's memory limit unless one is given: DuckDB spills to `tempDirectory` past it. */
export const DEFAULT_MEMORY_LIMIT = '1GB';

export interface DuckDbDataEngineOptions {
  /**
   * DuckDB `memory_limit`: a size (`'1GB'`, `'512MiB'`) or a share of the machine's RAM (`'25%'`).
   * Default {@link DEFAULT_MEMORY_LIMIT}: DuckDB's own default (80 % of RAM) lets its buffer pool
   * grow to gigabytes on a 10M-row flow; past the limit, operators that hold data (sorts, joins,
   * big aggregates, order-preserving writes) spill to `tempDirectory` instead.
   */
  readonly memoryLimit?: string;
  /** Worker threads; default DuckDB's (one per core). */
  readonly threads?: number;
  /** Where DuckDB spills when a query outgrows memory; default the OS temp dir. */
  readonly tempDirectory?: string;
  /**
   * When set, the engine may read and write only under these directories (DuckDB's
   * `allowed_directories` with `enable_external_access=false`): flows carry user-written SQL
   * expressions, and this keeps them from reading any other file on the machine.
   */
  readonly allowedDirectories?: readonly string[];
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i;
const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

/**
 * A memory limit as DuckDB takes it: sizes pass through, a percentage becomes MiB of this machine's
 * RAM. Throws for anything else, naming the value.
 */
export function resolveMemoryLimit(limit: string, totalBytes = totalmem()): string {
  if (SIZE.test(limit)) return limit.trim();
  const p = PERCENT.exec(limit);
  if (p && Number(p[1]) > 0 && Number(p[1]) <= 100) return `${Math.max(64, Math.floor((totalBytes * Number(p[1])) / 100 / 2 ** 20))}MiB`;
  throw new Error(`data engine memory limit '${limit}' must be a size such as 1GB or 512MiB, or a share of RAM such as 25%`);
}

/**
 * The DataEngine on DuckDB (`@duckdb/node-api`): one in-memory instance, a fresh connection per call
 * (sources are bound as connection-local temp views, so concurrent calls never see each other's
 * names). Extensions are never installed: Parquet and JSON are built in, and reading the network is
 * not this engine's job.
 */
export class DuckDbDataEngine implements DataEngine {
  private instance: Promise<DuckDBInstance> | undefined;
  private tableFunctions: Promise<ReadonlySet<string>> | undefined;

  constructor(private readonly options: DuckDbDataEngineOptions = {}) {
    resolveMemoryLimit(options.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
  }

  private open(): Promise<DuckDBInstance> {
    const o = this.options;
    const config: Record<string, string> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', enable_external_access: 'true' };
    config['memory_limit'] = resolveMemoryLimit(o.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
    if (o.threads) config['threads'] = String(o.threads);
    if (o.tempDirectory) config['temp_directory'] = o.tempDirectory;
    // DuckDB's native module loads on the first query, not with this module: a server or job that never
    // touches data (most of them) starts ~0.1 s sooner and without DuckDB in memory.
    return (this.instance ??= import('@duckdb/node-api').then(({ DuckDBInstance: Duck }) => Duck.create(':memory:', config)).then(async (db) => {
      if (o.allowedDirectories) {
        const c = await db.connect();
        const dirs = o.allowedDirectories.map((d) => quoteLiteral(d.endsWith('/') ? d : `${d}/`)).join(', ');
        await c.run(`SET allowed_directories = [${dirs}]`);
        await c.run('SET enable_external_access = false');
        c.closeSync();
      }
      return db;
    }));
  }

  private async withSources<T>(sources: Readonly<Record<string, FileSource>>, signal: AbortSignal | undefined, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    const c = await (await this.open()).connect();
    const onAbort = () => c.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    const paths = Object.values(sources).map((s) => s.path);
    const labels = Object.keys(sources).map((k) => `source '${k}'`);
    try {
      for (const [name, s] of Object.entries(sources)) await c.run(`CREATE TEMP VIEW ${quoteIdent(name)} AS ${await sourceSelect(c, s)}`);
      return await fn(c);
    } catch (e) {
      signal?.throwIfAborted();
      throw engineError(e, paths, labels);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      c.closeSync();
    }
  }

  async inspect(source: FileSource, options: EngineCallOptions = {}): Promise<InspectResult> {
    return this.withSources({ src: source }, options.signal, async (c) => {
      await c.run('SET SESSION preserve_insertion_order = false');
      // Counting forces a full parse, so a bad row anywhere fails here, not later in a flow.
      const d = await c.runAndReadAll('DESCRIBE SELECT * FROM src');
      const columns = d.getRowObjectsJson().map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
      // count(column) for every column makes the reader parse and cast every value (count(*) alone
      // lets projection pushdown skip them), so a bad value anywhere fails here.
      const counts = columns.map((col) => `count(${quoteIdent(col.name)})`).join(', ');
      const n = await c.runAndReadAll(`SELECT count(*)::DOUBLE${counts ? `, ${counts}` : ''} FROM src`);
      return { columns, rowCount: Number(n.getRowsJson()[0]?.[0] ?? 0) };
    });
  }

  async query(sql: string, sources: Readonly<Record<string, FileSource>>, options: QueryOptions = {}): Promise<QueryResult> {
    const limit = options.limit ?? 1000;
    return this.withSources(sources, options.signal, async (c) => {
      const r = await c.runAndReadUntil(`SELECT * FROM (${sql}) AS q LIMIT ${limit + 1}`, limit + 1);
      const columns: ColumnSchema[] = r.columnNames().map((name, i) => ({ name, type: String(r.columnType(i)) }));
      const raw = r.getRowsJson() as unknown[][];
      return { columns, rows: toRows(raw.slice(0, limit), columns), truncated: raw.length > limit };
    });
  }

  async expressionProblem(expression: string, options: EngineCallOptions = {}): Promise<string | undefined> {
    return this.withSources({}, options.signal, async (c) => {
      const names = () => {
        const p = (this.tableFunctions ??= loadTableFunctionNames(c));
        p.catch(() => { this.tableFunctions = undefined; });
        return p;
      };
      return expressionProblem(c, expression, names);
    });
  }

  async copyTo(sql: string, sources: Readonly<Record<string, FileSource>>, out: FileTarget, options: EngineCallOptions = {}): Promise<CopyResult> {
    const tmp = join(dirname(out.path), `.tmp-${randomBytes(6).toString('hex')}-${out.format}`);
    try {
      const result = await this.withSources(sources, options.signal, async (c) => {
        const d = await c.runAndReadAll(`DESCRIBE ${sql}`);
        const columns = d.getRowObjectsJson().map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
        const fmt = out.format === 'parquet' ? "FORMAT parquet, COMPRESSION zstd" : `FORMAT csv, HEADER ${out.header === false ? 'false' : 'true'}`;
        const r = await c.runAndReadAll(`COPY (${sql}) TO ${quoteLiteral(tmp)} (${fmt})`);
        const rowCount = Number(r.getRowsJson()[0]?.[0] ?? 0);
        return { columns, rowCount };
      });
      await rename(tmp, out.path);
      return { ...result, bytes: (await stat(out.path)).size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}
