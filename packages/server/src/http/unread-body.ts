import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a closing connection keeps reading what the client still sends after the answer. */
export const LINGER_MS = 5000;
/** A body declared longer than this, or of unknown length (chunked), is not drained to keep the connection: it closes after the answer. */
export const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

const lingering = new WeakSet<Socket>();
const settled = new WeakSet<IncomingMessage>();

/**
 * For an answer sent before the request body was read to its end (an error found mid-upload, a
 * refusal before the body): lets the rest of the body flow away, and makes the connection's close,
 * if it closes after this answer, a lingering one.
 *
 * - Keep-alive: Node discards an unread body only if nobody started reading it; one abandoned
 *   mid-read (a write refused mid-upload) stays paused, so the next request on the connection would
 *   never be read. (A 'readable' listener left by an async iterator keeps it paused too.)
 * - Close (`Connection: close` from the client, or Node's own decision): Node closes the socket as
 *   soon as the answer is written. Closing with unread bytes makes the kernel reset the connection,
 *   and a client still sending its body gets EPIPE/ECONNRESET — often before it has read the answer
 *   that was already on its way (the AWS SDK then reports a TimeoutError, not the 503). Instead the
 *   socket half-closes (the answer and a FIN go out) and keeps reading and dropping what comes until
 *   the client closes its side or {@link LINGER_MS} pass, as HTTP servers' "lingering close" does.
 * - A body of unknown length or longer than {@link MAX_DRAIN_BYTES}: draining it for the next request
 *   could take as long as the client likes, so the answer (given `res` before its head is written)
 *   says `Connection: close`, and the connection lingers as above.
 */
export function settleUnreadBody(req: IncomingMessage, res?: ServerResponse): void {
  if (req.complete || req.destroyed || settled.has(req)) return;
  settled.add(req);
  const length = req.headers['content-length'];
  if (res && !res.headersSent && (length === undefined || !(Number(length) <= MAX_DRAIN_BYTES))) res.setHeader('connection', 'close');
  if (req.listenerCount('readable') > 0) req.removeAllListeners('readable');
  // A 'data' listener keeps the stream flowing: with none, removing the last 'readable' listener lets
  // Node stop the flow again on the next tick, the body backs up and the connection stops being read.
  req.on('data', drop);
  req.resume();
  lingerOnClose(req.socket);
}

const drop = (): void => {};

function lingerOnClose(socket: Socket | null): void {
  const s = socket as (Socket & { destroySoon?: () => void }) | null;
  if (!s || s.destroyed || typeof s.destroySoon !== 'function' || lingering.has(s)) return;
  lingering.add(s);
  // Node's HTTP server ends a connection it will not keep with `destroySoon()` once the answer is written.
  s.destroySoon = () => {
    s.end();
    s.resume();
    const afterAnswer = () => {
      if (s.readableEnded) {
        s.destroy();
        return;
      }
      const timer = setTimeout(() => s.destroy(), LINGER_MS);
      timer.unref();
      s.once('close', () => clearTimeout(timer));
      s.once('end', () => s.destroy());
    };
    if (s.writableFinished) afterAnswer();
    else s.once('finish', afterAnswer);
  };
}
