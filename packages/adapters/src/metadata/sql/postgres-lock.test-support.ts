import { testPostgresUrl } from './postgres-test-schema.js';

/** A table of a test schema held by a transaction of its own, as another session's long read would hold it. */
export interface HeldTable {
  /**
   * Resolves once a statement of another session matching `statement` (ILIKE) has waited for this lock for
   * `ms` on PostgreSQL's own clock; rejects if `work` (resolving to its error, or undefined) ends first.
   */
  waitedOnFor(statement: string, ms: number, work: Promise<unknown>): Promise<void>;
  /** Ends the holding transaction and both sessions (once; later calls do nothing). */
  release(): Promise<void>;
}

/** Takes `lock table <table> in <mode> mode` in `schema` in an open transaction. */
export async function holdTable(schema: string, table: string, mode: string): Promise<HeldTable> {
  const { default: pg } = await import('pg');
  const holder = new pg.Client({ connectionString: testPostgresUrl, options: `-c search_path=${schema}` });
  await holder.connect();
  // Another session watches the waiter (a transaction's view of pg_stat_activity is a snapshot).
  const watcher = new pg.Client({ connectionString: testPostgresUrl });
  await watcher.connect();
  await holder.query('begin');
  await holder.query(`lock table ${table} in ${mode} mode`);
  const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  let released = false;
  return {
    async waitedOnFor(statement, ms, work) {
      let ended = false;
      void work.finally(() => void (ended = true));
      for (let waited = 0; waited < ms;) {
        if (ended) throw (await work) ?? new Error(`the work ended while its '${statement}' should still wait for the lock`);
        await new Promise((r) => setTimeout(r, 100));
        const { rows } = await watcher.query<{ ms: number }>(`select (extract(epoch from clock_timestamp() - query_start) * 1000)::int as ms from pg_stat_activity
          where $1 = any(pg_blocking_pids(pid)) and state = 'active' and query ilike $2`, [holderPid, statement]);
        waited = rows[0]?.ms ?? 0;
      }
    },
    async release() {
      if (released) return;
      released = true;
      await holder.query('rollback').catch(() => undefined);
      await holder.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
    },
  };
}

/** A session of a test's own on a schema, for watching other sessions (an online index build and its waiters). */
export interface WatchingSession {
  /** The session itself (`search_path` is the schema): to hold a write open, end a backend. */
  readonly holder: import('pg').Client;
  /** Runs `text` reading pg_stat_activity afresh (a transaction's view of it is a snapshot). */
  fresh<T>(text: string): Promise<T[]>;
  /** Polls `what` every 20 ms until it finds rows, or until `stop()` (then its last, empty, answer). */
  until<T>(what: () => Promise<T[]>): Promise<T[]>;
  stop(): void;
  /** The pid of an active CREATE INDEX of `indexLike` (an ILIKE pattern) waiting on a lock of `table`. */
  indexBuildWaiting(table: string, indexLike: string): Promise<number>;
  /** Whether a statement starting `insert into "<table>"` waits on `pid` (polled until it does, or `stop()`). */
  writeBlockedBy(table: string, pid: number): Promise<boolean>;
  /** Resolves once backend `pid` is gone (its locks with it: its client may hear of its end first). */
  backendGone(pid: number): Promise<void>;
  /** Ends the session (once; later calls do nothing). */
  close(): Promise<void>;
}

export async function watchingSession(schema: string): Promise<WatchingSession> {
  const { default: pg } = await import('pg');
  const holder = new pg.Client({ connectionString: testPostgresUrl });
  await holder.connect();
  await holder.query(`set search_path to "${schema}"`);
  let stopped = false;
  let closed = false;
  const fresh = async <T>(text: string): Promise<T[]> => {
    await holder.query('select pg_stat_clear_snapshot()');
    return (await holder.query(text)).rows as T[];
  };
  const until = async <T>(what: () => Promise<T[]>): Promise<T[]> => {
    for (;;) {
      const rows = await what();
      if (rows.length > 0 || stopped) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    holder,
    fresh,
    until,
    async indexBuildWaiting(table, indexLike) {
      const [building] = await until(() => fresh<{ pid: number }>(`select pid from pg_stat_activity where query ilike 'create index%${indexLike}%'
        and state = 'active' and wait_event_type is not null and pid in (select pid from pg_locks where relation = '"${schema}".${table}'::regclass)`));
      return building!.pid;
    },
    async writeBlockedBy(table, pid) {
      return (await until(() => fresh(`select pid from pg_stat_activity where query ilike 'insert into "${table}"%' and ${pid} = any(pg_blocking_pids(pid))`))).length > 0;
    },
    async backendGone(pid) {
      await until(() => fresh(`select 1 where not exists (select 1 from pg_stat_activity where pid = ${pid})`));
    },
    stop: () => void (stopped = true),
    async close() {
      if (closed) return;
      closed = true;
      await holder.end().catch(() => undefined);
    },
  };
}
