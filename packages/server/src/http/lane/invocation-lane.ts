import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { finished, type Readable } from 'node:stream';
import { isFieldValue, readRequestHead, type LaneHead } from './request-head.js';

/** Response headers a lane route sets (the lane adds content-length or transfer-encoding, Date and Connection). */
export type LaneHeaders = Readonly<Record<string, string | number>>;

/** How a {@link LaneRoute} answers the request it took: one of the three, once. */
export interface LaneReply {
  /**
   * The whole answer at once.
   * @throws Error, before anything is written, for a header value Node would refuse (CR, LF, NUL …).
   */
  send(status: number, headers: LaneHeaders, body: Buffer | string): void;
  /** An answer streamed in chunks; a failing stream ends the connection, as Node's `pipeline` does. */
  stream(status: number, headers: LaneHeaders, body: Readable): void;
  /** Gives the request, unanswered (head and body), and its connection to Node's HTTP server. */
  handOff(): void;
}

/**
 * A request the invocation lane answers without Node's HTTP server (ADR 0016). `accepts` decides on
 * the head alone (the lane then reads the body); `handle` must answer through the reply.
 */
export interface LaneRoute {
  accepts(head: LaneHead): boolean;
  handle(head: LaneHead, body: Buffer, reply: LaneReply): void;
}

/** What the lane checks before any route: the Host allowlist every route has. */
export interface LaneOptions {
  readonly hostAllowed: (host: string | undefined) => boolean;
}

// While one request is answered, at most this much of the next ones is read ahead.
const MAX_READ_AHEAD = 1024 * 1024;
const SWEEP_MS = 1000;
const CRLF = Buffer.from('\r\n');

