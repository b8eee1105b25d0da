/**
 * A request head the invocation lane reads itself (ADR 0016): HTTP/1.1, CRLF line endings, a
 * `Content-Length` body, each header once. Anything else is for Node's HTTP server, which knows the
 * whole protocol: the lane never answers a request it might read differently from Node.
 */
export interface LaneHead {
  readonly method: string;
  /** The request target as sent (origin form). */
  readonly url: string;
  /** Header names lower-cased, values with surrounding whitespace removed (as Node gives them). */
  readonly headers: Readonly<Record<string, string>>;
  /** Names as sent and values, alternating (Node's `rawHeaders`), for SigV4. */
  readonly rawHeaders: readonly string[];
  readonly contentLength: number;
  /** `Connection: close`: the connection ends after the answer. */
  readonly close: boolean;
  /** Bytes of the head, the blank line included: the body starts there. */
  readonly headLength: number;
}

/** Node's default `maxHeaderSize`: a longer head is Node's to refuse (431). */
export const MAX_HEAD_BYTES = 16 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');
const VERSION = ' HTTP/1.1\r\n';
const DIGITS = /^\d{1,10}$/;

/** Byte classes (RFC 9110): 1 = token character (header names), 2 = field-value character (also SP, HTAB, obs-text). */
const CLASS = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") CLASS[c.charCodeAt(0)] = 1;
for (let b = 0; b < 256; b++) if (b === 9 || (b >= 32 && b !== 127)) CLASS[b] = (CLASS[b] as number) | 2;
// Character codes of a latin1-decoded head (0–255; NaN past the end, in no class).
const isToken = (c: number): boolean => ((CLASS[c] ?? 0) & 1) !== 0;
const isValue = (c: number): boolean => ((CLASS[c] ?? 0) & 2) !== 0;
const isOws = (c: number): boolean => c === 32 || c === 9;

/** Whether `v` may be sent as a header value (the same characters a head's values may hold; no CR, LF, NUL). */
export function isFieldValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (!isValue(v.charCodeAt(i))) return false;
  return true;
}

/**
 * `'incomplete'` until the blank line has arrived (`scanned`: how many leading bytes an earlier call
 * already found incomplete); `'node'` for a head the lane leaves to Node (not
 * HTTP/1.1 origin-form, a chunked or `Expect` request, a `Connection` other than keep-alive or close, an upgrade, a repeated
 * header, obsolete line folding, bare LF line endings, anything malformed or over
 * {@link MAX_HEAD_BYTES}).
 */
export function readRequestHead(buf: Buffer, scanned = 0): LaneHead | 'incomplete' | 'node' {
  // `scanned`: bytes already seen incomplete; only the new ones (and the 3 before, for a split CRLF CRLF) are searched.
  const end = buf.indexOf(CRLF2, Math.max(0, scanned - 3));
  if (end < 0) {
    if (buf.length > MAX_HEAD_BYTES) return 'node';
    // A head with a bare LF would never show CRLF CRLF: Node reads those.
    for (let i = buf.indexOf(10, Math.max(0, scanned - 1)); i >= 0; i = buf.indexOf(10, i + 1)) if (i === 0 || buf[i - 1] !== 13) return 'node';
    return 'incomplete';
  }
  if (end + 4 > MAX_HEAD_BYTES) return 'node';
  // One decode, then a scan of the characters (no split, no regular expression per line): the lane
  // reads one head per request. Request line: METHOD SP origin-form SP HTTP/1.1 CRLF.
  const t = buf.toString('latin1', 0, end + 2);
  const stop = end + 2;
  let i = 0;
  while (i < end && t.charCodeAt(i) >= 65 && t.charCodeAt(i) <= 90) i++;
  if (i === 0 || t.charCodeAt(i) !== 32 || t.charCodeAt(i + 1) !== 47) return 'node';
  const method = t.slice(0, i);
  const urlStart = ++i;
  while (i < end && t.charCodeAt(i) > 32 && t.charCodeAt(i) < 127) i++;
  const url = t.slice(urlStart, i);
  // The request line's CRLF is at `end` at the latest (a head without header lines).
  if (!t.startsWith(VERSION, i)) return 'node';
  i += VERSION.length;
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  // Header lines, each ending with CRLF (the last one's is the first half of CRLF CRLF).
  while (i < stop) {
    const nameStart = i;
    while (isToken(t.charCodeAt(i))) i++;
    if (i === nameStart || t.charCodeAt(i) !== 58) return 'node'; // a name, then ':' (no space before it)
    const name = t.slice(nameStart, i);
    i++;
    while (isOws(t.charCodeAt(i))) i++;
    const valueStart = i;
    let valueEnd = i;
    for (; i < stop && t.charCodeAt(i) !== 13; i++) {
      const c = t.charCodeAt(i);
      if (!isValue(c)) return 'node';
      if (!isOws(c)) valueEnd = i + 1;
    }
    // Obsolete folding (a line starting with SP/HTAB) fails the name check of the next line.
    if (t.charCodeAt(i) !== 13 || t.charCodeAt(i + 1) !== 10) return 'node';
    i += 2;
    const value = t.slice(valueStart, valueEnd);
    const key = name.toLowerCase();
    // llhttp refuses an HTAB after a Content-Length's digits (a trailing SP it accepts).
    if (key === 'content-length' && t.lastIndexOf('\t', i) >= valueStart) return 'node';
    if (Object.hasOwn(headers, key) || key === '__proto__') return 'node';
    headers[key] = value;
    rawHeaders.push(name, value);
  }
  const length = headers['content-length'];
  if (length === undefined || !DIGITS.test(length)) return 'node';
  if (headers['transfer-encoding'] !== undefined || headers['expect'] !== undefined || headers['upgrade'] !== undefined) return 'node';
  const connection = headers['connection'];
  const close = connection !== undefined && /^close$/i.test(connection);
  if (connection !== undefined && !close && !/^keep-alive$/i.test(connection)) return 'node';
  return { method, url, headers, rawHeaders, contentLength: Number(length), close, headLength: end + 4 };
}
