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
  (source as Readable & { socket?: { setTimeout(ms: number): void } | null }).socket?.setTimeout(0);
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
    out.push(null);
  });
  source.once('error', (e) => out.destroy(e));
  source.pause();
  return out;
}
