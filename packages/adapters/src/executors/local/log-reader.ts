import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { RunnerLogLine } from '@loam/contracts';
import { ValidationError } from '@loam/core';
import type { LogPage } from '@loam/core';

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

/** Reads up to `limit` whole lines of a `logs.jsonl` from a byte offset (at most 4 MB per call). */
export function readLogPage(file: string, token: string | undefined, limit: number): LogPage {
  const offset = decodeLogToken(token);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { lines: [], nextToken: encodeLogToken(offset) };
  }
  try {
    const buf = pageBuffer(limit);
    return linesOf(buf, readSync(fd, buf, 0, buf.length, offset), offset, limit);
  } finally {
    closeSync(fd);
  }
}

/**
 * {@link readLogPage} without blocking the event loop on the read: a reader going through a long log
 * page after page (the Logs API's GetLogEvents and FilterLogEvents) lets other requests in between.
 */
export async function readLogPageAsync(file: string, token: string | undefined, limit: number): Promise<LogPage> {
  const offset = decodeLogToken(token);
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return { lines: [], nextToken: encodeLogToken(offset) };
  }
  try {
    const buf = pageBuffer(limit);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    return linesOf(buf, bytesRead, offset, limit);
  } finally {
    await fh.close();
  }
}

function pageBuffer(limit: number): Buffer {
  return Buffer.allocUnsafe(Math.min(4 << 20, Math.max(262144, limit * 256)));
}

/** The whole lines among the `n` bytes read at `offset` (up to `limit`), and the token after the last. */
function linesOf(buf: Buffer, n: number, offset: number, limit: number): LogPage {
  const lines: RunnerLogLine[] = [];
  let start = 0;
  for (let i = 0; i < n && lines.length < limit; i++) {
    if (buf[i] !== 0x0a) continue;
    const text = buf.toString('utf8', start, i);
    start = i + 1;
    try {
      lines.push(JSON.parse(text) as RunnerLogLine);
    } catch {
      // skip a corrupt line
    }
  }
  return { lines, nextToken: encodeLogToken(offset + start) };
}
