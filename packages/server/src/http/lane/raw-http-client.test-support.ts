import { connect, type Socket } from 'node:net';

// A raw HTTP/1.1 client for the invocation lane's tests: exact bytes out, responses parsed off the wire.

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every socket a RawClient opened, for the tests to destroy after each test. */
export const rawSockets: Socket[] = [];

/** One response as read off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly head: string;
  readonly body: string;
  /** The body exactly as framed on the wire (chunk sizes included, for a chunked answer). */
  readonly wire: string;
}

/**
 * The complete responses at the start of `buf` (1xx included), and whether bytes after them make an
 * incomplete one. An answer without Content-Length or chunking runs to the end, so it counts only once `ended`.
 */
export function parseResponses(buf: Buffer, ended: boolean): { responses: RawResponse[]; rest: number } {
  const text = buf.toString('latin1');
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = text.slice(at, end);
    const [statusLine, ...lines] = head.split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine as string)?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const colon = l.indexOf(':');
      headers[l.slice(0, colon).toLowerCase()] = l.slice(colon + 1).trim();
    }
    let p = end + 4;
    let body = '';
    if (status >= 100 && status < 200) {
      // An interim answer has no body.
    } else if (headers['transfer-encoding'] === 'chunked') {
      let complete = false;
      for (;;) {
        const lineEnd = text.indexOf('\r\n', p);
        if (lineEnd < 0) break;
        const size = parseInt(text.slice(p, lineEnd), 16);
        if (size === 0) {
          if (text.startsWith('\r\n', lineEnd + 2)) {
            p = lineEnd + 4;
            complete = true;
          }
          break;
        }
        if (text.length < lineEnd + 2 + size + 2) break;
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        p = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (text.length < p + n) break;
      body = text.slice(p, p + n);
      p += n;
    } else {
      if (!ended) break;
      body = text.slice(p);
      p = text.length;
    }
    responses.push({ status, headers, head, body, wire: text.slice(end + 4, p) });
    at = p;
  }
  return { responses, rest: text.length - at };
}

/** A raw TCP client: exact bytes out, every byte in. */
export class RawClient {
  received = Buffer.alloc(0);
  ended = false;
  closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    rawSockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  async write(data: string | Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (e) => (e ? reject(e) : resolve())));
  }

  /** Writes `data` in pieces ending at `cuts`, letting each piece leave before the next. */
  async writeSplit(data: string, cuts: readonly number[]): Promise<void> {
    let from = 0;
    for (const cut of [...cuts, data.length]) {
      if (cut <= from) continue;
      await this.write(data.slice(from, cut));
      await pause(2);
      from = cut;
    }
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  responses(): RawResponse[] {
    return parseResponses(this.received, this.ended).responses;
  }

  /** Waits until `ok` holds, re-checking on every byte in, on end/close and every 10 ms. */
  async until(ok: () => boolean, what: string, ms = 4000): Promise<void> {
    if (ok()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!ok()) return;
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(check);
        resolve();
      };
      // Conditions on the server's side change without a byte arriving.
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        clearInterval(poll);
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.text)}, ended=${this.ended}, closed=${this.closed}`));
      }, ms);
      this.waiters.add(check);
    });
  }

  /** The first `n` complete responses, once they have all arrived. */
  async read(n: number, ms?: number): Promise<RawResponse[]> {
    await this.until(() => this.responses().length >= n, `${n} responses`, ms);
    return this.responses().slice(0, n);
  }

  async waitClosed(ms?: number): Promise<void> {
    await this.until(() => this.closed, 'the connection to close', ms);
  }
}