let dateText = '';
let dateUntil = 0;
/** The Date header, made once a second. */
function httpDate(): string {
  const now = Date.now();
  if (now >= dateUntil) {
    dateText = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateText;
}

/**
 * The invocation lane (ADR 0016): on a Node HTTP server's connections, reads simple HTTP/1.1
 * requests itself and answers those its routes take — SageMaker Runtime's InvokeEndpoint — without
 * Node's per-request machinery (IncomingMessage, ServerResponse, their streams and header
 * bookkeeping), which costs more than the invocation itself. The first request a route does not
 * take, or that is not plain HTTP/1.1 with a Content-Length body, goes to Node's server with every
 * byte read so far, and the connection stays there. Keep-alive and slow-request timeouts follow the
 * server's own settings; closing the server ends idle lane connections and answers busy ones with
 * `Connection: close`.
 */
export class InvocationLane {
  private readonly routes: LaneRoute[] = [];
  private readonly connections = new Set<LaneConnection>();
  private readonly nodeListeners: ((socket: Socket) => void)[];
  private sweeper: NodeJS.Timeout | undefined;
  closing = false;
  /** Requests answered on the lane since it started (hand-offs not counted). */
  answered = 0;

  constructor(readonly server: Server, private readonly o: LaneOptions) {
    // Node's own connection listener runs for every connection the lane does not keep.
    this.nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => this.accept(socket));
    const close = server.close.bind(server);
    const closeIdle = server.closeIdleConnections.bind(server);
    const closeAll = server.closeAllConnections.bind(server);
    server.close = (cb?: (err?: Error) => void) => {
      this.close();
      return close(cb);
    };
    server.closeIdleConnections = () => {
      this.closeIdle();
      closeIdle();
    };
    server.closeAllConnections = () => {
      for (const c of [...this.connections]) c.destroy();
      closeAll();
    };
  }

  addRoute(route: LaneRoute): void {
    this.routes.push(route);
  }

  /** Requests being answered on lane connections. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.connections) if (c.busy) n++;
    return n;
  }

  /** Stops taking requests; idle connections end now, busy ones after their answer. */
  close(): void {
    this.closing = true;
    this.closeIdle();
  }

  private closeIdle(): void {
    for (const c of [...this.connections]) c.closeIfIdle();
  }

  private accept(socket: Socket): void {
    if (this.closing || this.routes.length === 0) {
      this.toNode(socket);
      return;
    }
    this.connections.add(new LaneConnection(this, socket));
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref();
    }
  }

  /** @internal */
  routeFor(head: LaneHead): LaneRoute | undefined {
    if (this.closing || !this.o.hostAllowed(head.headers['host'])) return undefined;
    for (const r of this.routes) if (r.accepts(head)) return r;
    return undefined;
  }

  /** @internal */
  toNode(socket: Socket): void {
    for (const l of this.nodeListeners) l.call(this.server, socket);
  }

  /** @internal */
  forget(c: LaneConnection): void {
    this.connections.delete(c);
    if (this.connections.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private sweep(): void {
    const now = Date.now();
    const s = this.server;
    // 0 turns a timeout off, as in Node (keepAliveTimeout 0: idle connections stay open).
    const off = (ms: number): number => (ms > 0 ? ms : Infinity);
    for (const c of [...this.connections]) c.check(now, off(s.keepAliveTimeout), off(s.headersTimeout), off(s.requestTimeout));
  }
}

/**
 * `reading`: bytes of a request are here (its head accepted once `head` is set); `busy`: its route is
 * answering; `ending`: the lane is ending the connection (kept in the lane's set until it closes);
 * `gone`: closed, or handed to Node.
 */
type State = 'idle' | 'reading' | 'busy' | 'ending' | 'gone';

const EMPTY = Buffer.alloc(0);

/**
 * The reply a route gets for one request: calls after that request's answer started (a second or late
 * answer, a late hand-off) are ignored, so they cannot land on the next request of the connection.
 */
class RequestReply implements LaneReply {
  constructor(private readonly c: LaneConnection, private readonly seq: number) {}
  send(status: number, headers: LaneHeaders, body: Buffer | string): void {
    if (this.c.answering(this.seq)) this.c.send(status, headers, body);
  }
  stream(status: number, headers: LaneHeaders, body: Readable): void {
    if (this.c.answering(this.seq)) this.c.stream(status, headers, body);
    else body.destroy();
  }
  handOff(): void {
    if (this.c.answering(this.seq)) this.c.handOff();
  }
}

/** One connection while the lane has it: requests one at a time, in order. */
class LaneConnection {
  private state: State = 'idle';
  /** Number of the request being answered (see {@link RequestReply}), and whether its answer has started. */
  private seq = 0;
  private started = false;
  /**
   * Bytes read and not yet consumed are `base[start, start + len)`. A lone chunk is kept as it came;
   * more are copied into one growing buffer, written only past `start + len` (each byte copied once,
   * however small the segments). Consumed bytes, before `start`, are never written again: a request
   * body handed to a route stays as it was.
   */
  private base: Buffer = EMPTY;
  private start = 0;
  private len = 0;
  private owned = false;
  /** How much of an unfinished head has been scanned already. */
  private scanned = 0;
  /** When the connection went idle, or the current request's first byte arrived. */
  private since = Date.now();
  private head: LaneHead | undefined;
  private route: LaneRoute | undefined;
  /** The request being answered, as received (for a hand-off); cleared once an answer starts. */
  private current: Buffer | undefined;
  /** The request being answered asked for `Connection: close`. */
  private closeAfter = false;
  private streaming: Readable | undefined;
  private readonly onData = (chunk: Buffer): void => this.data(chunk);
  private readonly onError = (): void => undefined; // 'close' follows
  private readonly onClose = (): void => {
    this.state = 'gone';
    this.lane.forget(this);
    const s = this.streaming;
    this.streaming = undefined;
    s?.destroy();
  };
  // The client ended its side: as Node's server (no half-open HTTP), the request being read or
  // answered is dropped and the connection ends.
  private readonly onEnd = (): void => {
    if (this.state === 'gone') return;
    this.state = 'ending';
    if (this.socket.writable) this.socket.end();
  };

  constructor(private readonly lane: InvocationLane, private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
  }

  /** Answering a request, reading one the lane has accepted, or still writing an answer out. */
  get busy(): boolean {
    return this.state === 'busy' || (this.state === 'reading' && this.head !== undefined) || (!this.socket.destroyed && this.socket.writableLength > 0);
  }

  /** Whether request `seq` is the one being answered and has no answer yet. */
  answering(seq: number): boolean {
    return this.state === 'busy' && this.seq === seq && !this.started;
  }

  private data(chunk: Buffer): void {
    if (this.state === 'ending' || this.state === 'gone') return;
    this.append(chunk);
    if (this.state === 'idle') {
      this.state = 'reading';
      this.since = Date.now();
    }
    if (this.state === 'busy') {
      if (this.len > MAX_READ_AHEAD) this.socket.pause();
      return;
    }
    this.pump();
  }

  private append(chunk: Buffer): void {
    if (this.len === 0) {
      this.base = chunk;
      this.start = 0;
      this.len = chunk.length;
      this.owned = false;
      return;
    }
    if (!this.owned || this.start + this.len + chunk.length > this.base.length) {
      const next = Buffer.allocUnsafe(Math.max(this.len + chunk.length, 2 * this.len, 16 * 1024));
      this.base.copy(next, 0, this.start, this.start + this.len);
      this.base = next;
      this.start = 0;
      this.owned = true;
    }
    chunk.copy(this.base, this.start + this.len);
    this.len += chunk.length;
  }

  /** The unconsumed bytes (a view). */
  private bytes(): Buffer {
    return this.base.subarray(this.start, this.start + this.len);
  }

  /** Drops the first `n` unconsumed bytes (a request taken): they stay as they are, never written again. */
  private consume(n: number): void {
    this.start += n;
    this.len -= n;
    if (this.len === 0) {
      this.base = EMPTY;
      this.start = 0;
      this.owned = false;
    }
    this.scanned = 0;
  }

  private pump(): void {
    if (this.state !== 'reading') return;
    if (this.head === undefined) {
      const h = readRequestHead(this.bytes(), this.scanned);
      if (h === 'incomplete') {
        this.scanned = this.len;
        return;
      }
      const route = h === 'node' ? undefined : this.lane.routeFor(h);
      if (h === 'node' || !route) {
        this.toNode();
        return;
      }
      this.head = h;
      this.route = route;
    }
    const head = this.head;
    const need = head.headLength + head.contentLength;
    if (this.len < need) return;
    const all = this.bytes();
    this.current = all.subarray(0, need);
    this.consume(need);
    this.head = undefined;
    this.closeAfter = head.close;
    this.state = 'busy';
    const seq = ++this.seq;
    this.started = false;
    try {
      (this.route as LaneRoute).handle(head, all.subarray(head.headLength, need), new RequestReply(this, seq));
    } catch {
      // A route that throws instead of answering: the connection ends, the server stays up.
      if (this.state === 'busy') this.destroy();
    }
  }

  send(status: number, headers: LaneHeaders, body: Buffer | string): void {
    const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const close = this.closeAfter || this.lane.closing;
    const text = `${this.headText(status, headers)}content-length: ${b.length}\r\n${this.tail(close)}`;
    this.started = true;
    const n = Buffer.byteLength(text, 'latin1');
    if (n + b.length <= 16 * 1024) {
      // One write, one segment: the head and a small body together.
      const out = Buffer.allocUnsafe(n + b.length);
      out.write(text, 0, 'latin1');
      b.copy(out, n);
      this.socket.write(out);
    } else {
      this.socket.cork();
      this.socket.write(text, 'latin1');
      this.socket.write(b);
      this.socket.uncork();
    }
    this.done(close);
  }

  stream(status: number, headers: LaneHeaders, body: Readable): void {
    const close = this.closeAfter || this.lane.closing;
    let text: string;
    try {
      text = `${this.headText(status, headers)}transfer-encoding: chunked\r\n${this.tail(close)}`;
    } catch (e) {
      body.destroy();
      throw e;
    }
    this.started = true;
    this.current = undefined;
    this.socket.write(text, 'latin1');
    this.streaming = body;
    body.on('data', (c: Buffer | string) => {
      const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      if (chunk.length === 0 || this.state !== 'busy') return;
      if (!this.socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF]))) {
        body.pause();
        this.socket.once('drain', () => body.resume());
      }
    });
    // `finished` also reports a body that had ended or failed before it was handed over.
    finished(body, (err) => {
      this.streaming = undefined;
      if (this.state !== 'busy') return;
      if (err) {
        this.destroy();
        return;
      }
      this.socket.write('0\r\n\r\n', 'latin1');
      this.done(close);
    });
  }

  handOff(): void {
    if (!this.current) return;
    this.base = this.len > 0 ? Buffer.concat([this.current, this.bytes()]) : this.current;
    this.start = 0;
    this.len = this.base.length;
    this.owned = false;
    this.current = undefined;
    this.toNode();
  }

  /** Names come from the lane's routes (code); values may come from a model, so each is checked. */
  private headText(status: number, headers: LaneHeaders): string {
    let text = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    for (const k in headers) {
      const v = String(headers[k]);
      if (!isFieldValue(v)) throw new Error(`Invalid character in header "${k}" of the answer`);
      text += `${k}: ${v}\r\n`;
    }
    return text;
  }

  private tail(close: boolean): string {
    const keepAlive = this.lane.server.keepAliveTimeout;
    const connection = close ? 'close' : keepAlive > 0 ? `keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAlive / 1000)}` : 'keep-alive';
    return `Date: ${httpDate()}\r\nConnection: ${connection}\r\n\r\n`;
  }

  /** The answer is written: next request, or the end when closing. */
  private done(close: boolean): void {
    this.current = undefined;
    this.lane.answered++;
    if (close || this.lane.closing) {
      this.end();
      return;
    }
    this.state = this.len > 0 ? 'reading' : 'idle';
    this.since = Date.now();
    if (this.socket.isPaused()) this.socket.resume();
    // A request already read behind this one: next, without growing the stack when answers are synchronous.
    if (this.len > 0) queueMicrotask(() => this.pump());
  }

  /** Ends the connection once what is written has gone out (Node's `destroySoon`), whatever the client does. */
  private end(last?: string): void {
    this.state = 'ending';
    if (last !== undefined) this.socket.write(last, 'latin1');
    this.socket.destroySoon();
  }

  /** Hands the connection, and every byte read and not answered, to Node's server. */
  private toNode(): void {
    this.state = 'gone';
    this.lane.forget(this);
    const s = this.socket;
    // As a server hands over a connection it peeked at: paused, the bytes put back, Node's listener,
    // then resumed (which replays those bytes to Node's parser before anything newer).
    s.pause();
    s.removeListener('data', this.onData);
    s.removeListener('error', this.onError);
    s.removeListener('close', this.onClose);
    s.removeListener('end', this.onEnd);
    if (this.len > 0) s.unshift(this.bytes());
    this.base = EMPTY;
    this.start = 0;
    this.len = 0;
    this.lane.toNode(s);
    s.resume();
  }

  /**
   * Server closing: an idle connection ends now (once its last answer is out), half a head goes to
   * Node; an accepted request finishes here.
   */
  closeIfIdle(): void {
    if (this.state === 'idle') {
      if (this.socket.writableLength > 0) this.end();
      else this.destroy();
    } else if (this.state === 'reading' && this.head === undefined) this.toNode();
  }

  check(now: number, idleMs: number, headMs: number, requestMs: number): void {
    // Idle counts from when the last answer is out (a slow reader is not cut off), as Node's keep-alive timer.
    if (this.state === 'idle' && this.socket.writableLength > 0) this.since = now;
    else if (this.state === 'idle' && now - this.since > idleMs) this.destroy();
    else if (this.state === 'reading' && now - this.since > (this.head === undefined ? headMs : requestMs)) {
      this.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  }

  destroy(): void {
    if (this.state !== 'gone') this.state = 'ending';
    this.socket.destroy();
  }
}
