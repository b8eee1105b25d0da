import { open } from 'node:fs/promises';
import type { RunnerLogLine } from '@loam/contracts';
import { ValidationError } from '@loam/core';
import type { LogPage, LogTailPage } from '@loam/core';
import type { TornLineWarnings } from './torn-lines.js';

/** NextToken for logs: the byte offset to read from, opaque to clients. */
export function encodeLogToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeLogToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const m = /^o:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw new ValidationError(`NextToken '${token.slice(0, 40)}' is not a log token this service issued.`, [{ path: '/NextToken', message: 'invalid token' }]);
  return Number(m[1]);
}

/**
 * Up to `limit` whole lines of a `logs.jsonl` from the byte offset of `token` (at most 4 MB per call), read without
 * blocking the event loop: a reader going through a long log page after page (the Logs API's GetLogEvents and
 * FilterLogEvents) lets other requests in between.
 */
export async function readLogPageAsync(file: string, token: string | undefined, limit: number, torn?: TornLineWarnings): Promise<LogPage> {
  const page = await readLogLinesAt(file, decodeLogToken(token), limit);
  torn?.report(file, page.torn);
  return { lines: page.lines, nextToken: encodeLogToken(page.end), starts: page.starts.map(encodeLogToken) };
}

/**
 * {@link readLogPageAsync} in byte offsets within the file: the lines from `from` on, the offset each starts at
 * (`starts`) and the offset after the last one read (`end`; `from` when none is whole yet). A trailing line without
 * its newline (being written) is left for later. A torn line (not a whole record) is skipped, and where it starts is
 * returned (`torn`) for the caller to report.
 */
export async function readLogLinesAt(file: string, from: number, limit: number): Promise<{ lines: RunnerLogLine[]; starts: number[]; end: number; torn: number[] }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return { lines: [], starts: [], end: from, torn: [] };
  }
  try {
    const buf = Buffer.allocUnsafe(Math.min(4 << 20, Math.max(262144, limit * 256)));
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    const read = buf.subarray(0, bytesRead);
    const lines: RunnerLogLine[] = [];
    const starts: number[] = [];
    const torn: number[] = [];
    let start = 0;
    for (let nl = read.indexOf(0x0a); nl >= 0 && lines.length < limit; nl = read.indexOf(0x0a, start)) {
      const line = parseLine(read, start, nl);
      if (line) {
        lines.push(line);
        starts.push(from + start);
      } else if (line === null) torn.push(from + start);
      start = nl + 1;
    }
    return { lines, starts, end: from + start, torn };
  } finally {
    await fh.close();
  }
}

/** A backward read collects about this much per call (1 MiB) at most, so its cost is a page's, not the log's. */
const TAIL_BYTES = 1 << 20;
/** The first backward read; each next one doubles, up to {@link TAIL_BYTES}. */
const TAIL_CHUNK = 64 << 10;

/**
 * Up to `limit` whole lines of a `logs.jsonl` ending at or before the byte offset of `before` (a token of
 * {@link readLogPageAsync}'s; the end of the file when absent), oldest first, read backwards in growing chunks until
 * `limit` lines or about 1 MiB are in hand: what the newest events of a long log cost. A trailing line without its
 * newline (being written) is left for later, as a forward read leaves it.
 */
export async function readLogTailAsync(file: string, before: string | undefined, limit: number, torn?: TornLineWarnings): Promise<LogTailPage> {
  const to = before === undefined ? undefined : decodeLogToken(before);
  const t = await readLogTailAt(file, to, limit);
  torn?.report(file, t.torn);
  return { lines: t.lines, after: encodeLogToken(t.end), ...(t.start > 0 ? { before: encodeLogToken(t.start) } : {}) };
}

/**
 * {@link readLogTailAsync} in byte offsets within the file: the lines, the offset of the first one returned
 * (`start`, where to read back from next; 0 when none is before), the offset after the last one (`end`) and where
 * the torn lines skipped among them start (`torn`).
 */
export async function readLogTailAt(file: string, to: number | undefined, limit: number): Promise<{ lines: RunnerLogLine[]; start: number; end: number; torn: number[] }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return { lines: [], start: 0, end: 0, torn: [] };
  }
  try {
    const size = (await fh.stat()).size;
    let pos = Math.min(to ?? size, size);
    let buf = Buffer.alloc(0);
    for (let chunk = TAIL_CHUNK; pos > 0; chunk = Math.min(chunk * 2, TAIL_BYTES)) {
      const n = Math.min(chunk, pos);
      const b = Buffer.allocUnsafe(n);
      const { bytesRead } = await fh.read(b, 0, n, pos - n);
      // The file shrank meanwhile (Loam's logs only grow): read it as far as it was read.
      if (bytesRead < n) break;
      pos -= n;
      buf = Buffer.concat([b, buf]);
      // Lines whose start is in hand: each newline ends one, but the first one's start is still unread.
      let newlines = 0;
      for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) newlines++;
      const whole = pos === 0 ? newlines : newlines - 1;
      if (whole >= limit || (buf.length >= TAIL_BYTES && whole >= 1)) break;
    }
    const last = buf.lastIndexOf(0x0a);
    // No whole line before `to` (an empty log, or one still writing its first line): nothing before either.
    if (last < 0) return { lines: [], start: 0, end: pos, torn: [] };
    const first = pos === 0 ? 0 : buf.indexOf(0x0a) + 1;
    const found: { at: number; line: RunnerLogLine }[] = [];
    const tornAt: number[] = [];
    for (let at = first; at <= last; ) {
      const nl = buf.indexOf(0x0a, at);
      const line = parseLine(buf, at, nl);
      if (line) found.push({ at, line });
      else if (line === null) tornAt.push(at);
      at = nl + 1;
    }
    const kept = found.slice(-limit);
    const start = kept[0]?.at ?? first;
    // Only those among the lines returned: one before them is reported by the read that returns its neighbours.
    return { lines: kept.map((f) => f.line), start: pos + start, end: pos + last + 1, torn: tornAt.filter((a) => a >= start).map((a) => pos + a) };
  } finally {
    await fh.close();
  }
}

/**
 * The line between `from` and the newline at `to`; undefined for a blank one, null for a torn one (not a whole
 * record: a write cut short). Readers skip both.
 */
function parseLine(buf: Buffer, from: number, to: number): RunnerLogLine | undefined | null {
  const text = buf.toString('utf8', from, to);
  if (text.trim() === '') return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as RunnerLogLine) : null;
  } catch {
    return null;
  }
}
