import { createHash } from 'node:crypto';
import { Kysely, PostgresAdapter, PostgresDialect, sql, type DialectAdapter, type Expression } from 'kysely';
import { InternalError, ValidationError, silentLogger, type Logger } from '@loam/core';
import type { OnlineIndex, SqlColumnKind, SqlDialect } from './sql-dialect.js';
import { indexKeys } from '../online-index.js';
import { reportingUnavailable } from './unavailable.js';
import { NoAnswerError, watchAnswers, type ProbeResult, type ServerProcess, type TerminateOutcome } from './postgres-answer-watch.js';

/** Options for the PostgreSQL dialect. */
export interface PostgresDialectOptions {
  /** `postgres://user@host:port/db`. */
  readonly url: string;
  /** The schema holding Loam's tables (created if absent). Default `public`. */
  readonly schema?: string;
  /** Pool size. Default 10. */
  readonly maxConnections?: number;
  /**
   * How long PostgreSQL lets one statement run, or a transaction sit idle, before it cancels it (the
   * request then fails as ServiceUnavailable instead of hanging on a lock or a stuck server). Default 60 s.
   */
  readonly statementTimeoutMs?: number;
  /**
   * How long a statement waits for PostgreSQL's answer before the store checks, on a connection of its
   * own, that PostgreSQL answers at all; when that check has no answer within as long again, the
   * statements waiting fail as ServiceUnavailable and their connections are discarded. A server that
   * answers the check is only slow, and its statements (long reads, migrations) run on; but a waiting
   * connection whose server process has been idle as long lost its answers, and is ended and discarded.
   * Once a check went unanswered, statements fail at once until one is answered. Also how long a
   * request waits for a connection (a free pooled one, or a new one answered). Default 5 s.
   */
  readonly answerTimeoutMs?: number;
  /** Told when a migration waits for another server's (see MigrationLockAdapter). */
  readonly logger?: Logger;
}

// Text compares bytewise (code point order) whatever the database locale, as on SQLite and in the fake.
const TYPES: Record<SqlColumnKind, string> = {
  key: 'text collate "C"',
  text: 'text collate "C"',
  integer: 'bigint',
  real: 'double precision',
  json: 'text',
  version: 'integer',
  timestamp: 'bigint',
};

const INT8_OID = 20;
const UNIQUE_VIOLATION = '23505';
const UNDEFINED_TABLE = '42P01';
/** What PostgreSQL answers when its json type cannot read a record's JSON text (see `isJsonRefused`). */
const JSON_REFUSED = new Set(['22P05', '22P02']);
/** serialization_failure and deadlock_detected: PostgreSQL rolled the transaction back; running it again is safe. */
const RETRYABLE = new Set(['40001', '40P01']);
/** A statement cancelled: `statement_timeout`, or an administrator's pg_cancel_backend. */
const QUERY_CANCELED = '57014';
const STATEMENT_TIMEOUT_MS = 60_000;
/**
 * How long a statement waits for an answer before PostgreSQL is checked; also how long a request waits for a
 * pooled connection (pool exhausted, or a server that accepts but never answers a new one).
 */
const ANSWER_TIMEOUT_MS = 5_000;
const KEEPALIVE_IDLE_MS = 10_000;
/**
 * The first of the two keys of `lockUntilEnd`'s advisory locks ('Loam'): PostgreSQL keeps two-key locks apart
 * from one-key ones (the migration lock), and other applications' two-key locks rarely use it.
 */
const TRANSACTION_LOCK_SPACE = 0x4c6f616d;
/** The second key: 32 bits of a hash of the schema and the key (a collision only makes two keys take turns). */
const lockId = (schema: string, key: string) => createHash('sha256').update(`${schema}\u0000${key}`).digest().readInt32BE(0);

/** The key of the session lock of a schema's online index builds. */
const ONLINE_BUILD_LOCK = 'online-index-builds';
/**
 * The two keys of the session lock a server holds while it builds a schema's indexes online (buildIndexesOnline),
 * as pg_locks shows them (`classid`, `objid`: unsigned): `loam doctor` reads an index being built from it.
 */
