import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { EventWriter } from './event-writer.js';

// The runner's EventWriter on a real full filesystem (a small tmpfs, filled to its last page): what it
// holds while the disk refuses its writes, and in which order it writes it once space is back.

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(!canMountTmpfs)('EventWriter on a full disk (needs root to mount a tmpfs)', () => {
  it('writes the exit event only after the log lines reported before it', async () => {
    const fs = smallTmpfs(4);
    const eventsDir = mkdtempSync(join(tmpdir(), 'loam-event-writer-events-'));
    try {
      const eventsFile = join(eventsDir, 'events.jsonl');
      const logFile = join(fs.dir, 'logs.jsonl');
      const w = new EventWriter(eventsFile, logFile, 'algo-1');
      w.log('stdout', 'before the disk filled');
      fs.fill();
      // Longer than a page: it cannot fit in what is left of the file's last page.
      const last = `the last line of the image ${'x'.repeat(8192)}`;
      w.log('stdout', last);
      w.emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });
      // The server ends the job on the exit event: it must not see it while the job's last lines are held.
      expect(lines(eventsFile).filter((e) => e['type'] === 'exit')).toEqual([]);
      fs.free();
      expect(await w.settle({ maxWaitMs: 60_000 })).toBe(true);
      w.close();
      expect(lines(logFile).map((l) => l['line'])).toEqual(['before the disk filled', last]);
      expect(lines(eventsFile).map((e) => e['type'])).toEqual(['exit']);
    } finally {
      fs.dispose();
      rmSync(eventsDir, { recursive: true, force: true });
    }
  });

  it('holds a bounded number of metric events, counting the ones it drops, and keeps status and exit', async () => {
    const fs = smallTmpfs(32);
    try {
      const eventsFile = join(fs.dir, 'events.jsonl');
      const logFile = join(fs.dir, 'logs.jsonl');
      const w = new EventWriter(eventsFile, logFile, 'algo-1');
      w.status('Training');
      fs.fill();
      // An image printing a metric on every line, on a disk that stays full: ~7 MB of metric events.
      const n = 100_000;
      for (let i = 0; i < n; i++) w.metric('train:loss', i / n);
      w.status('Uploading');
      w.emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });
      fs.free();
      expect(await w.settle({ maxWaitMs: 60_000 })).toBe(true);
      w.close();
      const events = lines(eventsFile);
      const metrics = events.filter((e) => e['type'] === 'metric');
      expect(metrics.length).toBeGreaterThan(1000);
      expect(metrics.length).toBeLessThan(n / 2);
      // The first ones are kept, in order; the rest are counted in a platform line.
      expect(metrics.slice(0, 3).map((m) => m['value'])).toEqual([0, 1 / n, 2 / n]);
      expect(events.filter((e) => e['type'] !== 'metric').map((e) => e['status'] ?? e['type'])).toEqual(['Training', 'Uploading', 'exit']);
      expect(events.at(-1)?.['type']).toBe('exit');
      const seqs = events.map((e) => e['seq'] as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(lines(logFile).map((l) => l['line'])).toContain(`${n - metrics.length} metric value(s) were dropped while the disk was full (ENOSPC).`);
    } finally {
      fs.dispose();
    }
  });

  it('after a stop, waits for space only a moment: the exit is written without the log lines still held', async () => {
    const fs = smallTmpfs(4);
    const eventsDir = mkdtempSync(join(tmpdir(), 'loam-event-writer-events-'));
    try {
      const eventsFile = join(eventsDir, 'events.jsonl');
      const w = new EventWriter(eventsFile, join(fs.dir, 'logs.jsonl'), 'algo-1');
      fs.fill();
      w.log('platform', `Stop requested: stopping the job. ${'x'.repeat(8192)}`);
      w.emit({ type: 'exit', outcome: 'Stopped', secondaryStatus: 'Stopped' });
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 200);
      const t = Date.now();
      // The disk stays full: a stopped job must not wait the upload's half hour for it.
      expect(await w.settle({ maxWaitMs: 30 * 60_000, signal: stop.signal, afterStopMs: 500 })).toBe(true);
      expect(Date.now() - t).toBeLessThan(10_000);
      w.close();
      expect(lines(eventsFile).map((e) => e['outcome'])).toEqual(['Stopped']);
    } finally {
      fs.dispose();
      rmSync(eventsDir, { recursive: true, force: true });
    }
  });

  it('gives up when the disk stays full past the wait, saying the outcome was not written', async () => {
    const fs = smallTmpfs(4);
    try {
      const eventsFile = join(fs.dir, 'events.jsonl');
      const w = new EventWriter(eventsFile, join(fs.dir, 'logs.jsonl'), 'algo-1');
      fs.fill();
      w.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: `AlgorithmError: ${'x'.repeat(8192)}` });
      const t = Date.now();
      expect(await w.settle({ maxWaitMs: 1500 })).toBe(false);
      expect(Date.now() - t).toBeLessThan(10_000);
      w.close();
      expect(lines(eventsFile)).toEqual([]);
    } finally {
      fs.dispose();
    }
  });
});
