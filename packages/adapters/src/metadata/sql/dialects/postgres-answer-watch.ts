import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Why a statement was given up on: PostgreSQL answered neither it nor a fresh connection (`postgresUnavailable` reads `code`). */
export class NoAnswerError extends Error {
  readonly code = 'LOAM_NO_ANSWER';
}

/** What `watchAnswers` needs besides the pool. */
export interface AnswerWatchOptions {
  /** How long a statement waits for its answer before PostgreSQL is checked, and how long that check waits. */
  readonly answerTimeoutMs: number;
  /** Resolves true when PostgreSQL answers a fresh connection of its own (not the pool's) within `timeoutMs`. */
  readonly probe: (timeoutMs: number) => Promise<boolean>;
  /** Told once when PostgreSQL stops answering (with how many statements are given up on), and once when it answers again. */
  readonly onSilent: (statements: number) => void;
  readonly onAnswering: () => void;
}

interface Waiting {
  readonly since: number;
  readonly giveUp: (e: Error) => void;
}

/**
 * The pool Kysely gets: the same connections, but a statement that waits `answerTimeoutMs` for PostgreSQL
 * makes it check that PostgreSQL answers at all, on a connection of its own. A server that answers is only
 * slow (a long read, a migration, a lock): its statements run on, bounded by its own statement_timeout. A
 * server that does not (stopped, frozen, or a network that stopped forwarding, where TCP keeps the socket
 * open) fails every statement waiting since before the check with NoAnswerError, and the connection is
 * closed and discarded: a late answer on it would otherwise be read as the next statement's.
 */
export function watchAnswers(pool: pg.Pool, options: AnswerWatchOptions): PostgresPool & { readonly stop: () => void } {
  const { answerTimeoutMs } = options;
  const waiting = new Set<Waiting>();
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  let probing = false;
  let answeredAt = 0;
  let silent = false;

  const answering = (): void => {
    if (silent) options.onAnswering();
    silent = false;
  };
  const check = (): void => {
    const now = Date.now();
    if (probing || now - answeredAt < answerTimeoutMs) return;
    const overdue = [...waiting].filter((w) => now - w.since >= answerTimeoutMs);
    if (overdue.length === 0) return;
    probing = true;
    void options.probe(answerTimeoutMs).then((answered) => {
      probing = false;
      if (answered) {
        answeredAt = Date.now();
        answering();
        return;
      }
      const stuck = overdue.filter((w) => waiting.has(w));
      if (!silent) options.onSilent(stuck.length);
      silent = true;
      const error = new NoAnswerError(`PostgreSQL did not answer (a statement waited ${answerTimeoutMs / 1000} s, then a new connection ${answerTimeoutMs / 1000} s more)`);
      for (const w of stuck) w.giveUp(error);
    });
  };
  const timer = setInterval(check, Math.max(50, Math.min(1000, answerTimeoutMs / 4)));
  timer.unref();

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    /** Why this client was given up on: its transaction's ROLLBACK then fails with the same cause, not "Client was closed". */
    let closed: Error | undefined;
    const query = (text: unknown, parameters?: unknown[]): unknown => {
      // A cursor (Kysely's streamQuery) is not used by the stores; it passes through unwatched.
      if (typeof text !== 'string') return client.query(text as pg.Submittable);
      if (closed !== undefined) return Promise.reject(closed);
      return new Promise((resolve, reject) => {
        const w: Waiting = {
          since: Date.now(),
          giveUp: (e) => {
            waiting.delete(w);
            closed = e;
            reject(e);
            // With a statement in flight, end() closes the socket at once; the statement's own rejection follows and is dropped.
            void client.end().catch(() => undefined);
          },
        };
        waiting.add(w);
        client.query(text, parameters).then(
          (r) => {
            answering();
            if (waiting.delete(w)) resolve(r);
          },
          (e: unknown) => {
            if (waiting.delete(w)) reject(e);
          },
        );
      });
    };
    return {
      query: query as PostgresPoolClient['query'],
      // A closed client goes back as broken, so the pool drops it rather than hand it out again.
      release: (destroy?: boolean) => client.release(destroy === true || closed !== undefined ? true : undefined),
    };
  };

  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (wrapped === undefined) clients.set(client, (wrapped = wrap(client)));
      return wrapped;
    },
    end: () => pool.end(),
    stop: () => clearInterval(timer),
  };
}
