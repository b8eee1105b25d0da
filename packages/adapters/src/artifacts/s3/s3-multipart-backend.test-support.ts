import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpBackend } from './s3-misbehaving-backend.test-support.js';

// A small S3 backend on 127.0.0.1 that keeps the multipart uploads of bucket `models` in memory, as S3 does, and can
// lose the answer to a CreateMultipartUpload it carried out. Closed by `closeBackends()`.

export interface Upload {
  readonly key: string;
  readonly id: string;
  readonly initiated: Date;
  readonly parts: Map<number, number>;
  readonly sha256: string;
}

export interface MultipartBackend {
  readonly endpoint: string;
  /** The uploads in progress (made, neither completed nor aborted). */
  readonly uploads: Map<string, Upload>;
  /** How many CreateMultipartUpload requests came. */
  creates(): number;
}

/**
 * `onCreate(n, upload, uploads)` runs after the n-th CreateMultipartUpload made its upload; it answers false to lose
 * the answer (the connection is reset, as a proxy or a restarting backend does after the work was done), 'slow-down'
 * to refuse the request as S3 does when throttled (503 SlowDown, no upload made).
 * `refuseParts`: every UploadPart is refused (400), so the put fails after its upload was made.
 */
export async function multipartBackend(
  onCreate: (n: number, upload: Upload, uploads: Map<string, Upload>) => boolean | 'slow-down' = () => true,
  options: { readonly refuseParts?: boolean } = {},
): Promise<MultipartBackend> {
  const uploads = new Map<string, Upload>();
  const objects = new Map<string, { size: number; sha256: string }>();
  let creates = 0;
  let ids = 0;
  const backend = await httpBackend((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).length));
  });
  function answer(req: IncomingMessage, res: ServerResponse, bodySize: number): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = decodeURIComponent(url.pathname.replace(/^\/models\/?/, ''));
    const q = url.searchParams;
    const xml = (body: string) => res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
    const noSuchUpload = () => res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchUpload</Code><Message>no</Message></Error>');
    if (req.method === 'HEAD' && key === '') return void res.writeHead(200).end();
    if (req.method === 'HEAD') {
      const o = objects.get(key);
      if (!o) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-length': String(o.size), etag: '"m-2"', 'x-amz-meta-sha256': o.sha256, 'last-modified': new Date(0).toUTCString() }).end();
    }
    if (req.method === 'POST' && q.has('uploads')) {
      const upload: Upload = { key, id: `u${++ids}`, initiated: new Date(), parts: new Map(), sha256: String(req.headers['x-amz-meta-sha256'] ?? '') };
      uploads.set(upload.id, upload);
      const outcome = onCreate(++creates, upload, uploads);
      if (outcome === 'slow-down') {
        uploads.delete(upload.id);
        return void res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      }
      if (!outcome) return void res.socket?.resetAndDestroy();
      return void xml(`<InitiateMultipartUploadResult><Bucket>models</Bucket><Key>${key}</Key><UploadId>${upload.id}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (req.method === 'GET' && key === '' && q.has('uploads')) {
      const prefix = q.get('prefix') ?? '';
      const listed = [...uploads.values()].filter((u) => u.key.startsWith(prefix));
      const entries = listed.map((u) => `<Upload><Key>${u.key}</Key><UploadId>${u.id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`);
      return void xml(`<ListMultipartUploadsResult><Bucket>models</Bucket><Prefix>${prefix}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${entries.join('')}</ListMultipartUploadsResult>`);
    }
    const upload = uploads.get(q.get('uploadId') ?? '');
    if (q.has('uploadId') && (!upload || upload.key !== key)) return void noSuchUpload();
    if (upload && req.method === 'GET') {
      const parts = [...upload.parts].map(([n, size]) => `<Part><PartNumber>${n}</PartNumber><ETag>"p${n}"</ETag><Size>${size}</Size></Part>`);
      return void xml(`<ListPartsResult><Bucket>models</Bucket><Key>${key}</Key><UploadId>${upload.id}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`);
    }
    if (upload && req.method === 'PUT' && options.refuseParts) {
      return void res.writeHead(400, { 'content-type': 'application/xml' }).end('<Error><Code>InvalidRequest</Code><Message>refused</Message></Error>');
    }
    if (upload && req.method === 'PUT') {
      upload.parts.set(Number(q.get('partNumber')), bodySize);
      return void res.writeHead(200, { etag: `"p${q.get('partNumber')}"` }).end();
    }
    if (upload && req.method === 'POST') {
      uploads.delete(upload.id);
      objects.set(key, { size: [...upload.parts.values()].reduce((a, b) => a + b, 0), sha256: upload.sha256 });
      return void xml(`<CompleteMultipartUploadResult><Bucket>models</Bucket><Key>${key}</Key><ETag>"m-2"</ETag></CompleteMultipartUploadResult>`);
    }
    if (upload && req.method === 'DELETE') {
      uploads.delete(upload.id);
      return void res.writeHead(204).end();
    }
    res.writeHead(501).end();
  }
  return { endpoint: backend.endpoint, uploads, creates: () => creates };
}
