import { closeSync, openSync, readSync } from 'node:fs';
import type { RunnerEvent } from '@loam/contracts';

/**
 * Reads a runner's `events.jsonl` incrementally: each call returns the complete lines appended since
 * the last one (a half-written last line waits for the next call). Works the same for a runner this
 * process started and one adopted after a restart.
 */
export class EventTail {
  private offset = 0;
  private rest = '';
  /** Where {@link rest} starts in the file. */
  private restAt = 0;

  /** @param onTorn told where each torn line (not a whole event: a write cut short) starts; the line is skipped. */
  constructor(private readonly file: string, private readonly onTorn?: (offset: number) => void) {}

  read(): RunnerEvent[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return [];
    }
    const chunks: Buffer[] = [];
    try {
      const buf = Buffer.allocUnsafe(65536);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
        this.offset += n;
      }
    } finally {
      closeSync(fd);
    }
    if (chunks.length === 0) return [];
    const text = this.rest + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: RunnerEvent[] = [];
    let at = this.restAt;
    for (const line of lines) {
      const lineAt = at;
      at += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      try {
        const e = JSON.parse(line) as unknown;
        if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new TypeError('not an event');
        out.push(e as RunnerEvent);
      } catch {
        // Skipped (the next event starts on a new line; the sequence numbers show the gap), but said.
        this.onTorn?.(lineAt);
      }
    }
    this.restAt = at;
    return out;
  }
}
