import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ValidationError } from '../../kernel/errors.js';
import type { FileFormat, FileSource } from '../../ports/data-engine.js';
import { CsvScanner } from './csv-scanner.js';
import { sniffCsv, type CsvDialect, type CsvOverrides } from './csv-sniffer.js';
import { JsonLinesScanner } from './jsonl-scanner.js';

/** What the caller may say about a file; everything else is detected. */
export interface ImportHints {
  readonly format?: FileFormat;
  readonly compression?: 'none' | 'gzip';
  readonly csv?: CsvOverrides;
  readonly columnTypes?: Readonly<Record<string, string>>;
  /** Largest field, in bytes (default 16 MiB). */
  readonly maxFieldBytes?: number;
  /** Most bytes a gzip file may expand to (default: 100× its size, at least 1 GiB; see {@link gzipCap}). */
  readonly maxGzipBytes?: number;
}

export interface DetectedFile {
  readonly source: FileSource;
  readonly dialect?: CsvDialect;
  /** Records (CSV: with the header) or lines the pre-check counted. */
  readonly records: number;
}

export const DEFAULT_MAX_FIELD_BYTES = 16 * 1024 * 1024;

/**
 * Most columns a CSV file may have. Typing a column costs the engine one sampled query over every
 * column at once, whose planning grows faster than the column count: 1,000 columns took ~25 s, and a
 * one-line file of 100,000 fields held the import (and its request) for hours.
 */
export const MAX_CSV_COLUMNS = 1000;

/**
 * The most bytes a gzip file of `size` bytes may expand to: 100× its size, at least 1 GiB. Legitimate
 * CSV and JSON Lines compress 3–20×; a gzip bomb (a few MB of one repeated row) reaches ~1000× and
 * would hold the import for minutes (reliability.md S14).
 */
export function gzipCap(size: number): number {
  return Math.max(1024 ** 3, 100 * size);
}
const HEAD_BYTES = 64 * 1024;

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function body(path: string, gzip: boolean): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return gzip ? raw.pipe(createGunzip()) : raw;
}

async function head(path: string, gzip: boolean): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let n = 0;
  const s = body(path, gzip);
  try {
    for await (const c of s as AsyncIterable<Buffer>) {
      chunks.push(c);
      n += c.length;
      if (n >= HEAD_BYTES) break;
    }
  } catch (e) {
    throw new ValidationError(`The file is not valid gzip: ${(e as Error).message}.`);
  } finally {
    s.destroy();
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
}

async function scan(path: string, gzip: boolean, cap: number, size: number, feed: (c: Uint8Array) => void): Promise<void> {
  let expanded = 0;
  try {
    for await (const c of body(path, gzip) as AsyncIterable<Buffer>) {
      expanded += c.length;
      if (gzip && expanded > cap) throw new ValidationError(`The file expands to more than ${cap} bytes when decompressed (it has ${size}): refused as a gzip bomb; import it uncompressed or split it.`);
      feed(c);
    }
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(`The file could not be read${gzip ? ' as gzip' : ''}: ${(e as Error).message}.`);
  }
}

/**
 * Decides how to read a local file and checks all of it before anything is stored: format (Parquet
 * by its `PAR1` magic, JSON Lines by a leading `{`, else delimited text), gzip by its magic, the CSV
 * dialect, and — for text — every record. Errors name the line and byte offset.
 * @throws ValidationException for an empty file, a file that is not the declared format, or a bad record.
 */
export async function detectFile(path: string, size: number, hints: ImportHints = {}): Promise<DetectedFile> {
  if (size === 0) throw new ValidationError('The file is empty (0 bytes): there is nothing to import.');
  const magic = await readRange(path, 0, 4);
  const gzip = hints.compression ? hints.compression === 'gzip' : magic[0] === 0x1f && magic[1] === 0x8b;
  const isParquet = magic.toString('latin1') === 'PAR1';
  if (hints.format === 'parquet' || (!hints.format && isParquet && !gzip)) {
    const tail = await readRange(path, Math.max(0, size - 4), 4);
    if (!isParquet || tail.toString('latin1') !== 'PAR1') {
      const where = !isParquet ? `byte offset 0 holds ${JSON.stringify(magic.toString('latin1'))}` : `byte offset ${size - 4} holds ${JSON.stringify(tail.toString('latin1'))}`;
      throw new ValidationError(`The file is not Parquet: a Parquet file starts and ends with 'PAR1', but ${where}.`);
    }
    return { source: { path, format: 'parquet', ...(hints.columnTypes ? { columnTypes: hints.columnTypes } : {}) }, records: 0 };
  }
  const h = await head(path, gzip);
  const firstChar = h.subarray(h[0] === 0xef ? 3 : 0).toString().trimStart()[0];
  if (firstChar === undefined) throw new ValidationError(`The file is empty: its ${size} bytes hold no records.`);
  const format: FileFormat = hints.format ?? (firstChar === '{' ? 'jsonl' : 'csv');
  const compression = gzip ? 'gzip' : 'none';
  const maxFieldBytes = hints.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  const cap = hints.maxGzipBytes ?? gzipCap(size);
  if (format === 'jsonl') {
    const s = new JsonLinesScanner(maxFieldBytes);
    await scan(path, gzip, cap, size, (c) => s.feed(c));
    const records = s.end();
    return { source: { path, format, compression, ...(hints.columnTypes ? { columnTypes: hints.columnTypes } : {}) }, records };
  }
  const dialect = sniffCsv(h, hints.csv);
  if (dialect.columnNames.length === 0) throw new ValidationError('The file is empty: no header or record was found.');
  if (dialect.columnNames.length > MAX_CSV_COLUMNS) {
    throw new ValidationError(`Line 1 (byte offset 0): ${dialect.columnNames.length} fields; at most ${MAX_CSV_COLUMNS} columns can be imported.`, [{ path: '/Source', message: `line 1: more than ${MAX_CSV_COLUMNS} columns` }]);
  }
  let records = 0;
  if (dialect.encoding !== 'utf-16') {
    const s = new CsvScanner({ ...dialect, width: dialect.columnNames.length, utf8: dialect.encoding === 'utf-8', maxFieldBytes });
    await scan(path, gzip, cap, size, (c) => s.feed(c));
    records = s.end().records;
  }
  return {
    source: {
      path, format: 'csv', compression,
      csv: { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape, header: dialect.header, columnNames: dialect.columnNames, encoding: dialect.encoding, maxLineBytes: Math.max(maxFieldBytes * 2, 2 << 20) },
      ...(hints.columnTypes ? { columnTypes: hints.columnTypes } : {}),
    },
    dialect,
    records,
  };
}
