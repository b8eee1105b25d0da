import { writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { whileDiskFull } from './disk-full.js';

// whileDiskFull against real ENOSPC errors: /dev/full refuses every write with "no space left on device".
describe.skipIf(process.platform !== 'linux')('whileDiskFull', () => {
  it('leaves no abort listener behind on its signal, however many times it retries', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    let attempts = 0;
    const v = await whileDiskFull({ step: 'writing a test file', path: '/dev/full', maxWaitMs: 60_000, retryMs: 1, signal: stop.signal, log: (l) => lines.push(l) }, async () => {
      attempts++;
      if (attempts <= 30) writeFileSync('/dev/full', 'x');
      return attempts;
    });
    expect(v).toBe(31);
    // A half-hour wait retries 900 times: one listener per retry left on the job's stop signal leaked
    // (and Node warns past 10: 'Possible EventTarget memory leak detected').
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(lines[0]).toMatch(/^No space left on device \(ENOSPC\) while writing a test file/);
    expect(lines.at(-1)).toMatch(/^Space is back: writing a test file succeeded/);
  });

  it('ends the wait at a stop, throwing the step and the path', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const t = Date.now();
    await expect(whileDiskFull({ step: 'archiving the model', path: '/dev/full', maxWaitMs: 60_000, retryMs: 10_000, signal: stop.signal, log: () => {} }, async () => writeFileSync('/dev/full', 'x')))
      .rejects.toThrow(/^no space left on device \(ENOSPC\) while archiving the model \(writing under \/dev\/full\)/);
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
