import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { Kysely, SqliteAdapter, SqliteDialect, sql, type DialectAdapter, type Expression, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { ValidationError } from '@loam/core';
import type { SqlColumnKind, SqlDialect } from './sql-dialect.js';
import { reportingUnavailable } from './unavailable.js';

/** Options for the SQLite dialect. */
export interface SqliteDialectOptions {
  /** An absolute file path, or `:memory:`. */
  readonly filename: string;
  /** How long a statement waits for another process's lock, in ms. */
  readonly busyTimeoutMs?: number;
}

const TYPES: Record<SqlColumnKind, string> = {
  key: 'text',
  text: 'text',
  integer: 'integer',
  real: 'real',
  json: 'text',
  version: 'integer',
  timestamp: 'integer',
};

/** Bytes of write-ahead log kept on disk after a checkpoint (SQLite's journal_size_limit). */
export const WAL_SIZE_LIMIT = 16 * 1024 * 1024;

const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);

/**
 * A full disk fails the write and rolls its transaction back; the database stays intact and readable.
 * Another process holding the write lock (SQLITE_BUSY and its extended codes: past busy_timeout, or at once
 * for a transaction that read first) fails the statement, and so its transaction: a retry later may pass.
 */
const sqliteUnavailable = (e: unknown): string | undefined => {
  const code = typeof e === 'object' && e !== null ? String((e as { code?: unknown }).code) : '';
  if (code === 'SQLITE_FULL') return 'the disk holding the SQLite database is full (SQLITE_FULL); free space on it';
  if (code.startsWith('SQLITE_BUSY')) return `another process is writing to the SQLite database (${code})`;
  return undefined;
};

/**
 * SQLite's DDL is transactional, but Kysely's SqliteAdapter says it is not, so its Migrator ran each
 * migration statement by statement, outside any transaction: kill -9 between a migration's CREATE TABLE
 * and the row recording it left a database every later start refused ("table already exists"). Saying
 * so makes the Migrator run a start's pending migrations and their records in one transaction.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** `sqlite:/abs/path.db` or `sqlite::memory:` → the file name. */
export function parseSqliteUrl(url: string): string {
  const rest = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (rest === ':memory:') return rest;
  if (!isAbsolute(rest)) {
    throw new ValidationError(`Metadata store URL '${url}' must name an absolute path (sqlite:/abs/path.db) or sqlite::memory:.`, [
      { path: '/metadata/url', message: 'expected sqlite:/absolute/path.db or sqlite::memory:' },
    ]);
  }
  return rest;
}

/**
 * Kysely prepares every query afresh, and parsing is a large share of a big INSERT (a 1,000-row
 * log-batch spends about a third of its SQLite time there): keep the most recent statements. A
 * statement still being iterated (a stream) is busy, so a second user of the same text gets its own.
 */
function withStatementCache(database: { prepare(sql: string): SqliteStatement & { readonly busy: boolean }; close(): unknown }, size = 32, maxText = 64 * 1024): SqliteDatabase {
  const cache = new Map<string, SqliteStatement & { readonly busy: boolean }>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare(text) {
      // A very long text (a batch INSERT of a rare row count) would hold megabytes for little reuse.
      if (text.length > maxText) return database.prepare(text);
      const hit = cache.get(text);
      if (hit && !hit.busy) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const st = database.prepare(text);
      if (!hit) cache.set(text, st);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
      return st;
    },
  };
}

/**
 * The database file readable by its owner alone (it holds users, key hashes, encrypted secrets): made
 * 0600 before SQLite opens it, which gives its -wal and -shm files the same mode; an existing file with
 * looser permissions is tightened.
 */
function ownerOnly(filename: string): void {
  closeSync(openSync(filename, 'a', 0o600));
  for (const f of [filename, `${filename}-wal`, `${filename}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // -wal / -shm not there yet
    }
  }
}

/**
 * SQLite through better-sqlite3 on one connection: WAL so readers in other processes are never
 * blocked, `synchronous=FULL` so a resolved write survives power loss, and Kysely's connection
 * mutex as the single writer queue.
 */
export async function createSqliteDialect(options: SqliteDialectOptions): Promise<SqlDialect> {
  // Loaded here, not at module load, so a PostgreSQL deployment never needs the native module.
  const { default: Database } = await import('better-sqlite3');
  const memory = options.filename === ':memory:';
  if (!memory) {
    mkdirSync(dirname(options.filename), { recursive: true, mode: 0o700 });
    ownerOnly(options.filename);
  }
  const database = new Database(options.filename);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  // A start's pending migrations are one transaction (TransactionalDdlSqliteAdapter): a backfill rewrites
  // every row of its table into the log, and the log file kept that size (about the database's) for as
  // long as the server ran. The log is cut back to this once a checkpoint has copied it in.
  database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  database.pragma('foreign_keys = ON');
  // SQLite's lower() folds ASCII only; JavaScript's folding matches PostgreSQL's on UTF-8 locales.
  database.function('loam_casefold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
  const db = new Kysely({ dialect: reportingUnavailable(new TransactionalDdlSqliteDialect({ database: withStatementCache(database) }), {
    cause: sqliteUnavailable,
    alreadyRolledBack: (e) => e instanceof Error && e.message === 'cannot rollback - no transaction is active',
  }) });
  return {
    label: memory ? 'sqlite::memory:' : `sqlite:${options.filename}`,
    db,
    capabilities: { skipLocked: false, durable: !memory, statementErrorAbortsTransaction: false, concurrentTransactions: false },
    isTransactionRetryable: () => false,
    columnType: (kind) => sql.raw(TYPES[kind]),
    caseFold: (expr: Expression<unknown>) => sql<string>`loam_casefold(${expr})`,
    isFalse: (e: Expression<unknown>) => sql`${e} = 0`,
    // `->` answers JSON text; each member quoted, as JSON quotes it (SQLite's path reads the same escapes).
    jsonAt: (doc: Expression<unknown>, path: readonly string[]) => sql<string | null>`(${doc} -> ${`$${path.map((m) => `.${JSON.stringify(m)}`).join('')}`})`,
    isUniqueViolation: (e) => typeof e === 'object' && e !== null && UNIQUE_CODES.has(String((e as { code?: unknown }).code)),
    isMissingTable: (e) => e instanceof Error && String((e as { code?: unknown }).code) === 'SQLITE_ERROR' && e.message.startsWith('no such table:'),
    unboundedStatements: async () => {},
    lockUntilEnd: async () => {},
    prepare: async () => {},
    destroy: () => db.destroy(),
  };
}
