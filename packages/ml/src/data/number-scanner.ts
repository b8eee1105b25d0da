/**
 * Parses decimal numbers straight from bytes, without building strings: the hot loop of the CSV and
 * libsvm readers. Up to 15 significant digits and a decimal exponent within ±22 take Clinger's fast
 * path (an exact integer times or divided by an exact power of ten: one correctly rounded operation,
 * so the result equals `Number.parseFloat`); anything longer falls back to `parseFloat` on the token.
 */
export class NumberScanner {
  /** The byte after the last number parsed. */
  pos = 0;
  /** Set when the last call found no number (an empty cell or a word); `pos` is then unchanged. */
  failed = false;

  constructor(public buf: Uint8Array) {}

  /**
   * Parses a number at `pos` (after optional spaces or tabs), stopping at the first byte that cannot
   * continue it. Returns NaN with `failed` set when no number starts there. The special words `nan`,
   * `inf`, `infinity` (any case, signed) are accepted, as XGBoost's and pandas' readers accept them.
   */
  number(): number {
    const buf = this.buf;
    const n = buf.length;
    let i = this.pos;
    let c = buf[i];
    while (c === 32 || c === 9) c = buf[++i];
    const start = i;
    let neg = false;
    if (c === 45) {
      neg = true;
      c = buf[++i];
    } else if (c === 43) {
      c = buf[++i];
    }
    let mant = 0;
    let digits = 0;
    let scale = 0;
    let any = false;
    while (c !== undefined && c >= 48 && c <= 57) {
      if (digits > 0 || c !== 48) digits++;
      mant = mant * 10 + (c - 48);
      any = true;
      c = buf[++i];
    }
    if (c === 46) {
      c = buf[++i];
      while (c !== undefined && c >= 48 && c <= 57) {
        if (digits > 0 || c !== 48) digits++;
        mant = mant * 10 + (c - 48);
        scale--;
        any = true;
        c = buf[++i];
      }
    }
    if (!any) return this.word(start);
    let exp = 0;
    if (c === 101 || c === 69) {
      let j = i + 1;
      let e = buf[j];
      let eneg = false;
      if (e === 45) {
        eneg = true;
        e = buf[++j];
      } else if (e === 43) {
        e = buf[++j];
      }
      if (e !== undefined && e >= 48 && e <= 57) {
        while (e !== undefined && e >= 48 && e <= 57) {
          exp = exp * 10 + (e - 48);
          e = buf[++j];
        }
        if (eneg) exp = -exp;
        i = j;
      }
    }
    this.pos = i < n ? i : n;
    this.failed = false;
    const e = scale + exp;
    if (digits > 15 || e > 22 || e < -22) return Number.parseFloat(latin1(buf, start, i));
    const v = e >= 0 ? mant * POW10[e]! : mant / POW10[-e]!;
    return neg ? -v : v;
  }

  private word(start: number): number {
    const buf = this.buf;
    let i = start;
    let c = buf[i];
    if (c === 45 || c === 43) c = buf[++i];
    const wordStart = i;
    while (c !== undefined && ((c | 32) >= 97 && (c | 32) <= 122)) c = buf[++i];
    const w = latin1(buf, wordStart, i).toLowerCase();
    if (w === 'nan' || w === 'inf' || w === 'infinity') {
      this.pos = i;
      this.failed = false;
      if (w === 'nan') return Number.NaN;
      return buf[start] === 45 ? -Infinity : Infinity;
    }
    this.failed = true;
    return Number.NaN;
  }
}

const POW10: number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** The bytes `[from, to)` as a string (ASCII input), for fall-back parsing and error messages. */
export function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < buf.length; i++) s += String.fromCharCode(buf[i] as number);
  return s;
}
