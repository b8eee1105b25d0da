import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadBuiltinPredictor, type Predictor } from './builtin-predictor.js';
import { InferenceInputError } from './inference-error.js';
import { INSTANCE_SECRET_ENV, INSTANCE_SECRET_HEADER, secretMatches } from './instance-secret.js';

/** SageMaker's default request limit for a model container (MiB, as MaxPayloadInMB counts). */
const DEFAULT_MAX_PAYLOAD_IN_MB = 6;

/**
 * The request limit in bytes from `SAGEMAKER_MAX_PAYLOAD_IN_MB` (the transform job's MaxPayloadInMB;
 * `0` = no limit, for a file streamed whole), else 6 MiB.
 * @throws Error naming the variable when it is not a non-negative number.
 */
export function maxPayloadBytes(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['SAGEMAKER_MAX_PAYLOAD_IN_MB'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_PAYLOAD_IN_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0) throw new Error(`SAGEMAKER_MAX_PAYLOAD_IN_MB is '${raw}'; expected a non-negative number of MB (0 = no limit).`);
  return mb === 0 ? Number.POSITIVE_INFINITY : Math.floor(mb * 1024 * 1024);
}

function tooLarge(size: string, limit: number): InferenceInputError {
  return new InferenceInputError(413, `The payload${size} is over the model server's ${limit}-byte limit (SAGEMAKER_MAX_PAYLOAD_IN_MB).`);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(tooLarge(` of ${declared} bytes`, limit));
    // A declared length is read into one buffer; a chunked body is collected in its chunks.
    const whole = declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      if (size + c.length > limit || (whole && size + c.length > whole.length)) {
        req.off('data', onData);
        // Discard the rest; the answer closes the connection.
        req.resume();
        reject(tooLarge('', limit));
        return;
      }
      if (whole) c.copy(whole, size);
      else chunks.push(c);
      size += c.length;
    };
    req.on('data', onData);
    req.on('end', () => resolve(whole ? whole.subarray(0, size) : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface ServeOptions {
  /** Bytes; larger requests get 413. Default: 6 MiB. */
  readonly maxPayloadBytes?: number;
  /** When set, /invocations answers only requests whose `x-loam-instance-secret` is this (403 otherwise). */
  readonly secret?: string;
}

/** The `/ping` + `/invocations` server of a built-in model, for instances run as their own process. */
export function serveBuiltin(predictor: Predictor, options: ServeOptions = {}): ReturnType<typeof createServer> {
  const limit = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_IN_MB * 1024 * 1024;
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/ping' && req.method === 'GET') {
      res.writeHead(200, { 'content-length': '0' }).end();
      return;
    }
    if (req.url !== '/invocations' || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /ping and POST /invocations are served.');
      return;
    }
    if (!secretMatches(options.secret, req.headers[INSTANCE_SECRET_HEADER])) {
      // The body is not read: the connection ends with the answer.
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('This model server answers only Loam.');
      return;
    }
    readBody(req, limit).then(
      (body) => {
        const out = predictor.invoke(body, req.headers['content-type'], req.headers['accept']);
        res.writeHead(200, { 'content-type': out.contentType, 'content-length': Buffer.byteLength(out.body) }).end(out.body);
      },
    ).catch((e: unknown) => {
      const status = e instanceof InferenceInputError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (res.headersSent) return;
      // A body left unread cannot be followed by another request on this connection.
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(status === 413 ? { connection: 'close' } : {}) }).end(message);
    });
  });
}

/**
 * `node serve-main.js <model-dir>`: loads the built-in model and listens on `SAGEMAKER_BIND_TO_PORT`
 * (default 8080) at 127.0.0.1, as SageMaker's inference containers do on their port.
 */
async function main(): Promise<void> {
  const modelDir = process.argv[2] ?? process.env['SM_MODEL_DIR'] ?? '/opt/ml/model';
  const port = Number(process.env['SAGEMAKER_BIND_TO_PORT'] ?? 8080);
  const secret = process.env[INSTANCE_SECRET_ENV];
  const server = serveBuiltin(loadBuiltinPredictor(modelDir, { batch: process.env['SAGEMAKER_BATCH'] === 'true' }), { maxPayloadBytes: maxPayloadBytes(process.env), ...(secret ? { secret } : {}) });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && /serve-main\.(ts|js)$/.test(process.argv[1])) {
  main().catch((e: unknown) => {
    process.stderr.write(`model server failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
