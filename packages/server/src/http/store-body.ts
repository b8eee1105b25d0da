import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ArtifactsConfig } from '../config/schema.js';

/**
 * The local store's default `artifacts.stalledClientTimeoutMs` (the schema's): long enough that a client reading 16 KB/s
 * is not taken for a stalled one (see stalledClientLimit).
 */
export const LOCAL_STALLED_CLIENT_MS = 120_000;

/**
 * How long a client of a store body may take no byte of it before it is cut off (sendStoreBody):
 * `artifacts.stalledClientTimeoutMs`; on an S3 backend, whose bodies hold one of its pooled connections, the backend's
 * idle limit when that is not set; on a local store, whose bodies hold an open file each, 120 s by default.
 *
 * Node sees a client take bytes only when the kernel takes more of the answer into the connection's send buffer, which
 * it does once about a third of that buffer (up to 4 MB) has drained; nothing Node offers tells how much of it the client
 * took meanwhile. So a client reading steadily but less than about 1 MB per limit is taken for a stalled one: the limit
 * trades how long a stalled client holds its file or connection against how slow a reader is served.
 */
export function stalledClientLimit(artifacts: ArtifactsConfig): { stalledClientMs: number } {
  return { stalledClientMs: artifacts.stalledClientTimeoutMs ?? (artifacts.type === 's3' ? artifacts.idleTimeoutMs : LOCAL_STALLED_CLIENT_MS) };
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
