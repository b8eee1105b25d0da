import { operations, pathParams, type InputOf, type Operation, type Operations, type OutputOf } from '@loam/contracts';
import { LoamApiError, LoamConnectionError, LoamModelError } from './errors.js';

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
  /** SageMaker Runtime's InvokeEndpoint: sends a payload to an endpoint's model and returns its answer. */
  invokeEndpoint(input: InvokeEndpointInput, options?: CallOptions): Promise<InvokeEndpointOutput>;
  /**
   * Uploads a file (CSV/TSV, Parquet or JSON Lines, gzip or not) as a new version of a dataset
   * (`POST /api/v1/datasets/{DatasetName}/upload`): the body is streamed to the artifact store, then
   * imported as ImportDatasetVersion would. Returns the new version. With `CreateDataset: true` a dataset
   * that does not exist is created together with this version (a file that cannot be imported leaves
   * no dataset behind): do not create it first and delete it on failure, which would delete a version
   * another upload added meanwhile.
   * @throws LoamApiError `ResourceNotFound` (no such dataset, without CreateDataset), `ValidationException`
   *   (a file that cannot be imported, a hint out of range), `ResourceInUse` (another import recorded
   *   that version number meanwhile: upload again), `LimitExceeded` (over 10 GiB); LoamConnectionError
   */
  uploadDatasetVersion(input: UploadDatasetVersionInput, options?: CallOptions): Promise<OutputOf<Operations['DescribeDatasetVersion']>>;
};

/** A local file for {@link LoamClient.uploadDatasetVersion}, with the hints ImportDatasetVersion takes. */
export interface UploadDatasetVersionInput {
  readonly DatasetName: string;
  /** Create the dataset, with this version, when it does not exist (needs sagemaker:CreateDataset too). */
  readonly CreateDataset?: boolean;
  /** The description of a dataset this creates (only with CreateDataset). */
  readonly Description?: string;
  /** The file's bytes: a Blob (Node's `fs.openAsBlob(path)` streams from disk), bytes or text. */
  readonly Body: Blob | Uint8Array | string;
  /** The file's name, kept with the stored copy; its extension (.csv, .tsv, .parquet, .jsonl, .gz) helps detection. */
  readonly FileName?: string;
  /** Detected when absent. */
  readonly Format?: 'csv' | 'parquet' | 'jsonl';
  /** Detected from the gzip magic when absent. */
  readonly Compression?: 'gzip' | 'none';
  /** CSV: one character; `\t` for TSV. */
  readonly Delimiter?: string;
  /** CSV: whether the first row names the columns (detected when absent). */
  readonly Header?: boolean;
  /** CSV: one character, or '' for none. */
  readonly Quote?: string;
  /** CSV: one character, or '' for none. */
  readonly Escape?: string;
  readonly Encoding?: 'utf-8' | 'utf-16' | 'latin-1';
  /** Type overrides by column: BOOLEAN, BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP. */
  readonly ColumnTypes?: Readonly<Record<string, string>>;
}

/** SageMaker Runtime's InvokeEndpoint request (the members the HTTP API carries as headers, by their SDK names). */
export interface InvokeEndpointInput {
  readonly EndpointName: string;
  /** The payload, sent as is. */
  readonly Body: Uint8Array | string;
  /** Content-Type of the payload. */
  readonly ContentType?: string;
  /** The content type wanted back. */
  readonly Accept?: string;
  /** Send to this production variant instead of choosing by weight. */
  readonly TargetVariant?: string;
  /** Opaque to Loam; passed to the model and back (X-Amzn-SageMaker-Custom-Attributes). */
  readonly CustomAttributes?: string;
  /** Recorded with data capture. */
  readonly InferenceId?: string;
  readonly TargetModel?: string;
  readonly TargetContainerHostname?: string;
  readonly EnableExplanations?: string;
  readonly InferenceComponentName?: string;
}

/** SageMaker Runtime's InvokeEndpoint response. */
export interface InvokeEndpointOutput {
  /** The model's answer, as bytes. */
  readonly Body: Uint8Array;
  readonly ContentType?: string;
  /** The variant that answered. */
  readonly InvokedProductionVariant?: string;
  /** What the model set in X-Amzn-SageMaker-Custom-Attributes. */
  readonly CustomAttributes?: string;
}

const invokeHeaders: readonly (readonly [keyof InvokeEndpointInput, string])[] = [
  ['ContentType', 'content-type'],
  ['Accept', 'accept'],
  ['TargetVariant', 'x-amzn-sagemaker-target-variant'],
  ['CustomAttributes', 'x-amzn-sagemaker-custom-attributes'],
  ['InferenceId', 'x-amzn-sagemaker-inference-id'],
  ['TargetModel', 'x-amzn-sagemaker-target-model'],
  ['TargetContainerHostname', 'x-amzn-sagemaker-target-container-hostname'],
  ['EnableExplanations', 'x-amzn-sagemaker-enable-explanations'],
  ['InferenceComponentName', 'x-amzn-sagemaker-inference-component'],
];

