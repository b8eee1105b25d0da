import { afterEach, describe, expect, it } from 'vitest';
import { transformProgress } from './driver.js';
import { runCase } from './batch-transform.test-support.js';

const defaults = { ...transformProgress };
afterEach(() => Object.assign(transformProgress, defaults));

// A file transformed record by record can take most of an hour (a million records took 3 minutes on
// loam up), and the job's log said nothing between its start and the file's end.
describe('a long transform says how far it has got', () => {
  it('logs the records transformed so far and the share of the file, while the file is transformed', async () => {
    Object.assign(transformProgress, { everyMs: 100 });
    const lines = Array.from({ length: 40 }, (_, i) => `${i},slow`);
    const input = `${lines.join('\n')}\n`;
    const r = await runCase({ 'a.csv': input }, { contentType: 'text/csv', splitType: 'Line', batchStrategy: 'SingleRecord', maxConcurrentTransforms: 1, assembleWith: 'Line' }, { SUM_SLOW: 'slow', SUM_SLOW_MS: '25' });
    expect(r.error).toBeUndefined();
    expect(r.outputs['a.csv.out']).toBe(lines.map((_, i) => `${i}\n`).join(''));
    const progress = r.log.filter((l) => l.startsWith('Transforming a.csv: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const seen = progress.map((l) => /^Transforming a\.csv: (\d+) record\(s\) so far, (\d+)% of its 0\.0 MB\.$/.exec(l));
    expect(seen.every((m) => m !== null)).toBe(true);
    const counts = seen.map((m) => Number(m![1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.every((n) => n > 0 && n <= 40)).toBe(true);
    // The share is of the file's bytes sent: each record's line with its newline.
    const last = seen.at(-1)!;
    const sentBytes = lines.slice(0, Number(last[1])).reduce((s, l) => s + l.length + 1, 0);
    expect(Number(last[2])).toBe(Math.floor((100 * sentBytes) / input.length));
    expect(r.log.at(-1)).not.toMatch(/^Transforming/);
  });
});
