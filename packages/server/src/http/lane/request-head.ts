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
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, spaces and tabs (RFC 9110); Node refuses the rest.
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d{1,10}$/;
const REQUEST_LINE = /^([A-Z]+) (\/[\x21-\x7e]*) HTTP\/1\.1$/;

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
  const text = buf.toString('latin1', 0, end);
  const lines = text.split('\r\n');
  const line = REQUEST_LINE.exec(lines[0] as string);
  if (!line) return 'node';
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] as string;
    const colon = l.indexOf(':');
    if (colon <= 0) return 'node';
    const name = l.slice(0, colon);
    if (!TOKEN.test(name)) return 'node';
    const value = l.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (BAD_VALUE.test(value)) return 'node';
    const key = name.toLowerCase();
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
  return { method: line[1] as string, url: line[2] as string, headers, rawHeaders, contentLength: Number(length), close, headLength: end + 4 };
}
