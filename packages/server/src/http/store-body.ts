import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ArtifactsConfig } from '../config/schema.js';

/**
 * How long a client of a local store's body may take no byte of it before it is cut off: an S3 backend's default idle
 * limit, so both stores treat a stalled client alike.
 */
export const LOCAL_STALLED_CLIENT_MS = 15_000;

/**
 * How long a client of a store body may take no byte of it before it is cut off (sendStoreBody): the S3 backend's
 * idle limit when the artifacts are on an S3 backend, whose bodies hold one of its pooled connections;
 * LOCAL_STALLED_CLIENT_MS for a local store, whose bodies hold an open file each (there was none: every client that
 * stopped reading held a file descriptor for as long as it kept its connection, and enough of them ran the server out).
 */
export function stalledClientLimit(artifacts: ArtifactsConfig): { stalledClientMs: number } {
  return { stalledClientMs: artifacts.type === 's3' ? artifacts.idleTimeoutMs : LOCAL_STALLED_CLIENT_MS };
}

/**
 * Answers with an object's body from the store, which may hold a connection to the artifact backend until it is read
 * to its end or destroyed. It is destroyed when the answer closes (the client went away or the answer was cut off),
 * and the answer is cut off when the client takes no byte of it for `stalledClientMs` while bytes wait for it (a client
 * that stopped reading, or whose host is gone without closing): such a body held its backend connection (or its open
 * file) for good, and a few of them took the whole pool, so every later request to the backend waited. Left out, a
 * stalled client is not cut off. Every route answering with a store body sends it through here (S3 GetObject, the MLflow
 * artifact proxy's downloads).
 */
export function sendStoreBody(reply: FastifyReply, body: Readable, stalledClientMs: number | undefined): FastifyReply {
  const res = reply.raw;
  res.once('close', () => body.destroy());
  if (stalledClientMs !== undefined) {
    // The socket's inactivity timeout also runs while the store is the slow one (nothing to send): that is the store's
    // own idle limit to tell, so only an answer with bytes the client does not take is cut off here.
    res.setTimeout(stalledClientMs, () => {
      if (res.writableNeedDrain) res.destroy();
    });
  }
  return reply.send(body);
}
