import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { s3ErrorXml, toS3Error } from './s3-errors.js';
import { sendXml } from './s3-context.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * When CompleteMultipartUpload's answer starts going out, and how often a space follows while the
 * parts are assembled. Mutable for tests only.
 */
export const completeKeepAlive = { afterMs: 2_000, everyMs: 5_000 };

/**
 * Answers with the XML document `work` resolves to, as S3 answers CompleteMultipartUpload: work
 * that ends within `afterMs` is answered as usual (an error with its own status), longer work gets a
 * 200 and the XML declaration at once, then a space every `everyMs` until the document (or an `<Error>`
 * document: SDKs read an Error inside a 200 as a failure of this operation) ends the body. Assembling
 * a large object takes longer than clients wait for a first byte (botocore's 60 s read timeout: a
 * 2.2 GB object took 20 s here), and a client that timed out retried, then aborted an upload Loam was
 * completing.
 */
export async function answerWhileWorking(req: FastifyRequest, reply: FastifyReply, work: Promise<string>): Promise<FastifyReply> {
  const settled = work.then(() => true, () => true);
  const early = await Promise.race([settled, new Promise<false>((resolve) => setTimeout(() => resolve(false), completeKeepAlive.afterMs).unref())]);
  if (early) return sendXml(reply, await work);
  const body = new PassThrough();
  body.write(DECLARATION);
  const timer = setInterval(() => body.write(' '), completeKeepAlive.everyMs);
  const strip = (xml: string) => (xml.startsWith(DECLARATION) ? xml.slice(DECLARATION.length) : xml);
  work.then(
    (xml) => body.end(strip(xml)),
    (e: unknown) => {
      const { error, internal } = toS3Error(e);
      if (internal) req.log.error({ err: e }, 'request failed');
      body.end(strip(s3ErrorXml(error, (req.raw.url ?? req.url).split('?')[0] as string, req.id)));
    },
  ).finally(() => clearInterval(timer)).catch(() => undefined);
  return reply.code(200).type('application/xml').send(body);
}
