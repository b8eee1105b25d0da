#!/usr/bin/env node
// bench/startup: how long `loam up` takes from spawn to the first 200 from /healthz, on a fresh data
// directory (first start: migrations, admin bootstrap) and on a warm one (restart). Target: < 2 s.
// Run after `npm run build`:  node bench/startup/run.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../packages/cli/dist/bin.js', import.meta.url).pathname;
const runs = Number(process.argv[2] ?? 5);

async function once(dataDir) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'up', '--port', '0', '--data-dir', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOAM_LOG__LEVEL: 'warn' } });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url);
    });
    child.on('exit', (c) => reject(new Error(`exited ${c}`)));
  });
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return ms;
}

const cold = [], warm = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'loam-startup-'));
  cold.push(await once(dir));
  warm.push(await once(dir));
  rmSync(dir, { recursive: true, force: true });
}
const fmt = (a) => `min ${Math.min(...a).toFixed(0)} ms, median ${a.sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(0)} ms`;
console.log(JSON.stringify({ runs, cold: fmt(cold), warm: fmt(warm), loadavg: (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ') }));
