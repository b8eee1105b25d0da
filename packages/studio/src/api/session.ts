import { readCookie } from './cookies.js';

export interface Session {
  readonly signedIn: boolean;
  readonly userName?: string;
  readonly arn?: string;
  /** The server's region and account: Studio's default bucket is named after them (`sagemaker-<region>-<account>`). */
  readonly region?: string;
  readonly accountId?: string;
}

/** The answer public/session-early.js asked for as the page started, taken once. */
function earlyAnswer(): Promise<Response> | undefined {
  const w = window as { loamSessionAnswer?: Promise<Response> };
  const early = w.loamSessionAnswer;
  delete w.loamSessionAnswer;
  return early;
}

/** Who is signed in, from `GET /auth/session` (401 means nobody: the landing page shows). */
export async function fetchSession(signal?: AbortSignal): Promise<Session> {
  const res = (await earlyAnswer()) ?? (await fetch('/auth/session', { credentials: 'include', headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) }));
  if (res.status === 401) return { signedIn: false };
  if (!res.ok) throw new Error(`Loam answered ${res.status} when asked who is signed in.`);
  return (await res.json()) as Session;
}

/** Ends the session on the server (the cookies are cleared by its answer). */
export async function signOut(): Promise<void> {
  const csrf = readCookie('loam_csrf');
  await fetch('/auth/logout', { method: 'POST', credentials: 'include', headers: csrf ? { 'x-csrf-token': csrf } : {} });
}

/** `GET /healthz`: `ok`, or the stores that did not answer. */
export async function fetchHealth(signal?: AbortSignal): Promise<{ status: string; checks?: Record<string, string>; ms: number }> {
  const t0 = performance.now();
  const res = await fetch('/healthz', { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  const body = (await res.json().catch(() => ({ status: `HTTP ${res.status}` }))) as { status: string; checks?: Record<string, string> };
  return { ...body, ms: Math.round(performance.now() - t0) };
}
