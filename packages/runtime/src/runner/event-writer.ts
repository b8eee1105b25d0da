import { closeSync, openSync, writeSync } from 'node:fs';
import type { RunnerEvent, RunnerLogLine, SecondaryStatusName } from '@loam/contracts';

type Draft<E> = E extends RunnerEvent ? Omit<E, 'seq' | 'time'> : never;

/**
 * The runner's reports: `events.jsonl` (status, metrics, exit; numbered from 1) in its own work
 * directory, and log lines appended to the job's shared `logs.jsonl`. Each record is one `write` on a
 * file opened for appending, so a reader (the executor, possibly after a server restart) never sees
 * half a line from another writer, and nothing depends on the server being alive.
 */
export class EventWriter {
  private seq = 0;
  private readonly events: number;
  private readonly logs: number;
  private exited = false;

  constructor(eventsFile: string, logFile: string, private readonly host: string) {
    this.events = openSync(eventsFile, 'a', 0o600);
    this.logs = openSync(logFile, 'a', 0o600);
  }

  emit(e: Draft<RunnerEvent>): void {
    if (this.exited) return;
    if (e.type === 'exit') this.exited = true;
    const full = { ...e, seq: ++this.seq, time: Date.now() };
    writeSync(this.events, `${JSON.stringify(full)}\n`);
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
    writeSync(this.logs, `${JSON.stringify(rec)}\n`);
  }

  close(): void {
    closeSync(this.events);
    closeSync(this.logs);
  }
}
