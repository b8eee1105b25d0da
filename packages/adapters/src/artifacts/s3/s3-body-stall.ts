import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { ServiceUnavailableError } from '@loam/core';
import type { S3Backend } from './s3-errors.js';

/**
 * An object's body from the backend, failed with ServiceUnavailable when the backend sends nothing for
 * `backend.idleTimeoutMs` while the reader waits for bytes. The SDK's own idle timeout counts the time the reader
 * does not read too: a reader that paused longer than the limit (a slow client, a job between two reads) lost the
 * rest of the body. It is switched off for the body, and this one counts only the time the reader waits.
 */
export function watchBodyStall(source: Readable, backend: S3Backend, signal?: AbortSignal): Readable {
  const release = quietSocket((source as Readable & { socket?: Socket | null }).socket ?? undefined);
  let timer: NodeJS.Timeout | undefined;
  const disarm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const arm = (): void => {
    disarm();
    timer = setTimeout(() => {
      const message = `The S3 artifact backend at ${backend.name} sent no part of the object's body for ${backend.idleTimeoutMs} ms (artifacts.idleTimeoutMs); it may be hung or overloaded.`;
      out.destroy(new ServiceUnavailableError(message));
    }, backend.idleTimeoutMs);
  };
  const out = new Readable({
    read() {
      arm();
      source.resume();
    },
    destroy(err, callback) {
      disarm();
      release();
      source.destroy();
      callback(err);
    },
  });
  // Node's own response emits 'error' only to a listener, so a body failing before anyone reads it (its read aborted,
  // the store closed) threw out of the process once wrapped. The error is kept (`errored`) for a later reader.
  out.on('error', () => {});
  source.on('data', (chunk: Buffer) => {
    disarm();
    if (out.push(chunk)) arm();
    else source.pause();
  });
  source.once('end', () => {
    disarm();
    release();
    out.push(null);
  });
  source.once('close', release);
  source.once('error', (e) => out.destroy(bodyError(e, backend, signal)));
  source.pause();
  return out;
}

/**
 * What a body's reader is told when the body fails: Node says `aborted` (ECONNRESET) both for a backend that closed the
 * connection mid-body and for the caller's own abort. The first is the backend's failure, as one before the answer is
 * (ServiceUnavailable naming it); the second is the caller's AbortError.
 */
function bodyError(e: Error, backend: S3Backend, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  if (!['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes((e as NodeJS.ErrnoException).code ?? '')) return e;
  const message = `The S3 artifact backend at ${backend.name} closed the connection before the whole object's body was sent; it may be down or restarting.`;
  return Object.assign(new ServiceUnavailableError(message), { cause: e });
}

/**
 * Switches the socket's idle timeout off until `release` is called (the body's end: the socket may then serve another
 * request, whose own timeout must hold). The SDK arms its timeout 3 s after a request starts when it is 6 s or more
 * (the default 60 s is): an answer that came sooner had it switched off here first and then armed again, so a reader's
 * pause still cut the body off. Each arming adds a 'timeout' listener; it is undone as it is made.
 */
function quietSocket(socket: Socket | undefined): () => void {
  if (!socket) return () => {};
  const quiet = (event: string | symbol): void => {
    if (event === 'timeout') socket.setTimeout(0);
  };
  socket.setTimeout(0);
  socket.on('newListener', quiet);
  return () => socket.off('newListener', quiet);
}
