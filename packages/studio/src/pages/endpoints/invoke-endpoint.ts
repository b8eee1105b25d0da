import { readCookie } from '../../api/cookies.js';

export interface InvocationResult {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | undefined;
  /** `x-amzn-invoked-production-variant`: the variant that answered. */
  readonly variant: string | undefined;
  /** Round trip seen by the browser. */
  readonly ms: number;
}

/**
 * SageMaker Runtime's InvokeEndpoint from the browser: the session cookie authenticates and the
 * `loam_csrf` cookie is echoed in `X-CSRF-Token`, as the SDK client does for unsafe calls.
 */
export async function invokeEndpoint(endpointName: string, req: { body: string; contentType: string; accept: string; targetVariant?: string }): Promise<InvocationResult> {
  const headers: Record<string, string> = { 'content-type': req.contentType };
  if (req.accept) headers.accept = req.accept;
  if (req.targetVariant) headers['x-amzn-sagemaker-target-variant'] = req.targetVariant;
  const csrf = readCookie('loam_csrf');
  if (csrf) headers['x-csrf-token'] = csrf;
  const started = performance.now();
  const res = await fetch(`/endpoints/${encodeURIComponent(endpointName)}/invocations`, { method: 'POST', credentials: 'include', headers, body: req.body });
  const body = await res.text();
  return {
    status: res.status,
    body,
    contentType: res.headers.get('content-type') ?? undefined,
    variant: res.headers.get('x-amzn-invoked-production-variant') ?? undefined,
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
}

/** The content types SageMaker's built-in algorithms accept and answer with. */
export const builtInContentTypes = ['text/csv', 'application/json', 'application/jsonlines', 'text/libsvm'];