export function onlineBuildLockKeys(schema: string): { readonly classid: number; readonly objid: number } {
  return { classid: TRANSACTION_LOCK_SPACE >>> 0, objid: lockId(schema, ONLINE_BUILD_LOCK) >>> 0 };
}

// Errors that mean "PostgreSQL cannot serve now" rather than "this statement is wrong": the socket was
// refused or dropped, the pool timed out, or the server is shutting down, starting up, out of disk or
// out of connections (SQLSTATE classes 08 and 53, and 57P01-57P03).
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * What the answers of a PostgreSQL that cannot serve now mean, said as SQLite's full disk is: the answer reaches clients,
 * and PostgreSQL's own message names files. Other codes of those classes are named by their code.
 */
const UNAVAILABLE_CODES: Readonly<Record<string, string>> = {
  '53100': 'the disk holding the PostgreSQL database is full (53100, disk_full); free space on it',
  '53200': 'PostgreSQL is out of memory (53200, out_of_memory)',
  '53300': 'PostgreSQL has no free connection slot (53300, too_many_connections)',
  '57P01': 'PostgreSQL is shutting down (57P01, admin_shutdown)',
  '57P02': 'PostgreSQL is restarting after a crash (57P02, crash_shutdown)',
  '57P03': 'PostgreSQL is starting up or shutting down (57P03, cannot_connect_now)',
};
const DROPPED = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Connection ended)/;
function postgresUnavailable(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = String((e as { code?: unknown }).code ?? '');
  const message = String((e as { message?: unknown }).message ?? '');
  if (e instanceof NoAnswerError) return message;
  if (SOCKET_CODES.has(code)) return `cannot reach PostgreSQL (${code})`;
  if (code === QUERY_CANCELED) return `PostgreSQL cancelled a statement (${code}: ${message})`;
  if (/^(08|53)/.test(code) || /^57P0[123]$/.test(code)) return UNAVAILABLE_CODES[code] ?? `PostgreSQL answered ${code}`;
  // The pool's wait for a connection, and a new connection's wait for PostgreSQL's greeting (connectionTimeoutMillis).
  if (message.startsWith('timeout exceeded when trying to connect')) return 'PostgreSQL did not answer, or no pooled connection was free, in time';
  if (message.startsWith('Connection terminated due to connection timeout')) return 'PostgreSQL did not answer a new connection in time';
  if (DROPPED.test(message)) return 'the connection to PostgreSQL was lost or timed out';
  return undefined;
}

/** Kysely's PostgresAdapter's migration lock: the same key, so servers of every Loam version take turns. */
const MIGRATION_LOCK_ID = sql.lit(BigInt('3853314791062309107'));

/**
 * Kysely's PostgresAdapter, whose migration lock waits as long as another server's migration runs: a
 * session advisory lock taken on a pooled connection, whose wait the pool's statement timeout cancelled
 * (60 s), so a second server starting during a long migration failed with "PostgreSQL cancelled a
 * statement". It says why it waits, and the statement timeout is lifted for the wait only.
 */
