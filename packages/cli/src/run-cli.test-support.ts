import { vi } from 'vitest';
import { buildProgram } from './program.js';

/** Runs `loam <args>` in process (sources, no build) and returns what it printed and its exit code. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    const program = buildProgram().exitOverride();
    await program.parseAsync(['node', 'loam', ...args]);
  } catch (e) {
    stderr += `[commander] ${(e as Error).message}\n`;
    process.exitCode = process.exitCode || 1;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { code, stdout, stderr };
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown> | undefined;
}

/**
 * Replaces fetch with a fake Loam REST API for the rest of the test (undo with vi.unstubAllGlobals):
 * `answer` returns the JSON body (status 200), or `{ status, code, detail }` for an error.
 */
export function fakeLoam(answer: (r: FakeRequest) => unknown): FakeRequest[] {
  const seen: FakeRequest[] = [];
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const u = new URL(url);
    const r: FakeRequest = { method: init?.method ?? 'GET', path: u.pathname, query: u.searchParams, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined };
    seen.push(r);
    const out = answer(r) as { status?: number; code?: string; detail?: string } | undefined;
    if (out && typeof out.status === 'number' && out.status >= 400) return new Response(JSON.stringify({ code: out.code, detail: out.detail }), { status: out.status, headers: { 'content-type': 'application/problem+json' } });
    return new Response(JSON.stringify(out ?? {}), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return seen;
}

export const fakeAuth = ['--endpoint', 'http://loam.test', '--token', 'loam_test'];
