import { closeSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { recordToAppend } from '@loam/adapters/executors/local/log-append';
import { openLastTime, writeLastTime } from '@loam/adapters/executors/local/log-last-times';
import type { RunnerEvent, RunnerLogLine, SecondaryStatusName } from '@loam/contracts';
import { isDiskFull } from './disk-full.js';

type Draft<E> = E extends RunnerEvent ? Omit<E, 'seq' | 'time'> : never;

/** Log bytes kept in memory while the disk is full; lines beyond it are dropped, and counted. */
const maxPendingLogBytes = 4 << 20;
/** Metric events kept in memory while the disk is full (status and exit events are always kept); the rest are dropped, and counted. */
const maxPendingMetricBytes = 1 << 20;
/** How often held records are written again while the disk is full. */
const retryMs = 500;

/**
 * The runner's reports: `events.jsonl` (status, metrics, exit; numbered from 1) in its own work
 * directory, and log lines appended to the job's shared `logs.jsonl`. Each record is one `write` on a
 * file opened for appending, so a reader (the executor, possibly after a server restart) never sees
 * half a line from another writer, and nothing depends on the server being alive.
 *
 * `logs.jsonl` has other writers (the job's other hosts, the executor, a later attempt), so a record the
 * disk cut short must not poison theirs: a record starts on a new line (a newline first when the file ends
 * in someone's half record, left by a writer that gave up), and the rest of one cut short is appended only
 * while nothing was appended after it; otherwise the whole record is written again (its first part stays,
 * a line of its own that readers skip).
 *
 * A full disk (ENOSPC, EDQUOT) never throws here: the runner would die without an outcome, and the
 * job fail as 'runner ended without reporting an outcome' (2026-11-28, disk-full e2e). Records that
 * cannot be written are held in memory, in order (a record cut short by the disk is finished first),
 * and written as soon as space comes back; {@link settle} waits for that before the runner exits.
 * What is held is bounded: log lines past 4 MiB and metric events past 1 MiB are dropped and counted
 * (status and exit events are always kept). The exit event is written last, once every log line
 * reported before it is: the server ends the job on it, and its last lines must be there by then.
 */
export class EventWriter {
  private seq = 0;
  private readonly events: number;
  private readonly logs: number;
  /** This host's newest line's time, kept beside the log (log-last-times.ts): what LastEventTime reads instead of the log. */
  private readonly lastTime: number | undefined;
  /** The time of each held log line, by its record. */
  private readonly lineTimes = new WeakMap<Buffer, number>();
  private exited = false;
  private readonly held = { events: [] as Buffer[], logs: [] as Buffer[] };
  private heldLogBytes = 0;
  private droppedLogLines = 0;
  private heldMetricBytes = 0;
  private droppedMetrics = 0;
  /** The exit event, written only once every log line before it is: a job never ends with its last lines still held. */
  private heldExit: Buffer | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The head of the held log lines when the disk cut it short: how much of it is written, and the file's size then. */
  private cutLog: { record: Buffer; written: number; endAt: number } | undefined;
  /** The last full-disk error met (its code names it in the note on dropped lines). */
  private diskFull: NodeJS.ErrnoException | undefined;

  constructor(eventsFile: string, logFile: string, private readonly host: string) {
    this.events = openSync(eventsFile, 'a', 0o600);
    // Read too: a record is appended on a new line (see recordToAppend).
    this.logs = openSync(logFile, 'a+', 0o600);
    try {
      this.lastTime = openLastTime(logFile, host);
    } catch {
      // a full disk: readers of this host's last line read the log instead
    }
  }

  emit(e: Draft<RunnerEvent>): void {
    if (this.exited) return;
    if (e.type === 'exit') this.exited = true;
    // A metric parsed from every log line would otherwise grow without bound while the disk is full.
    if (e.type === 'metric' && this.heldMetricBytes >= maxPendingMetricBytes) {
      this.droppedMetrics++;
      return;
    }
    const b = Buffer.from(`${JSON.stringify({ ...e, seq: ++this.seq, time: Date.now() })}\n`);
    if (e.type === 'metric') this.heldMetricBytes += b.length;
    if (e.type === 'exit') this.heldExit = b;
    else this.held.events.push(b);
    this.drain();
  }

  status(status: SecondaryStatusName, message?: string): void {
    this.emit({ type: 'status', status, ...(message ? { message } : {}) });
  }

  metric(name: string, value: number): void {
    this.emit({ type: 'metric', name, value });
  }

  log(stream: RunnerLogLine['stream'], line: string): void {
    // Very long lines are cut so one line stays one atomic append.
    const rec: RunnerLogLine = { time: Date.now(), host: this.host, stream, line: line.length > 16_384 ? `${line.slice(0, 16_384)}…` : line };
    const b = Buffer.from(`${JSON.stringify(rec)}\n`);
    this.lineTimes.set(b, rec.time);
    if (this.heldLogBytes + b.length > maxPendingLogBytes) {
      this.droppedLogLines++;
      return;
    }
    this.held.logs.push(b);
    this.heldLogBytes += b.length;
    this.drain();
  }

  /** The code of the last full-disk refusal met (`ENOSPC`, `EDQUOT`), if any. */
  get diskFullCode(): 'ENOSPC' | 'EDQUOT' | undefined {
    const c = this.diskFull?.code;
    return c === 'ENOSPC' || c === 'EDQUOT' ? c : undefined;
  }

  /** Whether records wait for disk space. */
  get holding(): boolean {
    return this.held.events.length > 0 || this.held.logs.length > 0 || this.heldExit !== undefined;
  }

  /**
   * Waits until every held record is written (the exit event included), then makes the events file
   * durable (fsync), so the outcome is on disk before the runner exits. A full disk is waited out for
   * up to `maxWaitMs`, or `afterStopMs` once `signal` is aborted (a stop must not wait for space: the
   * executor reports a stopped runner that ends without an outcome as Stopped). When the wait is over
   * the exit event is written even if log lines before it are still held (those are lost).
   * @returns whether everything (the exit event above all) was written; false when the disk stayed full.
   * @throws any write error other than a full disk.
   */
  async settle(o: { maxWaitMs: number; signal?: AbortSignal; afterStopMs?: number }): Promise<boolean> {
    const start = Date.now();
    let end = start + o.maxWaitMs;
    const onStop = () => (end = Math.min(end, Date.now() + (o.afterStopMs ?? 0)));
    if (o.signal?.aborted) onStop();
    o.signal?.addEventListener('abort', onStop, { once: true });
    try {
      while (this.holding && Date.now() < end) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.min(retryMs, end - Date.now()))));
        this.drain();
      }
    } finally {
      o.signal?.removeEventListener('abort', onStop);
    }
    if (this.heldExit) {
      // Out of time: the outcome matters more than the lines before it.
      this.heldLogBytes = 0;
      this.held.logs.length = 0;
      this.cutLog = undefined;
      this.droppedLogLines = 0;
      this.droppedMetrics = 0;
      this.drain();
    }
    try {
      fsyncSync(this.events);
    } catch {
      // the records are written; only their durability across a machine crash is in question
    }
    return !this.holding;
  }

  close(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    closeSync(this.events);
    closeSync(this.logs);
    if (this.lastTime !== undefined) closeSync(this.lastTime);
  }

  /** Writes what is held, in order, until done or the disk is full again (then retried every {@link retryMs}). */
  private drain(): void {
    this.write(this.events, this.held.events);
    if (this.held.events.length === 0) this.heldMetricBytes = 0;
    this.writeLogs();
    if (this.held.logs.length === 0 && this.held.events.length === 0 && (this.droppedLogLines > 0 || this.droppedMetrics > 0)) {
      const n = this.droppedLogLines;
      const m = this.droppedMetrics;
      this.droppedLogLines = 0;
      this.droppedMetrics = 0;
      const what = [n > 0 ? `${n} log line(s)` : '', m > 0 ? `${m} metric value(s)` : ''].filter(Boolean).join(' and ');
      this.log('platform', `${what} were dropped while the disk was full (${this.diskFull?.code ?? 'ENOSPC'}).`);
    }
    // The outcome last: after every event and log line reported before it (the server ends the job on it).
    if (this.heldExit && this.held.events.length === 0 && this.held.logs.length === 0) {
      this.held.events.push(this.heldExit);
      this.heldExit = undefined;
      this.write(this.events, this.held.events);
    }
    if (!this.holding) {
      if (this.retryTimer) clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    } else {
      this.retryTimer ??= setInterval(() => {
        try {
          this.drain();
        } catch {
          // another write error: the next record, or settle(), meets it again and throws it
        }
      }, retryMs);
    }
  }

  /** Writes queued buffers to `fd`; a partly written one keeps its rest at the head, to be finished first. */
  private write(fd: number, queue: Buffer[]): void {
    while (queue.length > 0) {
      const b = queue[0] as Buffer;
      const n = this.tryWrite(fd, b);
      if (n === undefined) return;
      if (n < b.length) queue[0] = b.subarray(n);
      else queue.shift();
    }
  }

  /**
   * Writes the held log lines in order. A record cut short is finished only if the file still ends where its
   * part did; once another writer appended after that part, the record is written whole again, on a new line.
   */
  private writeLogs(): void {
    const queue = this.held.logs;
    let newest: number | undefined;
    while (queue.length > 0) {
      const record = queue[0] as Buffer;
      const cut = this.cutLog?.record === record ? this.cutLog : undefined;
      const rest = cut !== undefined && fstatSync(this.logs).size === cut.endAt;
      const b = rest ? record.subarray(cut.written) : recordToAppend(this.logs, record);
      const n = this.tryWrite(this.logs, b);
      if (n === undefined) break;
      if (n < b.length) {
        // Of the record itself: what the newline before it (if any) did not take.
        const written = (rest ? cut.written : 0) + Math.max(0, n - (b.length - (rest ? record.length - cut.written : record.length)));
        this.cutLog = { record, written, endAt: fstatSync(this.logs).size };
        continue;
      }
      this.cutLog = undefined;
      queue.shift();
      this.heldLogBytes -= record.length;
      newest = this.lineTimes.get(record) ?? newest;
    }
    // After the lines: a reader that finds this time finds the line in the log too.
    if (newest !== undefined && this.lastTime !== undefined) writeLastTime(this.lastTime, newest);
  }

  /** One write; undefined when the disk refused it (held for later). */
  private tryWrite(fd: number, b: Buffer): number | undefined {
    try {
      return writeSync(fd, b);
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      this.diskFull = e as NodeJS.ErrnoException;
      return undefined;
    }
  }
}
