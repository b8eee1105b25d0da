import { ValidationError } from '../../kernel/errors.js';
import { scanJsonStructure } from '../../kernel/json-text.js';

/**
 * Deepest nesting a record may have. The engine that reads the file recurses per level: DuckDB's
 * JSON reader crashes the whole process (SIGSEGV) on a record nested 100,000 deep.
 */
export const MAX_RECORD_DEPTH = 100;

/**
 * Most members one object of a record may have: each becomes a column (or a struct field) the engine
 * types, and typing grows faster than the count (50,000 keys in one 0.8 MB line held an import for
 * three minutes), as for a CSV's columns (`MAX_CSV_COLUMNS`).
 */
export const MAX_RECORD_MEMBERS = 1000;

/** The most members any object of `v` has (walked without recursion; depth is bounded before). */
function widestObject(v: unknown): number {
  let widest = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    const children = Array.isArray(x) ? x : Object.values(x);
    if (!Array.isArray(x)) widest = Math.max(widest, children.length);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push(c);
  }
  return widest;
}

/** How deeply `text` nests arrays and objects, counting brackets outside strings. */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  scanJsonStructure(text, (c) => {
    if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  });
  return max;
}

/**
 * Checks JSON Lines: each non-blank line is one JSON object, valid UTF-8, no larger than the limit,
 * nested at most {@link MAX_RECORD_DEPTH} deep, no object wider than {@link MAX_RECORD_MEMBERS}. Errors name the line and the byte offset where it starts.
 */
export class JsonLinesScanner {
  private parts: Buffer[] = [];
  private size = 0;
  private line = 1;
  private offset = 0;
  private lineStart = 0;
  private records = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxLineBytes: number) {}

  private fail(what: string): never {
    throw new ValidationError(`Line ${this.line} (byte offset ${this.lineStart}): ${what}`, [{ path: '/Source', message: `line ${this.line}: ${what}` }]);
  }

  private finishLine(): void {
    const bytes = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      this.fail('invalid UTF-8.');
    }
    if (text.trim() !== '') {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        this.fail(`not valid JSON (${(e as Error).message}).`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail('each line must be one JSON object.');
      const depth = depthOf(text);
      if (depth > MAX_RECORD_DEPTH) this.fail(`the record nests ${depth} levels deep; at most ${MAX_RECORD_DEPTH} can be read.`);
      const width = widestObject(v);
      if (width > MAX_RECORD_MEMBERS) this.fail(`the record has an object of ${width} members; at most ${MAX_RECORD_MEMBERS} (columns or struct fields) can be imported.`);
      this.records++;
    }
  }

  feed(chunk: Uint8Array): void {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== 0x0a) continue;
      this.push(chunk.subarray(from, i));
      this.finishLine();
      this.offset += i + 1 - from;
      from = i + 1;
      this.line++;
      this.lineStart = this.offset;
    }
    this.push(chunk.subarray(from));
    this.offset += chunk.length - from;
  }

  private push(part: Uint8Array): void {
    this.size += part.length;
    if (this.size > this.maxLineBytes) this.fail(`the line is larger than ${this.maxLineBytes} bytes.`);
    this.parts.push(Buffer.from(part));
  }

  end(): number {
    if (this.size > 0) this.finishLine();
    if (this.records === 0) throw new ValidationError('The file holds no JSON records.');
    return this.records;
  }
}
