import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { DataProcessor } from './data-processing.js';
import { restOfLine, type InputRecord } from './records.js';

export type BatchStrategy = 'SingleRecord' | 'MultiRecord';

/** One request's worth of records from one file (mini-batches never cross files). */
export interface MiniBatch {
  readonly body: Buffer;
  readonly count: number;
  /** The original record texts, when predictions are joined to their inputs or filtered per record. */
  readonly inputs?: readonly string[];
  readonly firstPosition: number;
  readonly lastPosition: number;
}

/** A record larger than MaxPayloadInMB: the job fails with a reason naming the file and line. */
export class PayloadLimitError extends Error {
  override readonly name = 'PayloadLimitError';
}

export interface BatchOptions {
  readonly strategy: BatchStrategy;
  /** Bytes; 0 = no limit (MaxPayloadInMB 0: the whole file is one streamed request). */
  readonly maxPayloadBytes: number;
  /** The file as the reason names it (its key below the input prefix). */
  readonly file: string;
  /** Line, or the binary record kinds (for messages). */
  readonly unit: 'line' | 'record';
  readonly processor?: DataProcessor;
  /** Keep each record's original text (for joins and per-record output). */
  readonly keepInputs: boolean;
}

const NL = Buffer.from('\n');

/** The error for a record of `size` bytes over the limit: `<file> <line|record> <n>: the record is … bytes, over MaxPayloadInMB …`. */
export function payloadLimitError(file: string, unit: 'line' | 'record', position: number, size: number, maxPayloadBytes: number): PayloadLimitError {
  return new PayloadLimitError(`${file} ${unit} ${position}: the record is ${size} bytes, over MaxPayloadInMB ${maxPayloadBytes / (1024 * 1024)} (${maxPayloadBytes} bytes).`);
}

/**
 * Packs a file's records into mini-batches: SingleRecord sends each alone; MultiRecord packs as many
 * as fit under the payload limit, in order. InputFilter applies to each record first; the limit is
 * checked on what is actually sent. @throws PayloadLimitError naming the file and the record.
 */
export async function* miniBatches(records: Iterable<InputRecord> | AsyncIterable<InputRecord>, o: BatchOptions): AsyncGenerator<MiniBatch> {
  let parts: Buffer[] = [];
  let inputs: string[] = [];
  let size = 0;
  let first = 0;
  let last = 0;
  const flush = (): MiniBatch => {
    const b: MiniBatch = { body: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size), count: parts.length, firstPosition: first, lastPosition: last, ...(o.keepInputs ? { inputs } : {}) };
    parts = [];
    inputs = [];
    size = 0;
    return b;
  };
  for await (const r of records) {
    let send = o.strategy === 'SingleRecord' ? r.payload : r.framed;
    let text: string | undefined;
    if (o.keepInputs || o.processor?.filtersInput) {
      text = r.framed.toString('utf8').replace(/\r?\n$/, '');
      if (o.processor?.filtersInput) send = Buffer.concat([Buffer.from(o.processor.filterInput(text, `${o.file} ${o.unit} ${r.position}`)), NL]);
    }
    if (o.maxPayloadBytes > 0 && send.length > o.maxPayloadBytes) {
      throw payloadLimitError(o.file, o.unit, r.position, send.length, o.maxPayloadBytes);
    }
    if (parts.length > 0 && (o.strategy === 'SingleRecord' || (o.maxPayloadBytes > 0 && size + send.length > o.maxPayloadBytes))) yield flush();
    if (parts.length === 0) first = r.position;
    parts.push(send);
    if (o.keepInputs) inputs.push(text as string);
    size += send.length;
    last = r.position;
  }
  if (parts.length > 0) yield flush();
}

/** A run of whole lines: bytes `[start, end)` of the buffer, `end` just after a newline (or the buffer's end). */
interface LineRun {
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
}

/**
 * Runs of whole lines under the limit; blank lines end a run and are skipped. `firstLine` is the
 * number of the buffer's first line. @throws PayloadLimitError naming the file and the line.
 */
