import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, readRequestHead, type LaneHead } from './request-head.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A head as the lane reads it, failing the test when it is not one. */
function head(s: string): LaneHead {
  const h = readRequestHead(bytes(s));
  if (typeof h === 'string') throw new Error(`expected a head, got '${h}'`);
  return h;
}

const INVOKE =
  'POST /endpoints/e1/invocations HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: text/csv\r\nContent-Length: 5\r\nX-Amz-Date: 20260101T000000Z\r\n\r\n1,2,3';

/** The plain request above with one header line added before the blank line. */
const withHeader = (line: string): string => `POST /lane/x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n${line}\r\n\r\n`;

describe('readRequestHead', () => {
  it('reads a plain HTTP/1.1 request with a Content-Length body', () => {
    const h = head(INVOKE);
    expect(h.method).toBe('POST');
    expect(h.url).toBe('/endpoints/e1/invocations');
    expect(h.contentLength).toBe(5);
    expect(h.headLength).toBe(INVOKE.length - 5);
    expect(INVOKE.slice(h.headLength)).toBe('1,2,3');
    expect(h.headers).toEqual({ host: 'localhost:8080', 'content-type': 'text/csv', 'content-length': '5', 'x-amz-date': '20260101T000000Z' });
  });

  it('lower-cases header names, trims values and keeps the names as sent in rawHeaders', () => {
    const h = head('POST /a?b=c HTTP/1.1\r\nHOST:  h:1 \r\nX-Mixed-Case:\t v a l \t\r\nContent-LENGTH:0\r\nX-Empty:\r\n\r\n');
    expect(h.url).toBe('/a?b=c');
    expect(h.headers).toEqual({ host: 'h:1', 'x-mixed-case': 'v a l', 'content-length': '0', 'x-empty': '' });
    expect(h.rawHeaders).toEqual(['HOST', 'h:1', 'X-Mixed-Case', 'v a l', 'Content-LENGTH', '0', 'X-Empty', '']);
    expect(h.contentLength).toBe(0);
  });

  it('keeps obs-text (bytes 0x80–0xff) in values as latin1, as Node does', () => {
    const h = head(withHeader('X-Name: caf\xe9'));
    expect(h.headers['x-name']).toBe('caf\xe9');
  });

  it('accepts Connection: keep-alive in any case, and reads Connection: close as close', () => {
    const keep = head(withHeader('Connection: Keep-Alive'));
    expect(keep.headers['connection']).toBe('Keep-Alive');
    expect(keep.close).toBe(false);
    expect(head(withHeader('X: y')).close).toBe(false);
    expect(head(withHeader('Connection: close')).close).toBe(true);
    expect(head(withHeader('Connection:  CLOSE ')).close).toBe(true);
  });

  it('reads the head alone when more (body, next request) follows', () => {
    const two = INVOKE + INVOKE;
    const h = head(two);
    expect(h.headLength + h.contentLength).toBe(INVOKE.length);
  });

  it("is 'incomplete' at every split of a real request before the blank line, and a head from there on", () => {
    const all = bytes(INVOKE);
    const headEnd = INVOKE.indexOf('\r\n\r\n') + 4;
    for (let n = 0; n <= all.length; n++) {
      const r = readRequestHead(all.subarray(0, n));
      if (n < headEnd) expect(r, `first ${n} bytes`).toBe('incomplete');
      else expect(typeof r === 'object' && r.headLength, `first ${n} bytes`).toBe(headEnd);
    }
  });

  it('finds the blank line and bare LFs when told how much an earlier call scanned, whatever the split', () => {
    const full = bytes(INVOKE);
    const headEnd = INVOKE.length - 5;
    // Grown a byte at a time, each call told what the one before saw: as the lane calls it.
    let scanned = 0;
    for (let n = 1; n <= full.length; n++) {
      const r = readRequestHead(full.subarray(0, n), scanned);
      if (n < headEnd) {
        expect(r, `first ${n} bytes`).toBe('incomplete');
        scanned = n;
      } else expect(typeof r, `first ${n} bytes`).toBe('object');
    }
    const bare = bytes('POST /lane/x HTTP/1.1\r\nHost: h\nContent-Length: 0');
    expect(readRequestHead(bare.subarray(0, 24), 0)).toBe('incomplete');
    expect(readRequestHead(bare, 24)).toBe('node');
  });

  it('refuses request lines cut short or without the version, and reads one without header lines', () => {
    for (const h of ['POST /abc\r\n\r\n', 'POST /abc \r\n\r\n', 'POST /abc HTTP/1.1', 'POST\r\n\r\n', 'POST /abc HTTP/1.1 \r\n\r\n', ' POST /abc HTTP/1.1\r\n\r\n']) {
      expect(readRequestHead(bytes(`${h}\r\n\r\n`)), JSON.stringify(h)).toBe('node');
    }
    // No header lines: no Content-Length either, so Node's.
    expect(readRequestHead(bytes('POST /abc HTTP/1.1\r\n\r\n'))).toBe('node');
    expect(head('POST /abc HTTP/1.1\r\nContent-Length: 0\r\nX-Empty:\r\nX-Spaces: a  b \t\r\n\r\n').headers).toEqual({ 'content-length': '0', 'x-empty': '', 'x-spaces': 'a  b' });
  });

  it('leaves a Content-Length with an HTAB after its digits to Node (llhttp refuses it), and reads one with spaces around', () => {
    expect(readRequestHead(bytes(withHeader('X-A: 1').replace('Content-Length: 0', 'Content-Length: 0\t')))).toBe('node');
    expect(readRequestHead(bytes(withHeader('X-A: 1').replace('Content-Length: 0', 'Content-Length: 0 \t')))).toBe('node');
    expect(head(withHeader('X-A: 1').replace('Content-Length: 0', 'Content-Length:\t 0 ')).contentLength).toBe(0);
    expect(head(withHeader('X-A: 1\t')).headers['x-a']).toBe('1');
  });

  it("is 'incomplete' for an empty buffer and a lone CR", () => {
    expect(readRequestHead(Buffer.alloc(0))).toBe('incomplete');
    expect(readRequestHead(bytes('POST / HTTP/1.1\r'))).toBe('incomplete');
  });

  describe("leaves to Node ('node')", () => {
    const cases: [string, string][] = [
      ['HTTP/1.0', 'POST /a HTTP/1.0\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['HTTP/2 preface-like version', 'POST /a HTTP/2.0\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['an absolute-form target', 'POST http://h/a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['an asterisk-form target', 'OPTIONS * HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['an authority-form target', 'CONNECT h:443 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['a lower-case method', 'post /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['two spaces in the request line', 'POST  /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['a space in the target', 'POST /a b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['a missing Content-Length', 'POST /a HTTP/1.1\r\nHost: h\r\n\r\n'],
      ['a GET without Content-Length', 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'],
      ['a non-digit Content-Length', withHeader('X: y').replace('Content-Length: 0', 'Content-Length: 1a')],
      ['a signed Content-Length', withHeader('X: y').replace('Content-Length: 0', 'Content-Length: +5')],
      ['a list Content-Length', withHeader('X: y').replace('Content-Length: 0', 'Content-Length: 5, 5')],
      ['an empty Content-Length', withHeader('X: y').replace('Content-Length: 0', 'Content-Length:')],
      ['an 11-digit Content-Length', withHeader('X: y').replace('Content-Length: 0', 'Content-Length: 12345678901')],
      ['Transfer-Encoding: chunked', withHeader('Transfer-Encoding: chunked')],
      ['Transfer-Encoding: identity', withHeader('Transfer-Encoding: identity')],
      ['Expect: 100-continue', withHeader('Expect: 100-continue')],
      ['Connection: close, upgrade', withHeader('Connection: close, Upgrade')],
      ['Connection: keep-alive, close', withHeader('Connection: keep-alive, close')],
      ['Connection: upgrade', withHeader('Connection: Upgrade')],
      ['Connection: keep-alive, upgrade', withHeader('Connection: keep-alive, Upgrade')],
      ['Upgrade', withHeader('Upgrade: websocket')],
      ['a repeated header', withHeader('X-A: 1\r\nX-A: 2')],
      ['a repeated header in another case', withHeader('x-a: 1\r\nX-A: 2')],
      ['a repeated Content-Length', withHeader('Content-Length: 0')],
      ['a repeated Host', withHeader('host: other')],
      ['a __proto__ header', withHeader('__proto__: x')],
      ['a __PROTO__ header', withHeader('__PROTO__: x')],
      ['obsolete line folding (space)', withHeader('X-A: 1\r\n  continued')],
      ['obsolete line folding (tab)', withHeader('X-A: 1\r\n\tcontinued')],
      ['a space before the colon', withHeader('X-A : 1')],
      ['a header line without a colon', withHeader('X-A')],
      ['a header line starting with a colon', withHeader(': 1')],
      ['a name with "("', withHeader('X(A): 1')],
      ['a name with "@"', withHeader('X@A: 1')],
      ['a name with a non-ASCII byte', withHeader('X\xe9: 1')],
      ['a value with NUL', withHeader('X-A: a\x00b')],
      ['a value with a bare CR', withHeader('X-A: a\rb')],
      ['a value with DEL', withHeader('X-A: a\x7fb')],
      ['a value with another control byte', withHeader('X-A: a\x01b')],
      ['a bare LF ending a header line', 'POST /a HTTP/1.1\r\nHost: h\nContent-Length: 0\r\n\r\n'],
      ['a bare LF ending the request line', 'POST /a HTTP/1.1\nHost: h\r\nContent-Length: 0\r\n\r\n'],
      ['a head ending in LF LF', 'POST /a HTTP/1.1\nHost: h\nContent-Length: 0\n\n'],
      ['a leading empty line', '\r\nPOST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
    ];
    for (const [what, text] of cases) {
      it(what, () => {
        expect(readRequestHead(bytes(text))).toBe('node');
      });
    }

    it('a bare LF as soon as it arrives, before the head is complete', () => {
      // Such a head never shows CRLF CRLF, so waiting for one would hang the client.
      expect(readRequestHead(bytes('POST /a HTTP/1.1\nHost: h'))).toBe('node');
      expect(readRequestHead(bytes('POST /a HTTP/1.1\r\nHost: h\n'))).toBe('node');
      expect(readRequestHead(bytes('\n'))).toBe('node');
      expect(readRequestHead(bytes('POST /a HTTP/1.1\r\nHost: h\r\n\n'))).toBe('node');
    });

    it(`an unfinished head over ${MAX_HEAD_BYTES} bytes`, () => {
      const big = `POST /a HTTP/1.1\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`;
      expect(readRequestHead(bytes(big))).toBe('node');
      // Up to the limit, an unfinished head is still worth waiting for.
      expect(readRequestHead(bytes(big.slice(0, MAX_HEAD_BYTES)))).toBe('incomplete');
    });

    it(`a complete head over ${MAX_HEAD_BYTES} bytes, but not one at exactly the limit`, () => {
      const make = (total: number): string => {
        const start = 'POST /a HTTP/1.1\r\nContent-Length: 0\r\nX-Big: ';
        return `${start}${'a'.repeat(total - start.length - 4)}\r\n\r\n`;
      };
      expect(bytes(make(MAX_HEAD_BYTES + 1)).length).toBe(MAX_HEAD_BYTES + 1);
      expect(readRequestHead(bytes(make(MAX_HEAD_BYTES + 1)))).toBe('node');
      expect(head(make(MAX_HEAD_BYTES)).headLength).toBe(MAX_HEAD_BYTES);
    });
  });

  it('reads headers named like Object.prototype members (constructor, toString) as ordinary headers', () => {
    // Each is sent once: nothing repeated, nothing malformed, so Node would read it as any other header.
    const h = head(withHeader('constructor: x\r\ntoString: y'));
    expect(h.headers['constructor']).toBe('x');
    expect(h.headers['tostring']).toBe('y');
    expect(({} as Record<string, unknown>)['constructor']).toBe(Object);
  });
});
