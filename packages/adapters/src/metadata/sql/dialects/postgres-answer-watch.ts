import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Why a statement was given up on: PostgreSQL answered neither it nor a fresh connection, or only its connection went silent (`postgresUnavailable` reads `code`). */
export class NoAnswerError extends Error {
  readonly code = 'LOAM_NO_ANSWER';
}

/** What PostgreSQL's pg_stat_activity says of one of the pool's server processes. */
export interface ServerProcess {
  /** Running a statement (or waiting for a lock): the statement sent is being worked on. */
  readonly active: boolean;
  /** How long it has been in its present state (idle, idle in transaction), by the server's clock. */
  readonly stateMs: number;
  /** How long ago it started, by the server's clock: told apart from another process that got the same id. */
  readonly ageMs: number;
  /** When it started, exactly as PostgreSQL recorded it: this process, not a later one that got the same id. */
  readonly started: string;
  /** When it entered its present state, exactly as PostgreSQL recorded it: whether it did anything since. */
  readonly stateSince: string;
}

/**
 * What `terminate` did with one process: ended it; left it be because it `changed` state since the check
 * (its connection passes bytes again, at least towards PostgreSQL); or could not end it in time (`alive`).
 */
export type TerminateOutcome = 'ended' | 'changed' | 'alive';

/** What a check of PostgreSQL found: silent, or answering (with what it says of the processes asked about, when it could say). */
export type ProbeResult = { readonly answered: false } | { readonly answered: true; readonly processes?: ReadonlyMap<number, ServerProcess> };

/** What `watchAnswers` needs besides the pool. */
export interface AnswerWatchOptions {
  /** The server watched: the pools of one server (the metadata and experiment stores) share what is known of it. */
  readonly server: string;
  /** How long a statement waits for its answer before PostgreSQL is checked, and how long that check waits. */
  readonly answerTimeoutMs: number;
  /**
   * Whether PostgreSQL answers a fresh connection of its own (not the pool's) within `timeoutMs`, and
   * what it says of the server processes `pids` (those of connections waiting for an answer).
   */
  readonly probe: (timeoutMs: number, pids: readonly number[]) => Promise<ProbeResult>;
  /** Told once when PostgreSQL stops answering (with how many of this pool's statements are given up on), and once when it answers again. */
  readonly onSilent: (statements: number) => void;
  readonly onAnswering: () => void;
  /**
   * Ends the server processes of connections that stopped passing answers, each only while it is still
   * the process the check saw and in the same state since the same moment (read in the statement that
   * ends it), so that a statement still on its way to one never runs, one that arrived after the check
   * is never judged not run, a transaction's locks are let go, and no other process that got the same
   * id is ended. Resolves what it did with each process it found; one not found has ended on its own.
   */
  readonly terminate: (processes: ReadonlyArray<{ readonly pid: number; readonly seen: ServerProcess }>, timeoutMs: number) => Promise<ReadonlyMap<number, TerminateOutcome>>;
  /** Told when one connection stopped answering while PostgreSQL answers new ones (the connection is discarded). */
  readonly onLostConnection: (detail: { readonly pid: number; readonly ran: boolean }) => void;
}

interface Waiting {
  readonly since: number;
  /** The connection's server process, and when the connection was made (by this process's clock). */
  readonly pid: number | undefined;
  readonly connectedAt: number | undefined;
  readonly giveUp: (e: Error, notRun?: boolean) => void;
}

interface Watch {
  readonly waiting: Set<Waiting>;
  readonly options: AnswerWatchOptions;
  /** The store is closing: its waiting statements are checked at once, not after answerTimeoutMs. */
  closing: boolean;
}

/** What is known of one server, shared by every pool of this process that talks to it. */
interface Health {
  readonly watches: Set<Watch>;
  readonly timer: NodeJS.Timeout;
  probing: boolean;
  answeredAt: number;
  /** Since when PostgreSQL has answered no check; while set, statements fail at once and it is checked again every tick. */
  silentSince: number | undefined;
}

const healths = new Map<string, Health>();

/**
 * The pool Kysely gets: the same connections, but a statement that waits `answerTimeoutMs` for PostgreSQL
 * makes it check that PostgreSQL answers at all, on a connection of its own.
 *
 * - A server that answers is only slow (a long read, a migration, a lock): its statements run on,
 *   bounded by its own statement_timeout. But where the check sees that the server process of a waiting
 *   connection is not working on it (idle for longer than answerTimeoutMs), that one connection stopped
 *   passing answers (dropped by a network path, TCP would notice in hours): the process is ended, its
 *   statement fails and the connection is discarded. A statement that never reached PostgreSQL, and a
 *   read, sent alone on a checkout outside a transaction, run once more on a fresh connection instead.
 * - A server that does not answer (stopped, frozen, or a network that stopped forwarding, where TCP
 *   keeps the socket open) fails every statement waiting with NoAnswerError and their connections are
 *   closed and discarded: a late answer on one would otherwise be read as the next statement's. From
 *   then until a check is answered again (one runs every tick), statements and connections fail at
 *   once with the same error: a request does not wait twice answerTimeoutMs to learn what is known.
 */
