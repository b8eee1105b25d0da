import { randomUUID } from 'node:crypto';
import { realpathSync, type Stats } from 'node:fs';
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidNamespace } from '@loam/adapters/executors/local/proc';
import { linkTarget, unwritable } from './credentials-replace.js';

/** How long locks live and are waited for; the defaults are the ones every writer must share (tests shorten them). */
export interface LockTiming {
  /** A lock whose file has not been touched for this long is stale whoever holds it. */
  readonly staleMs: number;
  /** How long a writer waits for another's lock before failing, naming it. */
  readonly waitMs: number;
  /** How often a holder touches its lock: well under staleMs, so a live holder's lock never turns stale. */
  readonly heartbeatMs: number;
}

/**
 * A rewrite holds the lock for milliseconds; a stalled disk can make it seconds or minutes, and the holder's heartbeat
 * keeps its lock fresh all that time. The wait is past staleMs, so that a lock a crash left, whose owner cannot be told
 * gone (another host's, another pid namespace's), is waited out rather than failed on.
 */
export const credentialsLockTiming: LockTiming = { staleMs: 60_000, waitMs: 75_000, heartbeatMs: 5_000 };

/** The lock a writer holds while it rewrites the file, handed to its update. */
export interface HeldLock {
  /**
   * Resolves when `<target>.lock` still is this writer's lock file (same file, same content); rejects with an error of
   * code `ELOCKLOST` when it was taken over (deleted by hand, or broken as stale by a writer that found it untouched
   * for staleMs): the writer must then not rename its copy over the file another writer may be writing now.
   */
  assertHeld(): Promise<void>;
}

/** Lock paths this process holds or waits for (canonical: queueKey), each with the end of the last update queued on it. */
const queued = new Map<string, Promise<unknown>>();

/** The text of each lock this process holds now: a lock naming our pid is a dead process's only when it is none of these. */
const holding = new Set<string>();

/**
 * The lock path `lock` names with its directory's symbolic links resolved and made absolute: one file named by two paths
 * (a data directory reached through a link, a relative path) is one queue, so its updates in this process wait for
 * each other instead of each taking the other's lock (its pid ours) for a dead process's.
 */
function queueKey(lock: string): string {
  try {
    return join(realpathSync(dirname(lock)), basename(lock));
  } catch {
    return resolve(lock);
  }
}

/**
 * Runs `update` (a read, change and replaceFile of `file`) holding `<target>.lock` beside the file a symbolic link
 * ends at: two data directories whose `credentials` link one shared file (two Loam servers, or a server and `loam
 * admin`) would otherwise each read the file before the other's rename and write back their own copy, one update lost.
 * Updates of one file in this process run one after the other. The lock is created exclusively and holds its owner's
 * pid, host and pid namespace; a lock left by a process that died (its pid gone in our pid namespace on our host, or our
 * own pid on a lock this process does not hold), or untouched for staleMs, is stale and taken over (breakStaleLock). The wait
 * is asynchronous (a server answers other requests meanwhile); while held, the lock's modification time is refreshed
 * every heartbeatMs, so a slow rewrite keeps it.
 */
export async function withFileLock<T>(file: string, update: (held: HeldLock) => Promise<T>, options: { readonly timing?: LockTiming; readonly signal?: AbortSignal } = {}): Promise<T> {
  const lock = `${linkTarget(file)}.lock`;
  const key = queueKey(lock);
  const before = queued.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => lockedUpdate(file, lock, update, options.timing ?? credentialsLockTiming, options.signal));
  const settled = run.catch(() => undefined);
  queued.set(key, settled);
  try {
    return await run;
  } finally {
    if (queued.get(key) === settled) queued.delete(key);
  }
}

async function lockedUpdate<T>(file: string, lock: string, update: (held: HeldLock) => Promise<T>, timing: LockTiming, signal: AbortSignal | undefined): Promise<T> {
  const target = linkTarget(file);
  const deadline = Date.now() + timing.waitMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    signal?.throwIfAborted();
    let handle: FileHandle;
    try {
      handle = await open(lock, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(file, target, e);
      if (await breakStaleLock(lock, timing.staleMs)) continue;
      if (Date.now() > deadline) {
        throw Object.assign(new Error(`Could not update the credentials file ${file}: another process has held its lock ${lock} (${await lockOwner(lock)}) for over ${timing.waitMs / 1000} s. If no Loam process is writing the file, delete ${lock}.`), { code: 'ETIMEDOUT' });
      }
      await sleep(pause, undefined, signal ? { signal } : {});
      continue;
    }
    const held = await Holding.start(file, lock, handle, timing);
    try {
      return await update(held);
    } finally {
      await held.release();
    }
  }
}

