import { closeSync, openSync, readSync } from 'node:fs';
import type { RunnerEvent } from '@loam/contracts';

/**
 * Reads a runner's `events.jsonl` incrementally: each call returns the complete lines appended since
 * the last one (a half-written last line waits for the next call). Works the same for a runner this
 * process started and one adopted after a restart.
 */
export class EventTail {
  private offset = 0;
  /**
   * The bytes after the last whole line, kept as bytes: a record the disk cut short is finished later by the
   * runner, maybe within a character, and decoding its first part alone garbled that character (U+FFFD).
   */
  private rest: Buffer = Buffer.alloc(0);
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
    const data = Buffer.concat([this.rest, ...chunks]);
    const out: RunnerEvent[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      const lineAt = this.restAt + start;
      const line = data.toString('utf8', start, nl);
      start = nl + 1;
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
    this.rest = Buffer.from(data.subarray(start));
    this.restAt += start;
    return out;
  }
}
