import { MlInputError } from '../errors.js';
import { countFileLines, countLines, forEachFileChunk, forEachStreamChunk, type ByteSource } from './line-chunks.js';
import type { DenseMatrix, LabeledData } from './matrix.js';
import { MatrixBuilder } from './matrix-builder.js';
import { latin1, NumberScanner } from './number-scanner.js';

/** Options of the CSV reader. */
export interface CsvOptions {
  /**
   * Leading label columns: 1 (default) is SageMaker's built-in convention for supervised training
   * (`text/csv`, label first); 0 is `text/csv;label_size=0` (unsupervised training, inference).
   */
  readonly labelSize?: 0 | 1;
  /** The first line holds column names (SageMaker's built-ins expect none; default false). */
  readonly header?: boolean;
  /** One ASCII byte; default `,`. */
  readonly delimiter?: string;
}

/**
 * Reads a CSV of numbers into a column-major matrix and, with `labelSize: 1`, the first column as the
 * label. Empty cells are missing values (NaN); `nan`/`inf` words are accepted; blank lines are
 * skipped. A path is read in 4 MB chunks after a line-count pass, so peak memory is the matrix, not
 * the text.
 * @throws MlInputError naming the row and column of a ragged row, a non-numeric cell or a missing label.
 */
export function readCsv(source: string | Uint8Array, opts: CsvOptions = {}): LabeledData {
  const parser = new CsvParser(opts, typeof source === 'string' ? countFileLines(source) : countLines(source));
  if (typeof source === 'string') forEachFileChunk(source, (v, final) => parser.feed(v, final));
  else parser.feed(source, true);
  return parser.result();
}

/** {@link readCsv} for a stream of byte chunks (the matrix is assembled at the end). */
export async function readCsvStream(source: ByteSource, opts: CsvOptions = {}): Promise<LabeledData> {
  if (typeof source === 'string' || source instanceof Uint8Array) return readCsv(source, opts);
  const parser = new CsvParser(opts);
  await forEachStreamChunk(source, (v, final) => parser.feed(v, final));
  return parser.result();
}

/** Reads a CSV with no label column (`label_size=0`): every column is a feature. */
export function readCsvMatrix(source: string | Uint8Array, opts: Omit<CsvOptions, 'labelSize'> = {}): DenseMatrix {
  return readCsv(source, { ...opts, labelSize: 0 }).x;
}

class CsvParser {
  private readonly labelSize: number;
  private readonly delim: number;
  private headerPending: boolean;
  private names: string[] | undefined;
  private fields = -1;
  private builder: MatrixBuilder | undefined;
  private line = 0;
  private row = 0;

  constructor(opts: CsvOptions, private readonly expectedLines?: number) {
    this.labelSize = opts.labelSize ?? 1;
    const d = opts.delimiter ?? ',';
    if (d.length !== 1 || d.charCodeAt(0) > 127) throw new MlInputError(`CSV delimiter must be one ASCII character; got '${d}'.`, { option: 'delimiter' });
    this.delim = d.charCodeAt(0);
    this.headerPending = opts.header ?? false;
  }

  feed(buf: Uint8Array, final: boolean): void {
    const sc = new NumberScanner(buf);
    const n = buf.length;
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first cell.
    let start = this.line === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    while (start < n) {
      let end = buf.indexOf(10, start);
      if (end < 0) {
        if (!final) throw new Error('internal: CSV chunk without a final newline');
        end = n;
      }
      this.line++;
      let stop = end;
      if (stop > start && buf[stop - 1] === 13) stop--;
      if (!isBlank(buf, start, stop)) this.parseLine(buf, sc, start, stop);
      start = end + 1;
    }
  }

