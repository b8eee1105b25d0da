import { closeSync, openSync, readSync } from 'node:fs';
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
  let offset = decodeLogToken(token);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { lines: [], nextToken: encodeLogToken(offset) };
  }
  const lines: RunnerLogLine[] = [];
  try {
    const buf = Buffer.allocUnsafe(Math.min(4 << 20, Math.max(262144, limit * 256)));
    const n = readSync(fd, buf, 0, buf.length, offset);
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
    offset += start;
  } finally {
    closeSync(fd);
  }
  return { lines, nextToken: encodeLogToken(offset) };
}
