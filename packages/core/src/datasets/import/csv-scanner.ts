import { ValidationError } from '../../kernel/errors.js';

export interface CsvScanOptions {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  /** Fields every record must have. */
  readonly width: number;
  /** Check UTF-8 validity (off for Latin-1). */
  readonly utf8: boolean;
  /** Largest field in bytes. */
  readonly maxFieldBytes: number;
  /** Bytes of byte-order mark to skip at the start (still counted in offsets). */
  readonly bomBytes: number;
}

export interface CsvScanResult {
  /** Records, the header included. */
  readonly records: number;
  readonly bytes: number;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * A streaming check of a whole delimited file before anything is stored: every record has the same
 * number of fields, the bytes are valid UTF-8, no field is larger than the limit, quotes are closed.
 * Errors name the line (1-based, physical) and the byte offset (0-based, from the file's first byte,
 * after decompression), so a user can open the file at the exact spot. Pure byte-level work: no
 * string is built, so a 100 MB field costs no memory.
 */
export class CsvScanner {
  private offset = 0;
  private line = 1;
  private recordLine = 1;
  private recordOffset = 0;
  private fields = 0;
  private fieldBytes = 0;
  private inQuotes = false;
  private afterQuote = false;
  private escaped = false;
  private records = 0;
  private recordEmpty = true;
  private utf8Need = 0;
  private utf8Start = 0;
  private pendingCR = false;
  private readonly d: number;
  private readonly q: number;
  private readonly e: number;

  constructor(private readonly o: CsvScanOptions) {
    this.d = o.delimiter.charCodeAt(0);
    this.q = o.quote === '' ? -1 : o.quote.charCodeAt(0);
    this.e = o.escape === '' ? -1 : o.escape.charCodeAt(0);
  }

  private fail(what: string, line = this.line, offset = this.offset): never {
    throw new ValidationError(`Line ${line} (byte offset ${offset}): ${what}`, [{ path: '/Source', message: `line ${line}, byte ${offset}: ${what}` }]);
  }

  private endRecord(): void {
    if (this.recordEmpty && this.fields === 0) return; // blank line
    const n = this.fields + 1;
    if (n !== this.o.width) this.fail(`expected ${this.o.width} fields, found ${n} (a ragged row).`, this.recordLine, this.recordOffset);
    this.records++;
  }

  private utf8(b: number): void {
    if (this.utf8Need > 0) {
      if ((b & 0xc0) !== 0x80) this.fail(`invalid UTF-8: byte 0x${b.toString(16)} breaks the sequence started at byte ${this.utf8Start}. If the file is Latin-1, import it with Encoding 'latin-1'.`);
      this.utf8Need--;
      return;
    }
    if (b === 0) this.fail("a NUL byte (0x00), which a UTF-8 text file does not hold. If the file is UTF-16 (two bytes a character, here without a byte-order mark), import it with Encoding 'utf-16'.");
    if (b < 0x80) return;
    this.utf8Start = this.offset;
    if (b >= 0xc2 && b <= 0xdf) this.utf8Need = 1;
    else if (b >= 0xe0 && b <= 0xef) this.utf8Need = 2;
    else if (b >= 0xf0 && b <= 0xf4) this.utf8Need = 3;
    else this.fail(`invalid UTF-8: byte 0x${b.toString(16)} cannot start a character. If the file is Latin-1, import it with Encoding 'latin-1'.`);
  }

  feed(chunk: Uint8Array): void {
    const { d, q, e } = this;
    const check = this.o.utf8;
    const max = this.o.maxFieldBytes;
    for (let i = 0; i < chunk.length; i++, this.offset++) {
      const b = chunk[i] as number;
      if (this.offset < this.o.bomBytes) continue;
      if (check) this.utf8(b);
      if (this.pendingCR) {
        this.pendingCR = false;
        if (b === NL) continue;
      }
      if (this.recordEmpty && this.fields === 0 && this.fieldBytes === 0 && !this.inQuotes) {
        this.recordLine = this.line;
        this.recordOffset = this.offset;
      }
      if (this.inQuotes) {
        if (this.escaped) { this.escaped = false; this.grow(max); continue; }
        if (b === e && e !== q) { this.escaped = true; continue; }
        if (b === q) { this.inQuotes = false; this.afterQuote = true; continue; }
        if (b === NL) this.line++;
        this.grow(max);
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (b === q && e === q) { this.inQuotes = true; this.grow(max); continue; }
      }
      if (b === d) { this.fields++; this.fieldBytes = 0; this.recordEmpty = false; continue; }
      if (b === NL || b === CR) {
        this.endRecord();
        this.line++;
        this.fields = 0;
        this.fieldBytes = 0;
        this.recordEmpty = true;
        this.pendingCR = b === CR;
        continue;
      }
      if (b === q && this.fieldBytes === 0) { this.inQuotes = true; this.recordEmpty = false; continue; }
      this.recordEmpty = false;
      this.grow(max);
    }
  }

  private grow(max: number): void {
    this.recordEmpty = false;
    if (++this.fieldBytes > max) this.fail(`a field is larger than ${max} bytes (field ${this.fields + 1} of the record starting at line ${this.recordLine}).`);
  }

  end(): CsvScanResult {
    if (this.inQuotes) this.fail(`a quoted field opened on line ${this.recordLine} is never closed.`, this.recordLine, this.recordOffset);
    if (this.utf8Need > 0) this.fail('invalid UTF-8: the file ends inside a character.');
    if (!this.recordEmpty || this.fields > 0) this.endRecord();
    return { records: this.records, bytes: this.offset };
  }
}
