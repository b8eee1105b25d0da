import type { Logger } from '@loam/core';

/** Files warned about are forgotten past this many (a long-lived server reads many jobs' logs). */
const maxFiles = 10_000;

/** Torn lines warned about one by one in a file; past this many, one more warning says that further ones are not. */
export const maxTornLineWarningsPerFile = 10;

interface FileWarnings {
  /** Offsets of the torn lines warned about (at most {@link maxTornLineWarningsPerFile}). */
  readonly offsets: Set<number>;
  /** Whether the warning that further torn lines go unsaid was given. */
  capped: boolean;
}

/**
 * Says once per torn line, in the server's log, that a job's `logs.jsonl` or `events.jsonl` holds one: a line
 * that is not a whole record. Only a write cut short makes one (a full disk, a crash or a kill mid-write), and
 * writers start each record on a new line (see log-append.ts), so readers skip it and lose nothing after it;
 * but a record was lost there, and a reader that skipped it silently hid that. Warned once per torn line (by
 * its offset in the file), not once per read: the Logs API reads the same bytes again on every page. A file
 * torn again and again (a disk that stays full) gets {@link maxTornLineWarningsPerFile} warnings, then one
 * saying that further torn lines are not warned about.
 */
export class TornLineWarnings {
  private readonly warned = new Map<string, FileWarnings>();

  constructor(private readonly log: Logger) {}

  /**
   * Forgets what was said of `file`: it is made anew (a RetryStrategy attempt's events.jsonl replaces the ended
   * attempt's at the same path), and its torn lines, at whatever offsets, are new ones.
   */
  forget(file: string): void {
    this.warned.delete(file);
  }

  /** `offsets`: where the torn lines found in `file` start (bytes from its start). */
  report(file: string, offsets: readonly number[]): void {
    if (offsets.length === 0) return;
    let w = this.warned.get(file);
    if (w === undefined) {
      if (this.warned.size >= maxFiles) this.warned.clear();
      w = { offsets: new Set(), capped: false };
      this.warned.set(file, w);
    }
    for (const offset of offsets) {
      if (w.offsets.has(offset)) continue;
      if (w.offsets.size < maxTornLineWarningsPerFile) {
        w.offsets.add(offset);
        this.log.warn({ file, offset, tornLines: w.offsets.size }, 'job file has a torn line (a write cut short by a full disk or a crash); readers skip it');
      } else if (!w.capped) {
        w.capped = true;
        this.log.warn({ file, offset, tornLines: w.offsets.size + 1 }, 'job file has more torn lines than are warned about one by one; further ones are skipped without a warning');
      }
    }
  }
}
