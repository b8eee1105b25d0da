import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLogLinesAt } from '@loam/adapters/executors/local/log-reader';
import { canMountTmpfs, smallTmpfs } from '@loam/testkit/vitest/small-tmpfs.test-support';
import { EventWriter } from './event-writer.js';

// A log record the disk cut short, in the job's shared logs.jsonl (a real full tmpfs): the job's next records,
// whoever writes them, are read whole, and the cut one is finished or written again, never glued to another.

const eventsDir = mkdtempSync(join(tmpdir(), 'loam-torn-record-events-'));
afterAll(() => rmSync(eventsDir, { recursive: true, force: true }));
let n = 0;
const writer = (logFile: string, host = 'algo-1') => new EventWriter(join(eventsDir, `events-${++n}.jsonl`), logFile, host);
/** The lines the executor's reader (GetTrainingJobLogs) returns. */
const read = async (logFile: string) => (await readLogLinesAt(logFile, 0, 1000)).lines.map((l) => `${l.host} ${l.line}`);
/** Longer than a page: the full tmpfs takes only what is left of the file's last page. */
const long = (what: string) => `${what} ${'x'.repeat(8192)}`;

describe.skipIf(!canMountTmpfs)('log records cut short by a full disk (needs root to mount a tmpfs)', () => {
  it('a runner that gave up mid-record leaves a half line that the next writer does not join', async () => {
    const fs = smallTmpfs(4);
    const logFile = join(fs.dir, 'logs.jsonl');
    const first = writer(logFile);
    first.log('stdout', 'before the disk filled');
    fs.fill();
    first.log('stdout', long('cut short'));
    first.emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: 'AlgorithmError: x' });
    // The disk stays full: the runner writes its outcome without the line still held, and ends.
    expect(await first.settle({ maxWaitMs: 600 })).toBe(true);
    first.close();
    expect(readFileSync(logFile, 'utf8').endsWith('\n')).toBe(false);
    fs.free();
    // The job's next writer (another host, the next attempt): its line is read, not lost with the half one.
    const next = writer(logFile, 'algo-2');
    next.log('stdout', 'the next line');
    expect(await next.settle({ maxWaitMs: 60_000 })).toBe(true);
    next.close();
    expect(await read(logFile)).toEqual(['algo-1 before the disk filled', 'algo-2 the next line']);
  });

  it('a record cut short while another host appended is written again whole, after that host\'s line', async () => {
    const fs = smallTmpfs(4);
    const logFile = join(fs.dir, 'logs.jsonl');
    const a = writer(logFile, 'algo-1');
    const b = writer(logFile, 'algo-2');
    // A first line, so the file's last page has room left for part of the next.
    a.log('stdout', 'before the disk filled');
    fs.fill();
    a.log('stdout', long('cut short'));
    fs.free();
    // Space is back: the other host writes first, after the half record.
    b.log('stdout', 'the other host');
    expect(await b.settle({ maxWaitMs: 60_000 })).toBe(true);
    expect(await a.settle({ maxWaitMs: 60_000 })).toBe(true);
    a.close();
    b.close();
    expect(await read(logFile)).toEqual(['algo-1 before the disk filled', 'algo-2 the other host', `algo-1 ${long('cut short')}`]);
  });

  it('a record cut short and finished with nothing appended in between is one line', async () => {
    const fs = smallTmpfs(4);
    const logFile = join(fs.dir, 'logs.jsonl');
    const a = writer(logFile);
    a.log('stdout', 'before the disk filled');
    fs.fill();
    a.log('stdout', long('cut short'));
    fs.free();
    a.log('stdout', 'after it');
    expect(await a.settle({ maxWaitMs: 60_000 })).toBe(true);
    a.close();
    expect(readFileSync(logFile, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    expect(await read(logFile)).toEqual(['algo-1 before the disk filled', `algo-1 ${long('cut short')}`, 'algo-1 after it']);
  });
});
