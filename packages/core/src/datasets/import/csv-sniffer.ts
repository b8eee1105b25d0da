/** A detected CSV dialect: every member can be overridden by the caller. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly header: boolean;
  readonly columnNames: readonly string[];
  readonly encoding: 'utf-8' | 'utf-16' | 'latin-1';
  /** Bytes of byte-order mark at the start (3 for UTF-8, 2 for UTF-16, else 0). */
  readonly bomBytes: number;
}

export type CsvOverrides = Partial<Omit<CsvDialect, 'columnNames' | 'bomBytes'>>;

const delimiters = [',', '\t', ';', '|'];
/** Records the sniffer looks at. */
const SNIFF_RECORDS = 100;

/** Splits text into records of fields, honouring quotes; stops after `max` records. */
export function splitRecords(text: string, delimiter: string, quote: string, escape: string, max = SNIFF_RECORDS): string[][] {
  const out: string[][] = [];
  let fields: string[] = [];
  let cur = '';
  let inQ = false;
  for (let i = 0; i < text.length && out.length < max; i++) {
    const ch = text[i] as string;
    if (inQ) {
      if (ch === escape && escape !== quote && i + 1 < text.length) { cur += text[++i]; continue; }
      if (ch === quote) {
        if (escape === quote && text[i + 1] === quote) { cur += quote; i++; } else inQ = false;
        continue;
      }
      cur += ch;
      continue;
    }
    if (quote !== '' && ch === quote && cur === '') { inQ = true; continue; }
    if (ch === delimiter) { fields.push(cur); cur = ''; continue; }
    if (ch === '\r' && text[i + 1] === '\n') continue;
    if (ch === '\n' || ch === '\r') {
      fields.push(cur);
      if (!(fields.length === 1 && fields[0] === '')) out.push(fields);
      fields = [];
      cur = '';
      continue;
    }
    cur += ch;
  }
  // The head may end mid-record: a partial last record would skew the counts, so it is dropped
  // unless it is the only one.
  if ((cur !== '' || fields.length > 0) && out.length === 0) out.push([...fields, cur]);
  return out;
}

function looksNumeric(v: string): boolean {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v);
}

/** The delimiter whose field count is the same on most records (and above one). */
function pickDelimiter(text: string, quote: string): string {
  let best = ',';
  let bestScore = -1;
  for (const d of delimiters) {
    const recs = splitRecords(text, d, quote, quote);
    if (recs.length === 0) continue;
    const counts = new Map<number, number>();
    for (const r of recs) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    const [width, freq] = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] as [number, number];
    const score = width > 1 ? freq / recs.length + width / 1000 : 0;
    if (score > bestScore) { best = d; bestScore = score; }
  }
  return best;
}

/**
 * Detects a CSV/TSV dialect from the head of a file (already decompressed): byte-order mark and
 * encoding, delimiter (the one giving a consistent field count), quote, and whether the first row is
 * a header (none of its values is a number while the file has rows). Overrides win.
 */
export function sniffCsv(head: Uint8Array, overrides: CsvOverrides = {}): CsvDialect {
  let bomBytes = 0;
  let encoding: CsvDialect['encoding'] = 'utf-8';
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) bomBytes = 3;
  else if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) { bomBytes = 2; encoding = 'utf-16'; }
  encoding = overrides.encoding ?? encoding;
  const body = head.subarray(bomBytes);
  const text = encoding === 'utf-16'
    ? new TextDecoder(head[0] === 0xfe ? 'utf-16be' : 'utf-16le').decode(body)
    : new TextDecoder(encoding === 'latin-1' ? 'latin1' : 'utf-8').decode(body);
  const quote = overrides.quote ?? '"';
  const escape = overrides.escape ?? quote;
  const delimiter = overrides.delimiter ?? pickDelimiter(text, quote);
  const recs = splitRecords(text, delimiter, quote, escape);
  const first = recs[0] ?? [];
  const header = overrides.header ?? (recs.length > 1 ? first.every((v) => v.trim() !== '' && !looksNumeric(v)) : first.length > 0 && first.every((v) => !looksNumeric(v)));
  const columnNames = header ? dedupe(first.map((v, i) => v.trim() || `column${i}`)) : first.map((_, i) => `column${i}`);
  return { delimiter, quote, escape, header, columnNames, encoding, bomBytes };
}

/** Header names must be unique for SQL: a repeated name gets `_2`, `_3`, … as pandas and DuckDB do. */
function dedupe(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}_${k + 1}`;
  });
}
