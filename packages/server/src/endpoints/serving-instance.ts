import { Agent, request } from 'node:http';
import type { InstanceHandle } from '@loam/core';
import { INSTANCE_SECRET_HEADER, InferenceInputError, POOLED_CONNECTION_IDLE_MS, type Predictor } from '@loam/runtime/model-server/index';

/** One invocation as an instance receives it. */
export interface InstanceRequest {
  readonly body: Buffer;
  readonly contentType?: string | undefined;
  readonly accept?: string | undefined;
  readonly customAttributes?: string | undefined;
}

/** What the model answered (any status: the router maps 4xx/5xx to Runtime's ModelError). */
export interface InstanceAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType?: string;
  readonly customAttributes?: string;
}

/** The instance could not be reached (refused, reset before an answer): safe to retry on another. */
export class InstanceUnreachableError extends Error {
  override readonly name = 'InstanceUnreachableError';
}

export type InstanceState = 'starting' | 'healthy' | 'unhealthy' | 'draining' | 'stopped';

/** A model-server instance the router can send requests to. */
export interface ServingInstance {
  readonly id: string;
  state: InstanceState;
  /** Requests in flight now. */
  inflight: number;
  readonly maxConcurrency: number;
  /** Kind, for Describe and metrics: `in-process` or `process`. */
  readonly kind: 'in-process' | 'process';
  invoke(req: InstanceRequest, timeoutMs: number): Promise<InstanceAnswer>;
  /** GET /ping: true for a 200 within 2 s. */
  ping(): Promise<boolean>;
  /** Resolves when the instance is gone by itself (process exit); never for in-process ones. */
  readonly exited: Promise<unknown>;
  stop(graceMs: number): Promise<void>;
}

/**
 * A built-in model served on the server's own event loop: predicting one row of a 100-tree forest takes
 * microseconds, far less than a hop to another process or thread (ADR 0011).
 */
export class InProcessInstance implements ServingInstance {
  state: InstanceState = 'healthy';
  inflight = 0;
  readonly kind = 'in-process';
  readonly exited = new Promise<unknown>(() => {});

  constructor(
    readonly id: string,
    private readonly predictor: Predictor,
    readonly maxConcurrency: number,
    /** Where the model was loaded from: serving workers load their own copy from it. */
    readonly modelDir?: string,
  ) {}

  async invoke(req: InstanceRequest): Promise<InstanceAnswer> {
    return this.invokeNow(req);
  }

  /** The synchronous path the router takes for in-process models (no promise per request). */
  invokeNow(req: InstanceRequest): InstanceAnswer {
    try {
      const out = this.predictor.invoke(req.body, req.contentType, req.accept);
      return { status: 200, body: Buffer.from(out.body), contentType: out.contentType };
    } catch (e) {
      if (e instanceof InferenceInputError) return { status: e.status, body: Buffer.from(e.message), contentType: 'text/plain; charset=utf-8' };
      return { status: 500, body: Buffer.from(`${(e as Error).name}: ${(e as Error).message}`), contentType: 'text/plain; charset=utf-8' };
    }
  }

  async ping(): Promise<boolean> {
    return this.state !== 'stopped';
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
  }
}

/**
 * An instance in its own process, reached over loopback HTTP through a keep-alive pool sized to its
 * concurrency — or, for a network-isolated one, over its launcher's Unix socket (`socketPath`).
 */
export class HttpInstance implements ServingInstance {
  state: InstanceState = 'starting';
  inflight = 0;
  readonly kind = 'process';
  private readonly agent: Agent;
  /** Where requests go: `{ host, port }`, or `{ socketPath }` for an instance in a network of its own. */
  private readonly target: { readonly host: string; readonly port: number } | { readonly socketPath: string };
  readonly exited: Promise<unknown>;

  constructor(
    readonly id: string,
    readonly handle: InstanceHandle,
    readonly maxConcurrency: number,
    /** Sent with every invocation: Loam's own model servers answer nothing else (instance-secret.ts). */
    private readonly secret?: string,
  ) {
    const u = new URL(handle.url);
    this.target = handle.socketPath ? { socketPath: handle.socketPath } : { host: u.hostname, port: Number(u.port) };
    this.agent = new Agent({ keepAlive: true, maxSockets: maxConcurrency, keepAliveMsecs: 1000, timeout: POOLED_CONNECTION_IDLE_MS });
    this.exited = handle.exited;
  }

  /**
   * A request is sent once: one reset before an answer is never sent again on this instance, even on a reused
   * connection, since the server may have read it and run the handler (it reset the connection after reading,
   * a worker died, gunicorn's --timeout killed it). Idle closes, which Node's `reusedSocket` retry is for, are
   * avoided instead: Loam ends a pooled connection before the server would ({@link POOLED_CONNECTION_IDLE_MS}).
   */
  invoke(req: InstanceRequest, timeoutMs: number): Promise<InstanceAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-length': req.body.length };
      if (req.contentType) headers['content-type'] = req.contentType;
      if (req.accept) headers['accept'] = req.accept;
      if (req.customAttributes) headers['x-amzn-sagemaker-custom-attributes'] = req.customAttributes;
      if (this.secret) headers[INSTANCE_SECRET_HEADER] = this.secret;
      let answered = false;
      const r = request({ ...this.target, method: 'POST', path: '/invocations', agent: this.agent, headers }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ct = res.headers['content-type'];
          const ca = res.headers['x-amzn-sagemaker-custom-attributes'];
          resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks), ...(ct ? { contentType: ct } : {}), ...(typeof ca === 'string' ? { customAttributes: ca } : {}) });
        });
        res.on('error', (e) => reject(new InstanceUnreachableError(e.message)));
      });
      r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error('timeout'), { code: 'LOAM_TIMEOUT' })));
      r.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'LOAM_TIMEOUT') reject(e);
        else if (!answered) reject(new InstanceUnreachableError(`${e.code ?? ''} ${e.message}`.trim()));
        else reject(e);
      });
      r.end(req.body);
    });
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const r = request({ ...this.target, method: 'GET', path: '/ping', agent: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      r.on('timeout', () => r.destroy());
      r.on('error', () => resolve(false));
      r.end();
    });
  }

  async stop(graceMs: number): Promise<void> {
    this.state = 'stopped';
    await this.handle.stop(graceMs);
    this.agent.destroy();
  }
}
