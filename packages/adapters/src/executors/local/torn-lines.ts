import type { Logger } from '@loam/core';

/** Files warned about are forgotten past this many (a long-lived server reads many jobs' logs). */
const maxFiles = 10_000;

/**
 * Says once per file, in the server's log, that a job's `logs.jsonl` or `events.jsonl` holds a torn line: one
 * that is not a whole record. Only a write cut short makes one (a full disk, a crash or a kill mid-write), and
 * writers start each record on a new line (see log-append.ts), so readers skip it and lose nothing after it;
 * but a record was lost there, and a reader that skipped it silently hid that. Warned once per file, not once
 * per read: the Logs API reads the same bytes again on every page.
 */
export class TornLineWarnings {
  private readonly warned = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** `offsets`: where the torn lines found in `file` start (bytes from its start). */
  report(file: string, offsets: readonly number[]): void {
    if (offsets.length === 0 || this.warned.has(file)) return;
    if (this.warned.size >= maxFiles) this.warned.clear();
    this.warned.add(file);
    this.log.warn({ file, offset: offsets[0], tornLines: offsets.length }, 'job file has a torn line (a write cut short by a full disk or a crash); readers skip it');
  }
}