class MigrationLockAdapter extends PostgresAdapter {
  constructor(private readonly onWait: () => void) {
    super();
  }

  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${MIGRATION_LOCK_ID}) as locked`.execute(db);
    if (rows[0]?.locked === true) return;
    this.onWait();
    // For this session (the lock is the session's, outside any transaction), then back to the pool's
    // settings: RESET restores what the connection started with.
    await sql`select set_config('statement_timeout', '0', false), set_config('lock_timeout', '0', false)`.execute(db);
    try {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(db);
    } finally {
      await sql`reset statement_timeout`.execute(db);
      await sql`reset lock_timeout`.execute(db);
    }
  }
}

/**
 * SqlDialect.buildIndexesOnline on PostgreSQL. CREATE INDEX CONCURRENTLY takes a lock that lets writes go on,
 * but first commits the index's catalog entry as INVALID and only marks it valid at the end: a build
 * interrupted (the server killed, the connection lost) leaves an INVALID index, which the planner never uses and
 * IF NOT EXISTS would take as built. So each start reads the indexes' state; one missing is built, one INVALID
 * dropped (concurrently too) and built again, with no statement or lock timeout (it runs as long as the table is
 * large, and waits for transactions older than it), each build logged as it starts and ends.
 *
 * The builds of a schema are one server's at a time, under a session lock of their own (another server never
 * drops an index while this one builds it). A start that finds it held leaves the build to the server holding it
 * and goes on (the indexes only speed up lists; every server ran without them before): the servers of a rolling
 * upgrade do not all wait for one build over a large table, and one interrupted is done at a later start. It is
 * asked for with pg_try_advisory_lock, never waited for in a statement, and is not the migrations' lock: a
 * concurrent build waits for every transaction of the database holding a snapshot older than its own, and a
 * statement waiting for a lock holds one, so a server waiting (pg_advisory_lock, or Kysely's Migrator of any Loam
 * version inside its transaction, on any schema of the database) for a lock the building session held made the
 * build wait for it: a deadlock, one of the two starts failing with 40P01.
 */
async function buildIndexesOnline(db: Kysely<any>, schema: string, indexes: readonly OnlineIndex[], log: Logger, label: string): Promise<void> {
  const valid = async (q: Kysely<any>) => new Map((await sql<{ name: string; valid: boolean }>`select c.relname as name, i.indisvalid as valid
    from pg_class c join pg_index i on i.indexrelid = c.oid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relname in (${sql.join(indexes.map((x) => x.name))})`.execute(q)).rows.map((r) => [r.name, r.valid]));
  if (indexes.length === 0) return;
  const before = await valid(db);
  if (indexes.every((x) => before.get(x.name) === true)) return;
  const key = lockId(schema, ONLINE_BUILD_LOCK);
  await db.connection().execute(async (conn) => {
    await sql`select set_config('statement_timeout', '0', false), set_config('lock_timeout', '0', false)`.execute(conn);
    try {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${TRANSACTION_LOCK_SPACE}::int4, ${key}::int4) as locked`.execute(conn);
      if (rows[0]?.locked !== true) {
        log.info({ store: label, indexes: indexes.filter((x) => before.get(x.name) !== true).map((x) => x.name) }, 'another Loam server is building indexes online; starting without waiting for them');
        return;
      }
      try {
        const now = await valid(conn);
        for (const x of indexes) {
          const state = now.get(x.name);
          if (state === true) continue;
          const started = Date.now();
          log.info({ store: label, index: x.name, table: x.table, invalid: state === false }, 'building an index online (CREATE INDEX CONCURRENTLY): writes go on, this start waits for it; progress in pg_stat_progress_create_index');
          if (state === false) await sql`drop index concurrently if exists ${sql.id(schema, x.name)}`.execute(conn);
          await sql`create index concurrently ${sql.id(x.name)} on ${sql.id(schema, x.table)} (${sql.join(indexKeys(x))})`.execute(conn);
          log.info({ store: label, index: x.name, table: x.table, ms: Date.now() - started }, 'index built online');
        }
      } finally {
        await sql`select pg_advisory_unlock(${TRANSACTION_LOCK_SPACE}::int4, ${key}::int4)`.execute(conn);
      }
    } finally {
      await sql`reset statement_timeout`.execute(conn);
      await sql`reset lock_timeout`.execute(conn);
    }
  });
}

/**
 * PostgreSQL through a `pg` Pool. Every connection's `search_path` is the configured schema, so the
 * same unqualified SQL and migrations serve a shared database (one schema per deployment or test run).
 */
