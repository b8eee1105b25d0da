import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { listenOnLoopback, openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { pool } from './input-fuzz.test-support.js';

/**
 * What every input fuzz shares: its seed (LOAM_FUZZ_SEED replays another run), how many requests are in
 * flight, one request's limit, and a real Loam listening on loopback, opened afresh for each attempt.
 */
export interface FuzzServer {
  readonly seed: number;
  readonly concurrency: number;
  /** One request's limit: past it the request counts as a hang (generous: a loaded 2-core CI box). */
  readonly timeoutMs: number;
  /** The attempt's Loam (set once the attempt's server is up). */
  readonly loam: TestLoam;
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** A signal that aborts a request after {@link timeoutMs}. */
  signal(): AbortSignal;
  /**
   * Runs every task, {@link concurrency} in flight; a task that throws (a timeout, a dropped connection) is
   * reported as `noAnswer(i, error)`. The answers in the tasks' order.
   */
  sendAll<T>(tasks: readonly (() => Promise<T>)[], noAnswer: (i: number, error: unknown) => T): Promise<T[]>;
}

/** Registers the per-attempt server of a fuzz file (call at the top level) with the file's own defaults. */
export function fuzzServer(defaults: { readonly seed: number; readonly timeoutMs: number; readonly concurrency?: number }): FuzzServer {
  let loam: TestLoam | undefined;
  let url: string | undefined;
  serverPerAttempt(async () => {
    loam = await openTestLoam();
    url = await listenOnLoopback(loam);
  }, async () => loam?.close());
  const concurrency = defaults.concurrency ?? 4;
  return {
    seed: Number(process.env.LOAM_FUZZ_SEED ?? defaults.seed),
    concurrency,
    timeoutMs: defaults.timeoutMs,
    get loam() {
      if (!loam) throw new Error('the fuzz server is not up: use it inside a test');
      return loam;
    },
    get url() {
      if (!url) throw new Error('the fuzz server is not up: use it inside a test');
      return url;
    },
    signal: () => AbortSignal.timeout(defaults.timeoutMs),
    sendAll: (tasks, noAnswer) => pool(tasks.map((t, i) => async () => {
      try {
        return await t();
      } catch (e) {
        return noAnswer(i, e);
      }
    }), concurrency),
  };
}
