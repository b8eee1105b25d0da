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
export function watchBodyStall(source: Readable, backend: S3Backend): Readable {
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
  source.once('error', (e) => out.destroy(e));
  source.pause();
  return out;
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
