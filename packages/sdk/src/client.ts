import { operations, pathParams, type InputOf, type Operation, type Operations, type OutputOf } from '@loam/contracts';
import { LoamApiError, LoamConnectionError } from './errors.js';

export interface LoamClientOptions {
  /** Base URL of a Loam server, e.g. `http://127.0.0.1:7717`. */
  readonly endpoint: string;
  /** An API token (`loam_api_token` in `<data-dir>/credentials`). Omit in a browser with a Studio session. */
  readonly token?: string;
  /** For Studio sessions: the CSRF token to echo on unsafe methods. */
  readonly csrfToken?: () => string | undefined;
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `include` in a browser so the session cookie travels. */
  readonly credentials?: 'include' | 'omit' | 'same-origin';
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** One typed method per operation in the table: `client.CreateUser({ UserName })`. */
export type LoamClient = {
  readonly [K in keyof Operations]: (input: InputOf<Operations[K]>, options?: CallOptions) => Promise<OutputOf<Operations[K]>>;
} & {
  /** Calls an operation by name with an untyped input (the CLI and Studio's generated forms use this). */
  call(name: string, input: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
};

function buildRequest(op: Operation, input: Record<string, unknown>): { path: string; query: URLSearchParams; body?: string } {
  const rest = { ...input };
  let path = op.rest.path;
  for (const name of pathParams(op.rest.path)) {
    const v = rest[name];
    if (v === undefined || v === null || v === '') throw new LoamApiError('ValidationException', `'${name}' is required.`, 400, [{ path: `/${name}`, message: 'is required' }]);
    path = path.replace(`{${name}}`, encodeURIComponent(String(v)));
    delete rest[name];
  }
  const query = new URLSearchParams();
  if (op.rest.method === 'GET' || op.rest.method === 'DELETE') {
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) query.append(k, String(x));
      else query.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    return { path, query };
  }
  return { path, query, body: JSON.stringify(rest) };
}

async function toError(res: Response): Promise<LoamApiError> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as { code?: string; detail?: string; errors?: { path: string; message: string }[]; requestId?: string };
    if (p && typeof p.code === 'string') return new LoamApiError(p.code, p.detail ?? p.code, res.status, p.errors ?? [], p.requestId);
  } catch {
    // not problem+json; fall through
  }
  return new LoamApiError(res.status >= 500 ? 'InternalFailure' : 'ValidationException', `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
}

/**
 * A typed client for Loam's REST API, built from the operation table. Every method throws
 * {@link LoamApiError} with the server's code and message, or {@link LoamConnectionError} when the
 * server cannot be reached.
 */
export function createLoamClient(options: LoamClientOptions): LoamClient {
  const f = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.endpoint.replace(/\/+$/, '');
  async function call(name: string, input: Record<string, unknown>, callOptions?: CallOptions): Promise<unknown> {
    const op = (operations as Record<string, Operation>)[name];
    if (!op) throw new LoamApiError('ValidationException', `Unknown operation '${name}'.`, 400);
    const { path, query, body } = buildRequest(op, input ?? {});
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = options.csrfToken?.();
    if (csrf && op.rest.method !== 'GET') headers['x-csrf-token'] = csrf;
    const qs = query.toString();
    const url = `${base}${path}${qs ? `?${qs}` : ''}`;
    let res: Response;
    try {
      res = await f(url, { method: op.rest.method, headers, body, signal: callOptions?.signal, credentials: options.credentials });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new LoamConnectionError(base, e);
    }
    if (!res.ok) throw await toError(res);
    const text = await res.text();
    return text ? JSON.parse(text) : {};
  }
  const client: Record<string, unknown> = { call };
  for (const name of Object.keys(operations)) client[name] = (input: Record<string, unknown>, o?: CallOptions) => call(name, input, o);
  return client as LoamClient;
}
