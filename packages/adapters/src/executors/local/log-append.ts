import { fstatSync, readSync } from 'node:fs';

const newline = Buffer.from('\n');

/**
 * Whether the file open at `fd` (for reading too: `a+`) is empty or ends with a newline, i.e. at a record's
 * end. It does not when a writer was cut short mid-record by a full disk and gave up (a runner that could
 * not wait longer): whatever is appended next would be glued to that half record, and the reader, which
 * skips a line that is not one record, would lose the whole record appended (2026-11-29).
 */
export function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const b = Buffer.alloc(1);
  return readSync(fd, b, 0, 1, size - 1) === 1 && b[0] === 0x0a;
}

/**
 * `record` (one JSON line, newline included) as the bytes to append to the file open at `fd`: preceded by a
 * newline when the file ends in a half record, which then stands alone as a line readers skip.
 */
export function recordToAppend(fd: number, record: Buffer): Buffer {
  return endsWithNewline(fd) ? record : Buffer.concat([newline, record]);
}