export async function createPostgresDialect(options: PostgresDialectOptions): Promise<SqlDialect> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ValidationError(`Metadata store schema '${schema}' must be lower-case letters, digits and underscores.`, [
      { path: '/metadata/schema', message: 'expected [a-z_][a-z0-9_]*' },
    ]);
  }
  // Loaded here so an SQLite deployment never loads `pg`.
  const { default: pg } = await import('pg');
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const answerTimeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: answerTimeoutMs,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    // A server that vanished without closing the socket (a host down, a cut network) is noticed by TCP:
    // an idle pooled connection within about 20 s (Node probes every second, ten times, after the idle
    // delay) rather than the system's 2 h. A connection waiting for an answer is the answer watch's.
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    options: `-c search_path=${schema}`,
    // Epoch-ms timestamps and counts are int8; they fit a JS number (< 2^53), so parse them as one.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // A connection the server drops (a restart, pg_terminate_backend) emits 'error': the pool re-emits it
  // for an idle one, the client itself for one checked out between queries. With no listener either is
  // an uncaught exception that ends the process. The pool discards such a client; the query in flight,
  // if any, is rejected on its own (and becomes ServiceUnavailable below).
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const safeUrl = options.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  const label = `${safeUrl} (schema ${schema})`;
  const log = options.logger ?? silentLogger;
  const watched = watchAnswers(pool, {
    server: options.url,
    answerTimeoutMs,
    probe: (timeoutMs, pids) => answers(pg, options.url, timeoutMs, pids),
    onSilent: (statements) => log.warn({ store: label, answerTimeoutMs, statements }, 'PostgreSQL does not answer; failing the statements waiting for it'),
    onAnswering: () => log.info({ store: label }, 'PostgreSQL answers again'),
    terminate: (processes, timeoutMs) => terminate(pg, options.url, processes, timeoutMs),
    onLostConnection: ({ pid, ran }) => log.warn({ store: label, answerTimeoutMs, pid, ran }, 'a connection to PostgreSQL stopped answering while PostgreSQL answers new ones; discarding it'),
  });
  const adapter = new MigrationLockAdapter(() => log.info({ store: label }, "waiting for another Loam server's migration"));
  const dialect = new (class extends PostgresDialect {
    override createAdapter(): DialectAdapter {
      return adapter;
    }
  })({ pool: watched });
  const db = new Kysely({ dialect: reportingUnavailable(dialect, { cause: postgresUnavailable }) });
  // Text columns are collated "C" (bytewise order), under which lower() folds ASCII only; fold under
  // ICU's root locale when the server has ICU, else under the database's default collation.
  let foldCollation = sql.id('und-x-icu');
  return {
    label,
    db,
    schema,
    capabilities: { skipLocked: true, durable: true, statementErrorAbortsTransaction: true, concurrentTransactions: true },
    columnType: (kind) => sql.raw(TYPES[kind]),
    caseFold: (expr: Expression<unknown>) => sql<string>`lower(${expr} collate ${foldCollation})`,
    isFalse: (e: Expression<unknown>) => sql`${e} is false`,
    // `json` (not jsonb) keeps the stored text of the value, so it parses back to what the record holds.
    jsonAt: (doc: Expression<unknown>, path: readonly string[]) => sql<string | null>`((${doc})::json #> ${[...path]}::text[])::text`,
    // 22P05: \u0000 ('unsupported Unicode escape sequence'); 22P02: a lone surrogate ('invalid input syntax for type json').
    isJsonRefused: (e) => typeof e === 'object' && e !== null && JSON_REFUSED.has(String((e as { code?: unknown }).code)),
    isTransactionRetryable: (e) => typeof e === 'object' && e !== null && RETRYABLE.has(String((e as { code?: unknown }).code)),
    isUniqueViolation: (e) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === UNIQUE_VIOLATION,
    isMissingTable: (e) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === UNDEFINED_TABLE,
    lockUntilEnd: async (tx, key) => {
      if (!tx.isTransaction) throw new InternalError('lockUntilEnd was called outside a transaction.');
      await sql`select pg_advisory_xact_lock(${TRANSACTION_LOCK_SPACE}::int4, ${lockId(schema, key)}::int4)`.execute(tx);
    },
    buildIndexesOnline: (indexes) => buildIndexesOnline(db, schema, indexes, log, label),
    unboundedStatements: async (tx) => {
      // Outside a transaction SET LOCAL only warns and lifts nothing.
      if (!tx.isTransaction) throw new InternalError('unboundedStatements was called outside a transaction.');
      await sql`set local statement_timeout = 0`.execute(tx);
    },
    prepare: async () => {
      try {
        await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      } catch (e) {
        // Two processes creating the schema at once: the loser sees a unique violation; the schema exists.
        if ((e as { code?: unknown }).code !== UNIQUE_VIOLATION) throw e;
      }
      try {
        await sql`select lower('A' collate ${foldCollation})`.execute(db);
      } catch {
        foldCollation = sql.id('default');
      }
    },
    destroy: async () => {
      // The pool's end waits for every checked-out connection: the watch goes on until then, or a
      // statement waiting on a server that stopped answering held the close (`loam up` stopping) for ever.
      // Closing, the waiting statements are checked at once (and given up at once in a known outage).
      watched.closing();
      try {
        await db.destroy();
      } finally {
        watched.stop();
      }
    },
  };
}

