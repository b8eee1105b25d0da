import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadBuiltinPredictor, type Predictor } from './builtin-predictor.js';
import { InferenceInputError } from './inference-error.js';

const MAX_BODY = 6 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new InferenceInputError(413, `The payload of ${declared} bytes is over the ${limit}-byte limit.`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new InferenceInputError(413, `The payload is over the ${limit}-byte limit.`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The `/ping` + `/invocations` server of a built-in model, for instances run as their own process. */
export function serveBuiltin(predictor: Predictor): ReturnType<typeof createServer> {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/ping' && req.method === 'GET') {
      res.writeHead(200, { 'content-length': '0' }).end();
      return;
    }
    if (req.url !== '/invocations' || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /ping and POST /invocations are served.');
      return;
    }
    readBody(req, MAX_BODY).then(
      (body) => {
        const out = predictor.invoke(body, req.headers['content-type'], req.headers['accept']);
        res.writeHead(200, { 'content-type': out.contentType, 'content-length': Buffer.byteLength(out.body) }).end(out.body);
      },
    ).catch((e: unknown) => {
      const status = e instanceof InferenceInputError ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
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
  const server = serveBuiltin(loadBuiltinPredictor(modelDir));
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
