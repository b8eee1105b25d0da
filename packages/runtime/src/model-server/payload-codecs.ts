import { InferenceInputError } from './inference-error.js';

/** Media type without parameters, lower-cased: `text/csv; charset=utf-8` → `text/csv`. */
export function mediaType(h: string | undefined): string {
  if (!h) return '';
  const semi = h.indexOf(';');
  return (semi < 0 ? h : h.slice(0, semi)).trim().toLowerCase();
}

export type PayloadFormat = 'csv' | 'json' | 'jsonlines' | 'libsvm';

const formats: Readonly<Record<string, PayloadFormat>> = {
  'text/csv': 'csv', 'text/x-csv': 'csv', csv: 'csv',
  'application/json': 'json',
  'application/jsonlines': 'jsonlines', 'application/x-jsonlines': 'jsonlines', 'application/jsonl': 'jsonlines',
  'text/libsvm': 'libsvm', 'text/x-libsvm': 'libsvm', 'application/x-libsvm': 'libsvm',
};

/** The payload format for a Content-Type among those `allowed`, or a 415 naming them. */
export function inputFormat(contentType: string | undefined, allowed: readonly PayloadFormat[], algorithm: string, fallback: PayloadFormat): PayloadFormat {
  const t = mediaType(contentType);
  if (t === '') return fallback;
  const f = formats[t];
  if (f && allowed.includes(f)) return f;
  const names = allowed.map((a) => ({ csv: 'text/csv', json: 'application/json', jsonlines: 'application/jsonlines', libsvm: 'text/libsvm' })[a]);
  throw new InferenceInputError(415, `Content type '${contentType}' is not supported by the ${algorithm} model server; use ${names.join(', ')}.`);
}

/** Rows of numbers, each of the model's width (NaN = missing, as XGBoost reads empty CSV cells). */
export interface Rows {
  readonly count: number;
  /** Row-major `count × width`. */
  readonly values: Float32Array;
}

function badCell(row: number, col: number, cell: string): InferenceInputError {
  const shown = cell.length > 40 ? `${cell.slice(0, 40)}…` : cell;
  return new InferenceInputError(400, `Row ${row}, column ${col}: '${shown}' is not a number.`);
}

function widthError(row: number, got: number, width: number): InferenceInputError {
  return new InferenceInputError(400, `Row ${row} has ${got} values; the model expects ${width} features.`);
}

const pow10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Digits grouped by single underscores (`1_000`, `1_0.5`, `1e1_0`), which Python's `float()` also takes. */
const GROUPED = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * A number as Python's `float()` reads it, which is how SageMaker's containers read a cell: a decimal
 * with an optional exponent (digits may be grouped by underscores), or `inf`, `infinity`, `nan` in any
 * case with an optional sign. JavaScript
 * spellings `+text` would also take (`0x10`, `0b1`, `0o7`) are not numbers here: they would be read
 * as other values than the sender meant. `undefined` when the text is not a number.
 */
