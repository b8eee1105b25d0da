import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.js';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'loam-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
const source = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));

/** A process that tries the lock, says whether it got it, and holds it for `holdMs`; `said` resolves on its first word. */
function contender(dir: string, holdMs: number, said?: (word: string) => void): Promise<string> {
  const script = `import { lockDataDir } from ${JSON.stringify(source)};
try { await lockDataDir(${JSON.stringify(dir)}); console.log('won'); await new Promise((r) => setTimeout(r, ${holdMs})); }
catch (e) { console.log(e.name === 'DataDirInUseError' ? 'lost' : 'error ' + e.message); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['--conditions', 'loam-src', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      said?.(out.trim());
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

describe('the data directory lock', () => {
  it('is held by one of several servers starting at once, and goes with its process', async () => {
    const dir = scratch();
    const results = await Promise.all(Array.from({ length: 5 }, () => contender(dir, 3000)));
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'lost')).toHaveLength(4);
    // The winner has exited (no release): nothing stale is left.
    expect(await contender(dir, 0)).toBe('won');
  }, 60_000);

  it('refuses another holder in this process\'s stead only when it is another process; names its pid', async () => {
    const dir = scratch();
    let holding!: (w: string) => void;
    const saidWon = new Promise<string>((r) => (holding = r));
    const held = contender(dir, 4000, holding);
    expect(await saidWon).toBe('won');
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUseError);
    await expect(lockDataDir(dir)).rejects.toThrow(/Another Loam server \(pid \d+\) is serving the data directory/);
    expect(await held).toBe('won');
    const mine = await lockDataDir(dir);
    // Started again in the same process (a restart in tests): its own lock is taken over.
    const again = await lockDataDir(dir);
    again.release();
    mine.release();
  }, 60_000);
});