/** A lock this process created: touched every heartbeatMs until released, and released only when still ours. */
class Holding implements HeldLock {
  private readonly since = Date.now();
  private touching: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly file: string,
    private readonly lock: string,
    private readonly handle: FileHandle,
    private readonly mine: string,
    private readonly created: Stats,
    timing: LockTiming,
  ) {
    this.timer = setInterval(() => this.touch(), timing.heartbeatMs);
    this.timer.unref();
    holding.add(mine);
  }

  static async start(file: string, lock: string, handle: FileHandle, timing: LockTiming): Promise<Holding> {
    const mine = `${process.pid} ${hostname()} ${lockNamespace()} ${randomUUID()}\n`;
    try {
      await handle.writeFile(mine);
      return new Holding(file, lock, handle, mine, await handle.stat(), timing);
    } catch (e) {
      await handle.close().catch(() => undefined);
      await rm(lock, { force: true });
      throw e;
    }
  }

  /**
   * Touches the lock through its open handle: the file this writer created, whatever is at the path now (a lock taken
   * over and replaced is another writer's, not to be touched). A failed touch is left to assertHeld to find out.
   */
  private touch(): void {
    this.touching = this.touching.then(async () => {
      const now = new Date();
      await this.handle.utimes(now, now).catch(() => undefined);
    });
  }

  async assertHeld(): Promise<void> {
    if (await this.ours()) return;
    const seconds = Math.round((Date.now() - this.since) / 1000);
    throw Object.assign(
      new Error(`Could not update the credentials file ${this.file}: this process held its lock ${this.lock} for ${seconds} s and lost it before writing (the lock there now: ${await lockOwner(this.lock, 'none')}); it was deleted by hand, or taken over as stale by another writer while this one stalled (a slow disk?). This process left the file unchanged: run the command again.`),
      { code: 'ELOCKLOST' },
    );
  }

  /** Whether the lock at the path still is the file this writer created, with the content it wrote. */
  private async ours(): Promise<boolean> {
    try {
      const [now, text] = await Promise.all([stat(this.lock), readFile(this.lock, 'utf8')]);
      return now.ino === this.created.ino && now.dev === this.created.dev && text === this.mine;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.touching;
      await this.handle.close();
      // Not another writer's: ours may have been taken over.
      if (await this.ours().catch(() => false)) await rm(this.lock, { force: true });
    } finally {
      holding.delete(this.mine);
    }
  }
}

/** The text and modification time of `lock`, undefined when it is gone. */
async function lockState(lock: string): Promise<{ text: string; mtimeMs: number } | undefined> {
  try {
    return { text: await readFile(lock, 'utf8'), mtimeMs: (await stat(lock)).mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Removes `lock` when the process that took it is gone or it is untouched for staleMs; true when it is gone now
 * (removed, or released meanwhile). A lock naming our own pid is a process's before us only when it is none of the
 * locks this process holds (holding): updates of one file in this process are queued by its canonical path
 * (withFileLock, queueKey), and one reaching the file by a path that cannot be told apart (a bind mount) waits for ours.
 * Another writer that read the same stale lock may have removed it and taken a new one since: the lock is removed only
 * by the holder of `<lock>.break` (one writer at a time, for two system calls), and only when it still is the lock
 * that was read (same content, same time: a holder's heartbeat changes it), so a live lock is never moved or removed.
 */
async function breakStaleLock(lock: string, staleMs: number): Promise<boolean> {
  const seen = await lockState(lock);
  if (seen === undefined) return true;
  const [pid, host, namespace] = seen.text.split(' ');
  // A lock with our pid that we hold is one another path to this file took (a bind mount queueKey cannot see through).
  const dead = host === hostname() && namespace === lockNamespace() && (Number(pid) === process.pid ? !holding.has(seen.text) : !alive(Number(pid)));
  if (!dead && Date.now() - seen.mtimeMs < staleMs) return false;
  const breaking = `${lock}.break`;
  try {
    await (await open(breaking, 'wx', 0o600)).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another writer is breaking it; or one died doing so and left `breaking`, stale after a while as a lock is.
    try {
      if (Date.now() - (await stat(breaking)).mtimeMs >= staleMs) await rm(breaking, { force: true });
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'ENOENT') throw e2;
    }
    return false;
  }
  try {
    // Its time too: a lock a writer has just created is empty for a moment, as is one whose writer died right then.
    const now = await lockState(lock);
    if (now?.text === seen.text && now.mtimeMs === seen.mtimeMs) await rm(lock, { force: true });
  } finally {
    await rm(breaking, { force: true });
  }
  return true;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This process's pid namespace as a lock records it (`pid:[N]`), '-' where there is none to read. A pid names the same
 * process only within one: a container sharing the file over a bind mount (with the host's hostname: host networking)
 * has its own, in which the host's writer's pid is gone or is its own (1).
 */
function lockNamespace(): string {
  return pidNamespace() ?? '-';
}

async function lockOwner(lock: string, none = 'released since'): Promise<string> {
  try {
    const [pid, host] = (await readFile(lock, 'utf8')).split(' ');
    return pid && host ? `process ${pid} on ${host}` : 'being written';
  } catch {
    return none;
  }
}