export function watchAnswers(pool: pg.Pool, options: AnswerWatchOptions): PostgresPool & { readonly closing: () => void; readonly stop: () => void } {
  const { answerTimeoutMs } = options;
  const key = `${answerTimeoutMs} ${options.server}`;
  let health = healths.get(key);
  if (health === undefined) {
    const h: Health = { watches: new Set(), timer: setInterval(() => check(h, answerTimeoutMs), Math.max(50, Math.min(1000, answerTimeoutMs / 4))), probing: false, answeredAt: 0, silentSince: undefined };
    h.timer.unref();
    healths.set(key, (health = h));
  }
  const shared = health;
  const watch: Watch = { waiting: new Set(), options, closing: false };
  shared.watches.add(watch);
  const connectedAt = new WeakMap<pg.PoolClient, number>();
  pool.on('connect', (client) => connectedAt.set(client as pg.PoolClient, Date.now()));

  const knownSilent = (): NoAnswerError | undefined =>
    shared.silentSince === undefined
      ? undefined
      : new NoAnswerError(`PostgreSQL did not answer (not since ${new Date(shared.silentSince).toISOString()}; the store checks again until it does)`);

  const wrap = (first: pg.PoolClient): PostgresPoolClient => {
    let client = first;
    /** Why this client was given up on: its transaction's ROLLBACK then fails with the same cause, not "Client was closed". */
    let closed: Error | undefined;
    /** The connection given up on went back to the pool, and no fresh one replaced it. */
    let released = false;
    /** Statements sent on this checkout: only the first may run again elsewhere (later ones may rely on a session setting or lock). */
    let sent = 0;
    const discard = (e: Error): void => {
      closed = e;
      // With a statement in flight, end() closes the socket at once; the statement's own rejection follows and is dropped.
      void client.end().catch(() => undefined);
    };
    const send = (text: string, parameters: unknown[] | undefined, retry: boolean): Promise<unknown> =>
      new Promise((resolve, reject) => {
        // Alone outside a transaction: a fresh connection loses nothing the statement relies on.
        const alone = sent++ === 0 && client.getTransactionStatus() === 'I';
        const w: Waiting = {
          since: Date.now(),
          pid: (client as { processID?: number | null }).processID ?? undefined,
          connectedAt: connectedAt.get(client),
          giveUp: (e, notRun = false) => {
            watch.waiting.delete(w);
            const old = client;
            discard(e);
            // Safe to run again: it never reached PostgreSQL, or it only reads, and it ran alone.
            if (!retry || !alone || !(notRun || /^\s*select\b/i.test(text)) || shared.silentSince !== undefined) return reject(e);
            // The connection given up on goes back as broken first (the pool drops it, and may need its place for the fresh one).
            old.release(true);
            released = true;
            pool.connect().then(
              (fresh) => {
                client = fresh;
                released = false;
                closed = undefined;
                send(text, parameters, false).then(resolve, reject);
              },
              () => reject(e),
            );
          },
        };
        watch.waiting.add(w);
        client.query(text, parameters).then(
          (r) => {
            answering(shared);
            if (watch.waiting.delete(w)) resolve(r);
          },
          (e: unknown) => {
            if (watch.waiting.delete(w)) reject(e);
          },
        );
      });
    const query = (text: unknown, parameters?: unknown[]): unknown => {
      // A cursor (Kysely's streamQuery) is not used by the stores; it passes through unwatched.
      if (typeof text !== 'string') return client.query(text as pg.Submittable);
      if (closed !== undefined) return Promise.reject(closed);
      const silent = knownSilent();
      if (silent !== undefined) {
        // Maybe inside a transaction: the connection goes back as broken rather than with it open.
        closed = silent;
        return Promise.reject(silent);
      }
      return send(text, parameters, true);
    };
    return {
      query: query as PostgresPoolClient['query'],
      // A closed client goes back as broken, so the pool drops it rather than hand it out again.
      release: (destroy?: boolean) => {
        if (!released) client.release(destroy === true || closed !== undefined ? true : undefined);
      },
    };
  };

  return {
    connect: async () => {
      const silent = knownSilent();
      if (silent !== undefined) throw silent;
      // A wrapper per checkout: one that met a dead connection goes on with a fresh one.
      return wrap(await pool.connect());
    },
    end: () => pool.end(),
    closing: () => {
      watch.closing = true;
      const silent = knownSilent();
      if (silent !== undefined) for (const w of [...watch.waiting]) w.giveUp(silent);
      else check(shared, answerTimeoutMs);
    },
    stop: () => {
      shared.watches.delete(watch);
      if (shared.watches.size > 0) return;
      clearInterval(shared.timer);
      healths.delete(key);
    },
  };
}

