import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type ExecutorEvent, type Logger } from '@loam/core';
import { conformanceSpec } from '@loam/testkit';
import { EventTail } from './event-tail.js';
import { LocalProcessExecutor } from './local-process-executor.js';
import { until } from './local-process-executor.test-support.js';
import { recordToAppend } from './log-append.js';
import { readLogPageAsync, readLogTailAsync } from './log-reader.js';
import { maxTornLineWarningsPerFile, TornLineWarnings } from './torn-lines.js';

// A write cut short (a full disk, a crash) leaves a torn line; the next record starts on a new line (recordToAppend),
// so readers skip the torn one and lose nothing after it. They skipped it silently: a lost record left no trace.

const dir = mkdtempSync(join(tmpdir(), 'loam-torn-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `name` in a directory of its own: a retried test (CI retries a failed one) writes a new file, not onto the failed attempt's. */
const freshFile = (name: string) => join(mkdtempSync(join(dir, 'test-')), name);

function warnings(): { log: Logger; warned: { fields: Record<string, unknown>; message: string }[] } {
  const warned: { fields: Record<string, unknown>; message: string }[] = [];
  const log: Logger = { ...silentLogger, warn: (fields, message) => void warned.push({ fields: fields as Record<string, unknown>, message }), child: () => log };
  return { log, warned };
}

/** Appends records as the runner does, the second one cut short by the disk: returns where the torn line starts. */
function writeWithTornLine(file: string, records: object[]): number {
  const fd = openSync(file, 'a+', 0o600);
  let tornAt = -1;
  try {
    records.forEach((r, i) => {
      const b = recordToAppend(fd, Buffer.from(`${JSON.stringify(r)}\n`));
      if (i === 1) {
        tornAt = fstatSync(fd).size;
        writeSync(fd, b.subarray(0, 17)); // the disk took 17 bytes of it, then refused the rest
      } else writeSync(fd, b);
    });
  } finally {
    closeSync(fd);
  }
  return tornAt;
}

describe('torn lines in a job\'s files', () => {
  it('logs.jsonl: a torn line is skipped and said once for the file, with its offset, however many reads meet it', async () => {
    const file = freshFile('logs.jsonl');
    const line = (n: number) => ({ time: n, host: 'algo-1', stream: 'stdout', line: `line ${n}` });
    const tornAt = writeWithTornLine(file, [line(1), line(2), line(3), line(4)]);
    const { log, warned } = warnings();
    const torn = new TornLineWarnings(log);
    for (let i = 0; i < 3; i++) {
      expect((await readLogPageAsync(file, undefined, 100, torn)).lines.map((l) => l.line)).toEqual(['line 1', 'line 3', 'line 4']);
      expect((await readLogTailAsync(file, undefined, 100, torn)).lines.map((l) => l.line)).toEqual(['line 1', 'line 3', 'line 4']);
    }
    expect(warned).toEqual([{ fields: { file, offset: tornAt, tornLines: 1 }, message: expect.stringMatching(/torn line/) }]);
  });

  it('events.jsonl: a torn line is skipped and said once for the file, with its offset', () => {
    const file = freshFile('events.jsonl');
    const ev = (seq: number) => ({ seq, time: seq, type: 'status', status: 'Training' });
    const tornAt = writeWithTornLine(file, [ev(1), ev(2), ev(3)]);
    const { log, warned } = warnings();
    const torn = new TornLineWarnings(log);
    // Two tails of the same file (the executor makes a new one when it adopts a runner after a restart).
    for (let i = 0; i < 2; i++) {
      const tail = new EventTail(file, (offset) => torn.report(file, [offset]));
      expect(tail.read().map((e) => e.seq)).toEqual([1, 3]);
      expect(tail.read()).toEqual([]);
    }
    expect(warned).toEqual([{ fields: { file, offset: tornAt, tornLines: 1 }, message: expect.stringMatching(/torn line/) }]);
  });

  it('a whole file read in several small pages reports the torn line at its offset in the file, not in the page', async () => {
    const file = freshFile('paged-logs.jsonl');
    const line = (n: number) => ({ time: n, host: 'algo-1', stream: 'stdout', line: `line ${n}` });
    const tornAt = writeWithTornLine(file, [line(1), line(2), line(3)]);
    const { log, warned } = warnings();
    const torn = new TornLineWarnings(log);
    const first = await readLogPageAsync(file, undefined, 1, torn);
    const rest = await readLogPageAsync(file, first.nextToken, 100, torn);
    expect([...first.lines, ...rest.lines].map((l) => l.line)).toEqual(['line 1', 'line 3']);
    expect(warned.map((w) => w.fields['offset'])).toEqual([tornAt]);
  });

  it('events.jsonl: a record the disk cut short within a character, finished later, is read whole, and later torn lines are placed right', () => {
    const file = freshFile('events-cut-in-a-character.jsonl');
    const { log, warned } = warnings();
    const torn = new TornLineWarnings(log);
    const tail = new EventTail(file, (offset) => torn.report(file, [offset]));
    // The runner's writer finishes a record the full disk cut short once space is back: the tail may read between.
    const record = Buffer.from(`${JSON.stringify({ seq: 1, time: 1, type: 'status', status: 'Failed', message: 'café: données perdues' })}\n`);
    const cut = record.indexOf(Buffer.from('é')) + 1; // after the first byte of the two of 'é'
    const fd = openSync(file, 'a+', 0o600);
    try {
      writeSync(fd, record.subarray(0, cut));
      expect(tail.read()).toEqual([]);
      writeSync(fd, record.subarray(cut));
      // Decoded apart, each half of the character read as U+FFFD: 'caf\uFFFD\uFFFD: ...'.
      expect(tail.read()).toMatchObject([{ seq: 1, message: 'café: données perdues' }]);
      const tornAt = fstatSync(fd).size;
      writeSync(fd, Buffer.from('{"seq":2,"ti\n{"seq":3,"time":3,"type":"status","status":"Training"}\n'));
      expect(tail.read().map((e) => e.seq)).toEqual([3]);
      expect(warned.map((w) => w.fields['offset'])).toEqual([tornAt]);
    } finally {
      closeSync(fd);
    }
  });

  it('a second torn line later in the same file is said too, once, however many reads meet them', async () => {
    const file = freshFile('torn-twice-logs.jsonl');
    const line = (n: number) => ({ time: n, host: 'algo-1', stream: 'stdout', line: `line ${n}` });
    const firstAt = writeWithTornLine(file, [line(1), line(2), line(3)]);
    const { log, warned } = warnings();
    const torn = new TornLineWarnings(log);
    expect((await readLogPageAsync(file, undefined, 100, torn)).lines.map((l) => l.line)).toEqual(['line 1', 'line 3']);
    const secondAt = writeWithTornLine(file, [line(4), line(5), line(6)]); // the disk filled up again
    expect(secondAt).toBeGreaterThan(firstAt);
    for (let i = 0; i < 3; i++) {
      expect((await readLogPageAsync(file, undefined, 100, torn)).lines.map((l) => l.line)).toEqual(['line 1', 'line 3', 'line 4', 'line 6']);
      expect((await readLogTailAsync(file, undefined, 100, torn)).lines.map((l) => l.line)).toEqual(['line 1', 'line 3', 'line 4', 'line 6']);
    }
    expect(warned).toEqual([
      { fields: { file, offset: firstAt, tornLines: 1 }, message: expect.stringMatching(/torn line/) },
      { fields: { file, offset: secondAt, tornLines: 2 }, message: expect.stringMatching(/torn line/) },
    ]);
  });

  it(`a file torn again and again: ${maxTornLineWarningsPerFile} warnings, then one saying further torn lines are not warned about`, async () => {
    const file = freshFile('torn-often-logs.jsonl');
    const line = (n: number) => ({ time: n, host: 'algo-1', stream: 'stdout', line: `line ${n}` });
    const offsets: number[] = [];
    for (let i = 0; i < maxTornLineWarningsPerFile + 5; i++) offsets.push(writeWithTornLine(file, [line(3 * i), line(3 * i + 1), line(3 * i + 2)]));
    const { log, warned } = warnings();
    const torn = new TornLineWarnings(log);
    for (let i = 0; i < 2; i++) expect((await readLogPageAsync(file, undefined, 1000, torn)).lines).toHaveLength(2 * offsets.length);
    expect(warned.map((w) => w.fields['offset'])).toEqual(offsets.slice(0, maxTornLineWarningsPerFile + 1));
    expect(warned.slice(0, -1).every((w) => /has a torn line/.test(w.message))).toBe(true);
    expect(warned.at(-1)?.message).toMatch(/more torn lines than are warned about one by one; further ones are skipped without a warning/);
  });

  it("a RetryStrategy attempt's events.jsonl, a new file at the ended attempt's path, has its torn lines said again", async () => {
    // A runner that writes the same events each time, the second one torn (as a full disk cuts a write short), and
    // ends with a platform fault: every attempt's file holds a torn line at the same offset, each one a lost event.
    const runner = {
      command: process.execPath,
      args: ['-e', `
        const fs = require('fs'), path = require('path');
        fs.writeFileSync(path.join(path.dirname(process.argv[1]), 'events.jsonl'),
          '{"seq":1,"time":1,"type":"status","status":"Training"}\\n{"seq":2,"ti\\n' +
          '{"seq":3,"time":3,"type":"exit","outcome":"Failed","secondaryStatus":"Failed","failureReason":"InternalServerError: lost","platformFault":true}\\n');
      `],
    };
    const { log, warned } = warnings();
    const workDir = mkdtempSync(join(dir, 'retried-jobs-'));
    const executor = new LocalProcessExecutor({ workDir, runner, artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', pollIntervalMs: 50, cgroups: false, sandbox: 'off', logger: log });
    try {
      const events: ExecutorEvent[] = [];
      executor.onEvent((_id, e) => events.push(e));
      const spec = conformanceSpec({ exit: 0 });
      const file = join(workDir, 'training-job', spec.name, 'algo-1', 'events.jsonl');
      for (let attempt = 1; attempt <= 2; attempt++) {
        await executor.start(`training-job/${spec.name}`, spec);
        await until(() => (events.filter((e) => e.type === 'exit').length === attempt ? true : undefined), 30_000, `attempt ${attempt}'s exit`);
      }
      const tornAt = Buffer.byteLength('{"seq":1,"time":1,"type":"status","status":"Training"}\n');
      expect(warned.filter((w) => /torn line/.test(w.message)).map((w) => w.fields)).toEqual([
        { file, offset: tornAt, tornLines: 1 },
        { file, offset: tornAt, tornLines: 1 },
      ]);
    } finally {
      await executor.close();
    }
  });
});