/**
 * Whether PostgreSQL answers a connection of its own (outside the pool, whose connections may all be
 * waiting) within `timeoutMs`, and what pg_stat_activity says of the server processes `pids`. An error
 * PostgreSQL sends (too many connections, starting up) is an answer, with nothing said of the processes.
 */
async function answers(pg: typeof import('pg').default, url: string, timeoutMs: number, pids: readonly number[]): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    // Durations on the server's clock, so no clock needs to agree with this machine's.
    const asked = client.connect().then(() =>
      client.query<{ pid: number; active: boolean | null; state_ms: number | null; age_ms: number | null; started: string | null; state_since: string | null }>(
        `select pid, state = 'active' as active,
                (extract(epoch from clock_timestamp() - state_change) * 1000)::float8 as state_ms,
                (extract(epoch from clock_timestamp() - backend_start) * 1000)::float8 as age_ms,
                ${EXACT('backend_start')} as started, ${EXACT('state_change')} as state_since
           from pg_stat_activity where pid = any($1::int[])`,
        [pids],
      ),
    );
    const { rows } = await Promise.race([asked, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), timeoutMs)))]);
    const processes = new Map<number, ServerProcess>();
    // Another role's processes show no state without pg_read_all_stats: nothing is known of them.
    for (const r of rows) {
      if (r.active !== null && r.state_ms !== null && r.age_ms !== null && r.started !== null && r.state_since !== null) {
        processes.set(r.pid, { active: r.active, stateMs: r.state_ms, ageMs: r.age_ms, started: r.started, stateSince: r.state_since });
      }
    }
    return { answered: true, processes };
  } catch (e) {
    return { answered: e instanceof pg.DatabaseError };
  } finally {
    clearTimeout(timer);
    void client.end().catch(() => undefined);
  }
}

/** A pg_stat_activity time as text, to the microsecond PostgreSQL keeps and in no session's settings: compared exactly. */
const EXACT = (column: 'backend_start' | 'state_change'): string => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

/**
 * Ends each server process of `processes` that is still the one seen (the same start) in the same state
 * since the same moment, waiting up to `timeoutMs` for each to end. The processes are read once, before
 * any is signalled, in the statement that ends them: one that did anything after the check (a statement
 * held on its way arrived and ran) is left be as `changed`, and a process that got a gone one's id is not
 * touched. Unchanged since the check, an ended process ran nothing sent after its last state change.
 */
async function terminate(pg: typeof import('pg').default, url: string, processes: ReadonlyArray<{ readonly pid: number; readonly seen: ServerProcess }>, timeoutMs: number): Promise<ReadonlyMap<number, TerminateOutcome>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: 2 * timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number; outcome: TerminateOutcome }>(
      `select a.pid,
              case when ${EXACT('state_change')} is distinct from s.state_since then 'changed'
                   when pg_terminate_backend(a.pid, $4) then 'ended' else 'alive' end as outcome
         from unnest($1::int[], $2::text[], $3::text[]) as s(pid, started, state_since)
         join pg_stat_activity a on a.pid = s.pid and ${EXACT('backend_start')} = s.started`,
      [processes.map((p) => p.pid), processes.map((p) => p.seen.started), processes.map((p) => p.seen.stateSince), timeoutMs],
    );
    return new Map(rows.map((r) => [r.pid, r.outcome]));
  } finally {
    void client.end().catch(() => undefined);
  }
}