function answering(health: Health): void {
  if (health.silentSince === undefined) return;
  health.silentSince = undefined;
  for (const w of health.watches) w.options.onAnswering();
}

function check(health: Health, answerTimeoutMs: number): void {
  const now = Date.now();
  if (health.probing) return;
  const watches = [...health.watches];
  const overdue = watches.flatMap((watch) => [...watch.waiting].filter((w) => watch.closing || now - w.since >= answerTimeoutMs));
  // While silent it is checked every tick, so the store answers again as soon as PostgreSQL does.
  if (health.silentSince === undefined && (overdue.length === 0 || (now - health.answeredAt < answerTimeoutMs && !watches.some((w) => w.closing)))) return;
  const probe = watches[0]?.options.probe;
  if (probe === undefined) return;
  health.probing = true;
  const pids = [...new Set(overdue.flatMap((w) => (w.pid === undefined ? [] : [w.pid])))];
  void probe(answerTimeoutMs, pids).then(async (result) => {
    if (result.answered) {
      health.answeredAt = Date.now();
      answering(health);
      // Still probing meanwhile: the next check must not judge the same statements again.
      if (result.processes !== undefined) await giveUpLost(health, overdue, result.processes, answerTimeoutMs).catch(() => undefined);
      health.probing = false;
      return;
    }
    health.probing = false;
    const first = health.silentSince === undefined;
    health.silentSince ??= now;
    const error = new NoAnswerError(`PostgreSQL did not answer (a statement waited ${answerTimeoutMs / 1000} s, then a new connection ${answerTimeoutMs / 1000} s more)`);
    // Every statement waiting on a server that answers nothing is given up on, not only the overdue ones.
    for (const watch of health.watches) {
      const stuck = [...watch.waiting];
      if (first) watch.options.onSilent(stuck.length);
      for (const w of stuck) w.giveUp(error);
    }
  });
}

/**
 * Gives up the statements whose connection stopped passing answers: PostgreSQL answers, but their server
 * process has not been working on them for answerTimeoutMs. The process is ended first, so that what
 * was judged not run never runs, and a transaction's locks are let go at once.
 */
async function giveUpLost(health: Health, overdue: readonly Waiting[], processes: ReadonlyMap<number, ServerProcess>, answerTimeoutMs: number): Promise<void> {
  const now = Date.now();
  const lost: Array<{ readonly w: Waiting; readonly watch: Watch; readonly notRun: boolean; readonly seen: ServerProcess }> = [];
  for (const watch of health.watches) {
    for (const w of overdue) {
      if (!watch.waiting.has(w) || w.pid === undefined || w.connectedAt === undefined) continue;
      const p = processes.get(w.pid);
      // Not listed, or not as old as the connection: not this connection's process (a pooler in between), left be.
      if (p === undefined || p.active || p.stateMs < answerTimeoutMs || Math.abs(p.ageMs - (now - w.connectedAt)) > answerTimeoutMs + 2_000) continue;
      // Idle since before the statement was sent (each span measured on one clock): it never arrived.
      lost.push({ w, watch, notRun: p.stateMs > now - w.since, seen: p });
    }
  }
  if (lost.length === 0) return;
  const seen = new Map(lost.map((l) => [l.w.pid!, l.seen]));
  const outcomes = await lost[0]!.watch.options
    .terminate([...seen].map(([pid, p]) => ({ pid, seen: p })), answerTimeoutMs)
    .catch(() => new Map<number, TerminateOutcome>());
  for (const { w, watch, notRun } of lost) {
    if (!watch.waiting.has(w)) continue;
    const outcome = outcomes.get(w.pid!);
    // It did something since the check (the statement, held on its way, arrived): its connection passes
    // bytes again, so it is not given up on now; the next check judges it afresh.
    if (outcome === 'changed') continue;
    // Not run is certain only once its process has ended with nothing done since the check: the
    // statement may still be on its way, or have arrived and run after the check.
    const certain = notRun && outcome === 'ended';
    watch.options.onLostConnection({ pid: w.pid!, ran: !certain });
    w.giveUp(new NoAnswerError(`PostgreSQL did not answer on one connection while it answers new ones (the connection was closed; the statement ${certain ? 'was not run' : 'may have run'})`), certain);
  }
}
