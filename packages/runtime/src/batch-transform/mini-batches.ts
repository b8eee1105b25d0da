import type { DataProcessor } from './data-processing.js';
import type { InputRecord } from './records.js';

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

function describeLimit(bytes: number): string {
  return `MaxPayloadInMB ${bytes / (1024 * 1024)} (${bytes} bytes)`;
}

/**
 * Packs a file's records into mini-batches: SingleRecord sends each alone; MultiRecord packs as many
 * as fit under the payload limit, in order. InputFilter applies to each record first; the limit is
 * checked on what is actually sent. @throws PayloadLimitError naming the file and the record.
 */
export function* miniBatches(records: Iterable<InputRecord>, o: BatchOptions): Generator<MiniBatch> {
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
  for (const r of records) {
    let send = o.strategy === 'SingleRecord' ? r.payload : r.framed;
    let text: string | undefined;
    if (o.keepInputs || o.processor?.filtersInput) {
      text = r.framed.toString('utf8').replace(/\r?\n$/, '');
      if (o.processor?.filtersInput) send = Buffer.concat([Buffer.from(o.processor.filterInput(text, `${o.file} ${o.unit} ${r.position}`)), NL]);
    }
    if (o.maxPayloadBytes > 0 && send.length > o.maxPayloadBytes) {
      throw new PayloadLimitError(`${o.file} ${o.unit} ${r.position}: the record is ${send.length} bytes, over ${describeLimit(o.maxPayloadBytes)}.`);
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

/**
 * MultiRecord over lines with nothing to filter or join: mini-batches are slices of the file itself
 * (runs of whole lines under the limit), so nothing is copied. Blank lines end a run and are skipped,
 * as the record splitter skips them; a last line without a newline gets one.
 * @throws PayloadLimitError naming the file and the line.
 */
export function* lineSliceBatches(buf: Buffer, maxPayloadBytes: number, file: string): Generator<MiniBatch> {
  let runStart = -1;
  let runFirst = 0;
  let count = 0;
  let line = 0;
  let pos = 0;
  const limit = maxPayloadBytes > 0 ? maxPayloadBytes : Number.POSITIVE_INFINITY;
  const cut = (end: number): MiniBatch => {
    const body = buf[end - 1] === 10 ? buf.subarray(runStart, end) : Buffer.concat([buf.subarray(runStart, end), NL]);
    const b = { body, count, firstPosition: runFirst, lastPosition: line };
    runStart = -1;
    count = 0;
    return b;
  };
  while (pos < buf.length) {
    let nl = buf.indexOf(10, pos);
    const end = nl < 0 ? buf.length : nl + 1;
    if (nl < 0) nl = buf.length;
    line++;
    const blank = nl === pos || (nl === pos + 1 && buf[pos] === 13);
    const size = end - pos + (nl === buf.length ? 1 : 0);
    if (blank) {
      if (runStart >= 0) yield { ...cut(pos), lastPosition: line - 1 };
    } else {
      if (size > limit) throw new PayloadLimitError(`${file} line ${line}: the record is ${size} bytes, over ${describeLimit(maxPayloadBytes)}.`);
      if (runStart >= 0 && end - runStart + (nl === buf.length ? 1 : 0) > limit) yield { ...cut(pos), lastPosition: line - 1 };
      if (runStart < 0) {
        runStart = pos;
        runFirst = line;
      }
      count++;
    }
    pos = end;
  }
  if (runStart >= 0) yield { ...cut(buf.length), lastPosition: line };
}
