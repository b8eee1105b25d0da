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

  constructor(private readonly file: string) {}

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
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as RunnerEvent);
      } catch {
        // a corrupt line is skipped; the sequence numbers show the gap
      }
    }
    return out;
  }
}
