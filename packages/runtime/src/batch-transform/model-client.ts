import { Agent, request } from 'node:http';
import { INSTANCE_SECRET_HEADER } from '../model-server/instance-secret.js';
import { POOLED_CONNECTION_IDLE_MS } from '../model-server/pooled-connection.js';

export interface InvokeOptions {
  readonly contentType?: string;
  readonly accept?: string;
  readonly timeoutMs: number;
  /** Retries after the first attempt, for timeouts, lost connections and 5xx answers. */
  readonly maxRetries: number;
  /** Send with chunked transfer encoding (MaxPayloadInMB 0). */
  readonly chunked?: boolean;
}

export interface InvokeResult {
  readonly body: Buffer;
  readonly contentType?: string;
}

/** The model's answer was an error it will repeat (4xx), or retries ran out. */
export class ModelInvocationError extends Error {
  override readonly name = 'ModelInvocationError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Talks to the model server on 127.0.0.1 the way SageMaker's batch agent does: POST /invocations with
 * the job's ContentType and Accept, a per-request timeout (InvocationsTimeoutInSeconds) and retries
 * (InvocationsMaxRetries), over kept-alive connections, one per concurrent transform.
 */
export class ModelClient {
  private readonly agent: Agent;
  private pending = 0;

  constructor(
    private readonly port: number,
    concurrency: number,
    /** Sent on every request: Loam's own model servers answer /invocations only with it. */
    private readonly secret?: string,
  ) {
    // A connection idle for longer is closed by Loam before the model server would: a server ending it as
    // Loam sends a record on it resets the request, which then costs one of InvocationsMaxRetries.
    this.agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, concurrency), timeout: POOLED_CONNECTION_IDLE_MS });
  }

  private once(method: 'GET' | 'POST', path: string, body: Buffer | undefined, o: Partial<InvokeOptions>): Promise<{ status: number; body: Buffer; contentType?: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (this.secret) headers[INSTANCE_SECRET_HEADER] = this.secret;
      if (o.contentType) headers['content-type'] = o.contentType;
      if (o.accept) headers['accept'] = o.accept;
      if (body && !o.chunked) headers['content-length'] = body.length;
      if (body && o.chunked) headers['transfer-encoding'] = 'chunked';
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}) }));
        res.on('error', reject);
      });
      const timeoutMs = o.timeoutMs;
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'TIMEOUT' })));
      req.on('error', reject);
      if (body && o.chunked) {
        for (let i = 0; i < body.length; i += 1 << 20) req.write(body.subarray(i, i + (1 << 20)));
        req.end();
      } else req.end(body);
    });
  }

  /** Invocations sent and not yet answered (retries included). */
  get inFlight(): number {
    return this.pending;
  }

  /** @throws ModelInvocationError with the model's status and message. */
  async invoke(body: Buffer, o: InvokeOptions): Promise<InvokeResult> {
    this.pending++;
    try {
      return await this.attempts(body, o);
    } finally {
      this.pending--;
    }
  }

  private async attempts(body: Buffer, o: InvokeOptions): Promise<InvokeResult> {
    let lastError = '';
    for (let attempt = 0; attempt <= o.maxRetries; attempt++) {
      if (attempt > 0) await sleep(Math.min(2000, 100 * 2 ** attempt));
      try {
        const r = await this.once('POST', '/invocations', body, o);
        if (r.status >= 200 && r.status < 300) return { body: r.body, ...(r.contentType ? { contentType: r.contentType } : {}) };
        const text = r.body.toString('utf8').slice(0, 300);
        if (r.status < 500) throw new ModelInvocationError(`the model answered ${r.status}: ${text}`, r.status);
        lastError = `the model answered ${r.status}: ${text}`;
      } catch (e) {
        if (e instanceof ModelInvocationError) throw e;
        lastError = (e as Error).message;
      }
    }
    throw new ModelInvocationError(`${lastError} (after ${o.maxRetries + 1} attempt${o.maxRetries === 0 ? '' : 's'})`);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.once('GET', '/ping', undefined, { timeoutMs: 2000 })).status === 200;
    } catch {
      return false;
    }
  }

  /** The container's `GET /execution-parameters`, when it serves one. */
  async executionParameters(): Promise<{ MaxConcurrentTransforms?: number; BatchStrategy?: string; MaxPayloadInMB?: number } | undefined> {
    try {
      const r = await this.once('GET', '/execution-parameters', undefined, { timeoutMs: 2000 });
      if (r.status !== 200) return undefined;
      const v: unknown = JSON.parse(r.body.toString('utf8'));
      return v && typeof v === 'object' ? (v as Record<string, never>) : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
