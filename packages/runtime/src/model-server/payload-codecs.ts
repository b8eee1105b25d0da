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

/**
 * CSV rows without a label column (SageMaker's inference CSV). Empty cells are missing values. The
 * single-row case is the hot path of a real-time endpoint, so this scans the string once.
 */
export function parseCsv(text: string, width: number): Rows {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 10) {
      let end = i;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      if (end > start) lines.push(text.slice(start, end));
      start = i + 1;
    }
  }
  const values = new Float32Array(lines.length * width);
  for (let r = 0; r < lines.length; r++) {
    const line = lines[r] as string;
    let col = 0;
    let cellStart = 0;
    for (let i = 0; i <= line.length; i++) {
      if (i < line.length && line.charCodeAt(i) !== 44) continue;
      if (col >= width) throw widthError(r + 1, line.split(',').length, width);
      const cell = line.slice(cellStart, i);
      let v: number;
      if (cell.length === 0 || cell.trim().length === 0) v = NaN;
      else {
        v = +cell;
        if (v !== v && cell.trim().toLowerCase() !== 'nan') throw badCell(r + 1, col + 1, cell);
      }
      values[r * width + col] = v;
      col++;
      cellStart = i + 1;
    }
    if (col !== width) throw widthError(r + 1, col, width);
  }
  if (lines.length === 0) throw new InferenceInputError(400, 'The request has no rows: the CSV body is empty.');
  return { count: lines.length, values };
}

function toRow(v: unknown, r: number, width: number, out: Float32Array): void {
  const arr = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { features?: unknown }).features) ? (v as { features: unknown[] }).features : undefined;
  if (!arr) throw new InferenceInputError(400, `Record ${r + 1} must be an array of numbers or {"features": [...]}.`);
  if (arr.length !== width) throw widthError(r + 1, arr.length, width);
  for (let j = 0; j < width; j++) {
    const x = arr[j];
    if (x === null) out[r * width + j] = NaN;
    else if (typeof x === 'number') out[r * width + j] = x;
    else throw badCell(r + 1, j + 1, JSON.stringify(x));
  }
}

/** JSON: `{"instances": [[…], {"features": […]}]}`, `[[…], …]` or one row `[…]`. */
export function parseJson(text: string, width: number): Rows {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InferenceInputError(400, `The body is not valid JSON: ${(e as Error).message}`);
  }
  let records: unknown[];
  if (Array.isArray(doc)) records = doc.length > 0 && (Array.isArray(doc[0]) || (doc[0] !== null && typeof doc[0] === 'object')) ? doc : [doc];
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { instances?: unknown }).instances)) records = (doc as { instances: unknown[] }).instances;
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { features?: unknown }).features)) records = [doc];
  else throw new InferenceInputError(400, 'JSON input must be {"instances": [...]}, an array of rows, or one row.');
  if (records.length === 0) throw new InferenceInputError(400, 'The request has no rows: "instances" is empty.');
  const values = new Float32Array(records.length * width);
  records.forEach((rec, r) => toRow(rec, r, width, values));
  return { count: records.length, values };
}

/** JSON Lines: one `[…]` or `{"features": […]}` per line. */
export function parseJsonLines(text: string, width: number): Rows {
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
    toRow(v, r, width, values);
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
      const idx = Number(t.slice(0, colon));
      const v = Number(t.slice(colon + 1));
      if (!Number.isInteger(idx) || idx < 0) throw new InferenceInputError(400, `Row ${r + 1}: feature index '${t.slice(0, colon)}' is not a non-negative integer.`);
      if (idx >= width) throw new InferenceInputError(400, `Row ${r + 1}: feature index ${idx} is beyond the model's ${width} features (0-based).`);
      if (Number.isNaN(v)) throw badCell(r + 1, idx, t.slice(colon + 1));
      values[r * width + idx] = v;
    }
  });
  return { count: lines.length, values };
}

export function parseRows(format: PayloadFormat, text: string, width: number): Rows {
  if (text.length === 0) throw new InferenceInputError(400, 'The request body is empty; send at least one row.');
  switch (format) {
    case 'csv': return parseCsv(text, width);
    case 'json': return parseJson(text, width);
    case 'jsonlines': return parseJsonLines(text, width);
    case 'libsvm': return parseLibsvm(text, width);
  }
}