export function readNumber(text: string): number | undefined {
  const t = text.trim();
  if (DECIMAL.test(t)) return +t;
  if (t.includes('_') && GROUPED.test(t)) return +t.replaceAll('_', '');
  const m = SPECIAL.exec(t);
  if (!m) return undefined;
  if ((m[2] as string).toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

/**
 * One CSV cell `buf[s, e)` that is not a plain decimal (empty or blank = missing; otherwise
 * {@link readNumber}: `undefined` when it is not a number).
 */
function otherCell(buf: Uint8Array, s: number, e: number): number | undefined {
  if (s === e) return NaN;
  const cell = Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
  if (cell.trim().length === 0) return NaN;
  return readNumber(cell);
}

/** Where the cell {@link readCell} last read ended: its comma, or the line's end. */
let cellEnd = 0;

/**
 * The cell starting at `s` of a line ending at `end`, as `+cell` reads it, in one pass. A plain
 * decimal of up to 15 digits with a power of ten within ±22 ends at its comma (or the line's end)
 * and is read from the bytes: the mantissa and the power are both exact doubles, so one
 * multiplication or division rounds correctly (Clinger's fast path). Anything else is found up to
 * its comma and read by {@link otherCell}. Sets {@link cellEnd}.
 */
function readCell(buf: Uint8Array, s: number, end: number): number | undefined {
  // The line's end reads as a comma: both end the cell.
  let i = s;
  let c = i < end ? (buf[i] as number) : 44;
  const neg = c === 45;
  if (neg || c === 43) c = ++i < end ? (buf[i] as number) : 44;
  let m = 0;
  let digits = 0;
  let frac = 0;
  while (c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    digits++;
    c = ++i < end ? (buf[i] as number) : 44;
  }
  if (c === 46) {
    c = ++i < end ? (buf[i] as number) : 44;
    while (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      frac++;
      c = ++i < end ? (buf[i] as number) : 44;
    }
  }
  let exp = 0;
  if ((c === 101 || c === 69) && digits > 0) {
    c = ++i < end ? (buf[i] as number) : 44;
    const eneg = c === 45;
    if (eneg || c === 43) c = ++i < end ? (buf[i] as number) : 44;
    let n = 0;
    while (c >= 48 && c <= 57 && n < 4) {
      exp = exp * 10 + (c - 48);
      n++;
      c = ++i < end ? (buf[i] as number) : 44;
    }
    if (n === 0) c = -1; // `1e`, `1e+`: not a plain decimal
    if (eneg) exp = -exp;
  }
  const scale = exp - frac;
  if (c === 44 && digits > 0 && digits <= 15 && scale >= -22 && scale <= 22) {
    cellEnd = i;
    const v = scale >= 0 ? m * (pow10[scale] as number) : m / (pow10[-scale] as number);
    return neg ? -v : v;
  }
  let e = i;
  while (e < end && buf[e] !== 44) e++;
  cellEnd = e;
  return otherCell(buf, s, e);
}

function cellText(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8');
}

function fieldsIn(buf: Uint8Array, s: number, e: number): number {
  let n = 1;
  for (let i = s; i < e; i++) if (buf[i] === 44) n++;
  return n;
}

/**
 * CSV rows without a label column (SageMaker's inference CSV), read from the bytes into one
 * row-major Float32Array: no per-row strings or arrays. Empty cells are missing values; blank lines
 * are skipped; a trailing `\r` belongs to the line ending. With `scratch`, a payload that fits is read
 * into it (the rows then alias it: valid until its next use); a server reuses one for small requests,
 * as allocating a typed array per request costs more than parsing one row.
 */
export function parseCsv(payload: string | Uint8Array, width: number, scratch?: Float32Array): Rows {
  const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const n = buf.length;
  // Upper bound on rows: one per newline, plus a last line without one.
  let lines = 1;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
  const values = scratch !== undefined && lines * width <= scratch.length ? scratch.subarray(0, lines * width) : new Float32Array(lines * width);
  let r = 0;
  let start = 0;
  while (start < n) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = n;
    const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
    if (end > start) {
      const base = r * width;
      let col = 0;
      for (let cellStart = start; ; cellStart = cellEnd + 1) {
        if (col >= width) throw widthError(r + 1, fieldsIn(buf, start, end), width);
        const v = readCell(buf, cellStart, end);
        if (v === undefined) throw badCell(r + 1, col + 1, cellText(buf, cellStart, cellEnd));
        values[base + col] = v;
        col++;
        if (cellEnd >= end) break;
      }
      if (col !== width) throw widthError(r + 1, col, width);
      r++;
    }
    start = nl + 1;
  }
  if (r === 0) throw new InferenceInputError(400, 'The request has no rows: the CSV body is empty.');
  return { count: r, values: r * width === values.length ? values : values.subarray(0, r * width) };
}

/**
 * One record's features, in any of SageMaker's common JSON request forms (cdf-inference): `[…]`,
 * `{"features": […]}`, `{"data": {"features": {"values": […]}}}` (or `{"data": {"features": […]}}`),
 * or sparse `{"data": {"features": {"keys": […], "values": […], "shape": [n]}}}`, whose absent
 * features read as `absent` (0 for the linear models, missing for GBDT, as for libsvm).
 */
function toRow(v: unknown, r: number, width: number, out: Float32Array, absent: number): void {
  const obj = (x: unknown): Record<string, unknown> | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined);
  const data = obj(obj(v)?.['data']);
  const features: unknown = Array.isArray(v) ? v : data ? data['features'] : obj(v)?.['features'];
  const tensor = obj(features);
  let arr: unknown[] | undefined = Array.isArray(features) ? features : undefined;
  if (tensor && Array.isArray(tensor['values']) && tensor['keys'] === undefined) arr = tensor['values'];
  else if (tensor && Array.isArray(tensor['values']) && Array.isArray(tensor['keys'])) {
    const keys = tensor['keys'];
    const values = tensor['values'];
    const shape = tensor['shape'];
    if (keys.length !== values.length) throw new InferenceInputError(400, `Record ${r + 1}: sparse features have ${keys.length} keys but ${values.length} values.`);
    if (Array.isArray(shape) && shape.length > 0 && shape[0] !== width) throw new InferenceInputError(400, `Record ${r + 1}: sparse features have shape [${String(shape[0])}]; the model expects ${width} features.`);
    out.fill(absent, r * width, (r + 1) * width);
    keys.forEach((k, i) => {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw new InferenceInputError(400, `Record ${r + 1}: sparse key ${JSON.stringify(k)} is not a non-negative integer.`);
      if (k >= width) throw new InferenceInputError(400, `Record ${r + 1}: feature index ${k} is beyond the model's ${width} features (0-based).`);
      const x = values[i];
      if (typeof x !== 'number') throw badCell(r + 1, k + 1, JSON.stringify(x));
      out[r * width + k] = x;
    });
    return;
  }
  if (!arr) throw new InferenceInputError(400, `Record ${r + 1} must be an array of numbers, {"features": [...]} or {"data": {"features": {"values": [...]}}}.`);
  if (arr.length !== width) throw widthError(r + 1, arr.length, width);
  for (let j = 0; j < width; j++) {
    const x = arr[j];
    if (x === null) out[r * width + j] = NaN;
    else if (typeof x === 'number') out[r * width + j] = x;
    else throw badCell(r + 1, j + 1, JSON.stringify(x));
  }
}

