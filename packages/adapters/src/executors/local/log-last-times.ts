import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Bytes of a record: the time in decimal, space-padded, then a newline; rewritten in place, so never torn longer. */
const WIDTH = 20;
const HOST = /^algo-\d{1,6}$/;

/**
 * The file beside a job's `logs.jsonl` that keeps one host's newest line's time (epoch ms): `logs.jsonl.last-<host>`.
 * Kept by the writers of the log as they append (the runner after each line it writes, the executor after a platform
 * line), so a reader learns when a host last wrote without reading the log back to that host's last line: a host
 * quiet since its first lines, beside one that wrote a gigabyte since, costs one small read.
 */
export const lastTimeFile = (logFile: string, host: string): string => `${logFile}.last-${host}`;

/** Opens a host's record for {@link writeLastTime}, without emptying it (a later attempt of the host keeps its time until it writes). */
export function openLastTime(logFile: string, host: string): number {
  return openSync(lastTimeFile(logFile, host), constants.O_RDWR | constants.O_CREAT, 0o600);
}

/** Records `time` as the host's newest line's, in place (one write at offset 0). Never throws: the record is a hint. */
export function writeLastTime(fd: number, time: number): void {
  try {
    writeSync(fd, Buffer.from(`${String(Math.round(time)).padStart(WIDTH - 1, ' ')}\n`), 0, WIDTH, 0);
  } catch {
    // a full disk: a reader without the record reads the log instead
  }
}

/** {@link writeLastTime} for a writer of one line (the executor's platform lines). Never throws. */
export function recordLastTime(logFile: string, host: string, time: number): void {
  if (!HOST.test(host)) return;
  let fd: number | undefined;
  try {
    fd = openLastTime(logFile, host);
    writeLastTime(fd, time);
  } catch {
    // as above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Each host's newest line's time as its writers recorded it, by host; a host without a readable record is absent
 * (a log written before these records were kept: read the log for it).
 */
export async function readLastTimes(logFile: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const prefix = `${basename(logFile)}.last-`;
  let names: string[];
  try {
    names = await readdir(dirname(logFile));
  } catch {
    return out;
  }
  for (const name of names) {
    const host = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!HOST.test(host)) continue;
    try {
      const text = (await readFile(join(dirname(logFile), name), 'utf8')).trim();
      if (/^\d{1,16}$/.test(text)) out.set(host, Number(text));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