/**
 * Runtime answers errors as REST-JSON: the code in `x-amzn-ErrorType` (`ModelError`, `ValidationError`,
 * `ThrottlingException`, …), `{"message", …}` in the body; Loam's auth layer answers problem+json.
 */
async function toRuntimeError(res: Response): Promise<LoamApiError> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  const requestId = res.headers.get('x-amzn-requestid') ?? undefined;
  const headerCode = res.headers.get('x-amzn-errortype')?.split(':')[0];
  const code = headerCode ?? (typeof body['code'] === 'string' ? body['code'] : undefined);
  const message = typeof body['message'] === 'string' ? body['message'] : typeof body['detail'] === 'string' ? body['detail'] : text ? `HTTP ${res.status}: ${text.slice(0, 200)}` : `HTTP ${res.status}`;
  if (code === 'ModelError') {
    const original = body['OriginalStatusCode'];
    return new LoamModelError(
      message,
      typeof original === 'number' ? original : original === undefined ? undefined : Number(original),
      typeof body['OriginalMessage'] === 'string' ? body['OriginalMessage'] : undefined,
      typeof body['LogStreamArn'] === 'string' ? body['LogStreamArn'] : undefined,
      requestId,
    );
  }
  const fields = Array.isArray(body['errors']) ? (body['errors'] as { path: string; message: string }[]) : [];
  return new LoamApiError(code ?? (res.status >= 500 ? 'InternalFailure' : 'ValidationError'), message, res.status, fields, requestId);
}

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
  async function invokeEndpoint(input: InvokeEndpointInput, callOptions?: CallOptions): Promise<InvokeEndpointOutput> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    for (const [member, header] of invokeHeaders) {
      const v = input[member];
      if (typeof v === 'string') headers[header] = v;
    }
    const csrf = options.csrfToken?.();
    if (csrf) headers['x-csrf-token'] = csrf;
    let res: Response;
    try {
      res = await f(`${base}/endpoints/${encodeURIComponent(input.EndpointName)}/invocations`, {
        method: 'POST', headers, body: input.Body as NonNullable<RequestInit['body']>, signal: callOptions?.signal, credentials: options.credentials,
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new LoamConnectionError(base, e);
    }
    if (!res.ok) throw await toRuntimeError(res);
    const out: { -readonly [K in keyof InvokeEndpointOutput]: InvokeEndpointOutput[K] } = { Body: new Uint8Array(await res.arrayBuffer()) };
    const ct = res.headers.get('content-type');
    if (ct !== null) out.ContentType = ct;
    const variant = res.headers.get('x-amzn-invoked-production-variant');
    if (variant !== null) out.InvokedProductionVariant = variant;
    const attrs = res.headers.get('x-amzn-sagemaker-custom-attributes');
    if (attrs !== null) out.CustomAttributes = attrs;
    return out;
  }
  async function uploadDatasetVersion(input: UploadDatasetVersionInput, callOptions?: CallOptions): Promise<OutputOf<Operations['DescribeDatasetVersion']>> {
    const query = new URLSearchParams();
    for (const k of ['FileName', 'Format', 'Compression', 'Delimiter', 'Quote', 'Escape', 'Encoding', 'Description'] as const) {
      const v = input[k];
      if (v !== undefined) query.set(k, v);
    }
    if (input.Header !== undefined) query.set('Header', String(input.Header));
    if (input.CreateDataset !== undefined) query.set('CreateDataset', String(input.CreateDataset));
    if (input.ColumnTypes !== undefined) query.set('ColumnTypes', JSON.stringify(input.ColumnTypes));
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/octet-stream', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const csrf = options.csrfToken?.();
    if (csrf) headers['x-csrf-token'] = csrf;
    let res: Response;
    try {
      // redirect 'error': a fetch that may follow a redirect keeps a copy of the body to send again, and
      // Node's (undici) keeps it by teeing the Blob's stream into memory, so a 1 GB file cost 1 GB of RAM.
      // Loam never redirects an upload.
      res = await f(`${base}/api/v1/datasets/${encodeURIComponent(input.DatasetName)}/upload?${query.toString()}`, {
        method: 'POST', headers, body: input.Body as NonNullable<RequestInit['body']>, signal: callOptions?.signal, credentials: options.credentials, redirect: 'error',
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new LoamConnectionError(base, e);
    }
    if (!res.ok) throw await toError(res);
    return (await res.json()) as OutputOf<Operations['DescribeDatasetVersion']>;
  }
  const client: Record<string, unknown> = { call, invokeEndpoint, uploadDatasetVersion };
  for (const name of Object.keys(operations)) client[name] = (input: Record<string, unknown>, o?: CallOptions) => call(name, input, o);
  return client as LoamClient;
}