  private parseLine(buf: Uint8Array, sc: NumberScanner, start: number, stop: number): void {
    if (this.headerPending) {
      this.headerPending = false;
      this.names = latin1(buf, start, stop).split(String.fromCharCode(this.delim)).map((s) => s.trim());
      return;
    }
    this.row++;
    if (this.fields < 0) this.start(buf, start, stop);
    const b = this.builder!;
    const row = b.row;
    const fields = this.fields;
    const delim = this.delim;
    const ls = this.labelSize;
    let label = Number.NaN;
    sc.pos = start;
    for (let f = 0; f < fields; f++) {
      let v = sc.number();
      if (sc.failed) {
        let p = sc.pos;
        while (buf[p] === 32 || buf[p] === 9) p++;
        if (p === stop || buf[p] === delim) {
          sc.pos = p;
          v = Number.NaN;
        } else {
          this.fail(`cell '${cellText(buf, p, stop, delim)}' is not a number`, f, buf, start, stop);
        }
      }
      let p = sc.pos;
      while (buf[p] === 32 || buf[p] === 9) p++;
      if (f < fields - 1) {
        if (p >= stop) this.ragged(buf, start, stop);
        if (buf[p] !== delim) this.fail(`cell '${cellText(buf, cellStart(buf, sc.pos, start, delim), stop, delim)}' is not a number`, f, buf, start, stop);
      } else if (p < stop) {
        if (buf[p] === delim) this.ragged(buf, start, stop);
        this.fail(`cell '${cellText(buf, cellStart(buf, sc.pos, start, delim), stop, delim)}' is not a number`, f, buf, start, stop);
      }
      sc.pos = p + 1;
      if (f < ls) label = v;
      else row[f - ls] = v;
    }
    if (ls > 0 && !Number.isFinite(label)) {
      throw new MlInputError(`CSV ${this.where()}: the label (column 1) is ${Number.isNaN(label) ? 'missing or NaN' : label}.`, { row: this.row, column: 1 });
    }
    b.commit(label);
  }

  private start(buf: Uint8Array, start: number, stop: number): void {
    this.fields = countFields(buf, start, stop, this.delim);
    const cols = this.fields - this.labelSize;
    if (cols < 0) throw new MlInputError(`CSV ${this.where()}: expected a label column, found an empty row.`, { row: this.row });
    const expected = this.expectedLines === undefined ? undefined : Math.max(0, this.expectedLines - this.line + 1);
    this.builder = new MatrixBuilder(cols, expected);
  }

  private where(): string {
    return this.row === this.line ? `row ${this.row}` : `row ${this.row} (line ${this.line})`;
  }

  private ragged(buf: Uint8Array, start: number, stop: number): never {
    const got = countFields(buf, start, stop, this.delim);
    throw new MlInputError(`CSV ${this.where()} has ${got} columns; expected ${this.fields} as in the first row.`, { row: this.row, column: Math.min(got, this.fields) + 1 });
  }

  private fail(what: string, f: number, buf: Uint8Array, start: number, stop: number): never {
    // A stray delimiter inside a cell changes the column count: report the raggedness instead.
    if (countFields(buf, start, stop, this.delim) !== this.fields) this.ragged(buf, start, stop);
    throw new MlInputError(`CSV ${this.where()}, column ${f + 1}: ${what}.`, { row: this.row, column: f + 1 });
  }

  result(): LabeledData {
    if (!this.builder) throw new MlInputError('CSV input has no data rows.', {});
    const names = this.names?.slice(this.labelSize);
    const x = this.builder.finish(names && names.length === this.builder.cols ? names : undefined);
    return { x, y: this.labelSize > 0 ? this.builder.finishLabels() : new Float64Array(0) };
  }
}

function isBlank(buf: Uint8Array, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) if (buf[i] !== 32 && buf[i] !== 9) return false;
  return true;
}

function countFields(buf: Uint8Array, start: number, stop: number, delim: number): number {
  let k = 1;
  for (let i = start; i < stop; i++) if (buf[i] === delim) k++;
  return k;
}

function cellStart(buf: Uint8Array, p: number, lineStart: number, delim: number): number {
  let i = p;
  while (i > lineStart && buf[i - 1] !== delim) i--;
  return i;
}

function cellText(buf: Uint8Array, p: number, stop: number, delim: number): string {
  let e = p;
  while (e < stop && buf[e] !== delim) e++;
  const s = latin1(buf, p, e).trim();
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