/** JSON: `{"instances": [[…], {"features": […]}, {"data": {"features": …}}]}`, `[[…], …]`, one row `[…]` or one record. */
export function parseJson(text: string, width: number, absent = NaN): Rows {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InferenceInputError(400, `The body is not valid JSON: ${(e as Error).message}`);
  }
  let records: unknown[];
  if (Array.isArray(doc)) records = doc.length > 0 && (Array.isArray(doc[0]) || (doc[0] !== null && typeof doc[0] === 'object')) ? doc : [doc];
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { instances?: unknown }).instances)) records = (doc as { instances: unknown[] }).instances;
  else if (doc && typeof doc === 'object' && (Array.isArray((doc as { features?: unknown }).features) || (doc as { data?: unknown }).data !== undefined)) records = [doc];
  else throw new InferenceInputError(400, 'JSON input must be {"instances": [...]}, an array of rows, or one row.');
  if (records.length === 0) throw new InferenceInputError(400, 'The request has no rows: "instances" is empty.');
  const values = new Float32Array(records.length * width);
  records.forEach((rec, r) => toRow(rec, r, width, values, absent));
  return { count: records.length, values };
}

/** JSON Lines: one `[…]`, `{"features": […]}` or `{"data": {"features": …}}` per line. */
export function parseJsonLines(text: string, width: number, absent = NaN): Rows {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new InferenceInputError(400, 'The request has no rows: the JSON Lines body is empty.');
  const values = new Float32Array(lines.length * width);
  lines.forEach((l, r) => {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      throw new InferenceInputError(400, `Line ${r + 1} is not valid JSON: ${(e as Error).message}`);
    }
    toRow(v, r, width, values, absent);
  });
  return { count: lines.length, values };
}

/** libsvm rows (`[label] idx:value …`, 0-based indexes as XGBoost reads them); absent features are missing. */
export function parseLibsvm(text: string, width: number): Rows {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new InferenceInputError(400, 'The request has no rows: the libsvm body is empty.');
  const values = new Float32Array(lines.length * width).fill(NaN);
  lines.forEach((l, r) => {
    const tokens = l.split(/\s+/);
    for (const [k, t] of tokens.entries()) {
      const colon = t.indexOf(':');
      if (colon < 0) {
        if (k === 0 && Number.isFinite(+t)) continue; // a label, ignored at inference
        throw new InferenceInputError(400, `Row ${r + 1}: '${t}' is not an index:value pair.`);
      }
      const idx = /^\d+$/.test(t.slice(0, colon)) ? Number(t.slice(0, colon)) : NaN;
      const v = readNumber(t.slice(colon + 1)) ?? NaN;
      if (!Number.isInteger(idx) || idx < 0) throw new InferenceInputError(400, `Row ${r + 1}: feature index '${t.slice(0, colon)}' is not a non-negative integer.`);
      if (idx >= width) throw new InferenceInputError(400, `Row ${r + 1}: feature index ${idx} is beyond the model's ${width} features (0-based).`);
      if (Number.isNaN(v)) throw badCell(r + 1, idx, t.slice(colon + 1));
      values[r * width + idx] = v;
    }
  });
  return { count: lines.length, values };
}

/** Parses a payload; CSV is read from the bytes (into `scratch` when it fits, see {@link parseCsv}), the other formats from their text. */
export function parseRows(format: PayloadFormat, payload: string | Buffer, width: number, scratch?: Float32Array, sparseAbsent = NaN): Rows {
  if (payload.length === 0) throw new InferenceInputError(400, 'The request body is empty; send at least one row.');
  if (format === 'csv') return parseCsv(payload, width, scratch);
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  switch (format) {
    case 'json': return parseJson(text, width, sparseAbsent);
    case 'jsonlines': return parseJsonLines(text, width, sparseAbsent);
    case 'libsvm': return parseLibsvm(text, width);
  }
}
