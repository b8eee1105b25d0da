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
