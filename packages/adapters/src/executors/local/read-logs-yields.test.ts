import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LocalProcessExecutor } from './local-process-executor.js';
import { sourceRunner } from './local-process-executor.test-support.js';

// The Logs API (GetLogEvents, FilterLogEvents) reads a job's log page after page within one request.
// readLogs read each page synchronously, and awaiting an already-settled promise never lets the event
// loop turn, so one GetLogEvents over a 120 MB log held every other request of the server for 6 s.

const dir = mkdtempSync(join(tmpdir(), 'loam-read-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reading a long log page after page lets the event loop run between pages, and reads every line once', async () => {
  const executor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: sourceRunner(), artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3' });
  const jobDir = join(dir, 'jobs', 'processing-job', 'long');
  mkdirSync(jobDir, { recursive: true });
  const n = 60_000;
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ time: 1_795_000_000_000 + i, host: 'algo-1', stream: 'stdout', line: `line ${i} of a long job log` }));
  writeFileSync(join(jobDir, 'logs.jsonl'), `${lines.join('\n')}\n`);

  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: string[] = [];
  let token: string | undefined;
  try {
    for (;;) {
      const page = await executor.readLogs('processing-job/long', { ...(token ? { token } : {}), limit: 5_000 });
      if (page.lines.length === 0) break;
      for (const l of page.lines) seen.push(l.line);
      token = page.nextToken;
    }
  } finally {
    ticking = false;
  }
  expect(seen).toHaveLength(n);
  expect(seen[0]).toBe('line 0 of a long job log');
  expect(seen[n - 1]).toBe(`line ${n - 1} of a long job log`);
  // Twelve pages read: the event loop turned between them (with synchronous reads it never did).
  expect(turns).toBeGreaterThan(5);
});