function* lineRuns(buf: Buffer, maxPayloadBytes: number, file: string, firstLine = 1): Generator<LineRun> {
  let runStart = -1;
  let runFirst = 0;
  let count = 0;
  let line = firstLine - 1;
  let pos = 0;
  const limit = maxPayloadBytes > 0 ? maxPayloadBytes : Number.POSITIVE_INFINITY;
  const cut = (end: number, lastPosition: number): LineRun => {
    const r = { start: runStart, end, count, firstPosition: runFirst, lastPosition };
    runStart = -1;
    count = 0;
    return r;
  };
  while (pos < buf.length) {
    let nl = buf.indexOf(10, pos);
    const end = nl < 0 ? buf.length : nl + 1;
    if (nl < 0) nl = buf.length;
    line++;
    const blank = nl === pos || (nl === pos + 1 && buf[pos] === 13);
    const size = end - pos + (nl === buf.length ? 1 : 0);
    if (blank) {
      if (runStart >= 0) yield cut(pos, line - 1);
    } else {
      if (size > limit) throw payloadLimitError(file, 'line', line, size, maxPayloadBytes);
      if (runStart >= 0 && end - runStart + (nl === buf.length ? 1 : 0) > limit) yield cut(pos, line - 1);
      if (runStart < 0) {
        runStart = pos;
        runFirst = line;
      }
      count++;
    }
    pos = end;
  }
  if (runStart >= 0) yield cut(buf.length, line);
}

function runBatch(buf: Buffer, r: LineRun): MiniBatch {
  const body = buf[r.end - 1] === 10 ? buf.subarray(r.start, r.end) : Buffer.concat([buf.subarray(r.start, r.end), NL]);
  return { body, count: r.count, firstPosition: r.firstPosition, lastPosition: r.lastPosition };
}

/**
 * MultiRecord over lines with nothing to filter or join: mini-batches are slices of the file itself
 * (runs of whole lines under the limit), so nothing is copied. Blank lines end a run and are skipped,
 * as the record splitter skips them; a last line without a newline gets one.
 * @throws PayloadLimitError naming the file and the line.
 */
export function* lineSliceBatches(buf: Buffer, maxPayloadBytes: number, file: string): Generator<MiniBatch> {
  for (const r of lineRuns(buf, maxPayloadBytes, file)) yield runBatch(buf, r);
}

/**
 * {@link lineSliceBatches} read from the file in blocks (at least four payloads each), so a file of
 * any size is read once, front to back, and only a few blocks are held at a time. A block's last run
 * of lines is carried into the next block, where it may grow: the batches are exactly those of the
 * whole file. With no limit (MaxPayloadInMB 0) the file is one batch and is read whole.
 * @throws PayloadLimitError naming the file and the line.
 */
export async function* lineSliceBatchesFromFile(path: string, maxPayloadBytes: number, file: string, block = Math.max(8 << 20, 4 * maxPayloadBytes)): AsyncGenerator<MiniBatch> {
  const blockBytes = Math.max(1, block);
  if (maxPayloadBytes <= 0) {
    yield* lineSliceBatches(await readFile(path), maxPayloadBytes, file);
    return;
  }
  const h = await open(path, 'r');
  try {
    let carry: Buffer = Buffer.alloc(0);
    let line = 1;
    for (;;) {
      // The carried bytes, then the next block read straight after them.
      const data = Buffer.allocUnsafe(carry.length + blockBytes);
      carry.copy(data, 0);
      const { bytesRead } = await h.read(data, carry.length, blockBytes, null);
      const eof = bytesRead === 0;
      const filled = data.subarray(0, carry.length + bytesRead);
      // Whole lines only, unless the file has ended.
      const whole = eof ? filled.length : filled.lastIndexOf(10) + 1;
      const lines = filled.subarray(0, whole);
      const runs = [...lineRuns(lines, maxPayloadBytes, file, line)];
      if (eof) {
        for (const r of runs) yield runBatch(lines, r);
        return;
      }
      // The line still being read is already over the limit: measure it and fail without holding it.
      if (filled.length - whole > maxPayloadBytes) {
        let partial = line;
        for (let i = lines.indexOf(10); i >= 0; i = lines.indexOf(10, i + 1)) partial++;
        throw payloadLimitError(file, 'line', partial, (await restOfLine(h, filled.subarray(whole))).bytes + 1, maxPayloadBytes);
      }
      const held = runs.pop();
      for (const r of runs) yield runBatch(lines, r);
      if (held) {
        carry = filled.subarray(held.start);
        line = held.firstPosition;
      } else {
        // Nothing but blank lines: keep the count of lines passed.
        for (let i = lines.indexOf(10); i >= 0; i = lines.indexOf(10, i + 1)) line++;
        carry = filled.subarray(whole);
      }
    }
  } finally {
    await h.close();
  }
}
