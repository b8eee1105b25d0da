import { expect, it } from 'vitest';
import type { RunnerLogLine } from '@loam/contracts';
import type { LogGroupSource, LogUnit } from './log-groups.js';
import { StreamLastEvents } from './stream-last-events.js';

// What StreamLastEvents remembers of running units (jobs, endpoint instances) between calls: a call that joined a
// read already under way was answered what that read had seen, older than a line written before the call began; and
// every endpoint's group stayed remembered after the endpoint was deleted, one more for each endpoint ever listed.

const T0 = 1_790_000_000_000;

/** One-host running units over in-memory logs (a token is a line index); a read may be held until let go. */
function logs() {
  const lines = new Map<string, RunnerLogLine[]>();
  const count = { backward: 0, forward: 0 };
  let hold: Promise<void> | undefined;
  const unit = (key: string, startTime = T0): LogUnit => ({ key, startTime, streams: [{ name: key, host: 'h', creationTime: startTime }] });
  const write = (key: string, time: number) => {
    const log = lines.get(key) ?? [];
    lines.set(key, log);
    log.push({ time, host: 'h', stream: 'stdout', line: `at ${time}` });
  };
  const source: LogGroupSource = {
    streamNames: '<key>',
    units: async () => [],
    stream: async () => undefined,
    read: async (u, { token, limit }) => {
      count.forward++;
      const all = lines.get(u.key) ?? [];
      const from = token === undefined ? 0 : Number(token);
      const page = all.slice(from, from + limit);
      await hold;
      return { lines: page, nextToken: String(from + page.length), starts: page.map((_, k) => String(from + k)) };
    },
    readBackward: async (u, { before, limit }) => {
      count.backward++;
      // What the log holds now: a line written while the read is held is not in it.
      const all = [...(lines.get(u.key) ?? [])];
      await hold;
      const end = before === undefined ? all.length : Number(before);
      const start = Math.max(0, end - limit);
      return { lines: all.slice(start, end), after: String(end), ...(start > 0 ? { before: String(start) } : {}) };
    },
  };
  return {
    source, count, unit, write,
    /** Holds every read from now until the function returned is called. */
    holdReads: () => {
      let release!: () => void;
      hold = new Promise<void>((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

it('answers a call that began while a read was under way no older than what was written before it began', async () => {
  const { source, unit, write, holdReads } = logs();
  const last = new StreamLastEvents();
  const u = unit('ep/instance-1');
  write(u.key, T0 + 1);
  // The first read: from the end, back to the line; the second: forward from there.
  for (const reads of [0, 1]) {
    const letGo = holdReads();
    const earlier = last.of('g', source, [u]);
    // The earlier call's read has seen the log; a line is written; then another call begins.
    await Promise.resolve();
    write(u.key, T0 + 10 + reads);
    const later = last.of('g', source, [u]);
    letGo();
    expect((await earlier).get(u.key)).toBeGreaterThanOrEqual(T0 + 1);
    // The old code gave the later call the earlier read's answer: T0 + 1, then T0 + 10.
    expect((await later).get(u.key)).toBe(T0 + 10 + reads);
  }
});

it('shares one read among the calls that began while another was under way', async () => {
  const { source, count, unit, write, holdReads } = logs();
  const last = new StreamLastEvents();
  const u = unit('ep/instance-1');
  write(u.key, T0 + 1);
  await last.of('g', source, [u]);
  count.forward = 0;
  const letGo = holdReads();
  const first = last.of('g', source, [u]);
  write(u.key, T0 + 2);
  const others = Array.from({ length: 10 }, () => last.of('g', source, [u]));
  letGo();
  await first;
  for (const o of others) expect((await o).get(u.key)).toBe(T0 + 2);
  // The first call's read (nothing new yet), and one shared catch-up for the ten that came meanwhile (the line, then
  // the end).
  expect(count.forward).toBe(3);
});

it("forgets the groups least recently asked for: a deleted endpoint's group is not kept for ever", async () => {
  const { source, count, unit, write } = logs();
  const last = new StreamLastEvents();
  // Endpoints created, listed by LastEventTime and deleted, one after another, over a long-lived server.
  for (let i = 0; i < 3000; i++) {
    const u = unit(`AllTraffic/ep-${i}-alltraffic-1`);
    write(u.key, T0 + i);
    await last.of(`/aws/sagemaker/Endpoints/ep-${i}`, source, [u]);
  }
  // A group asked for again is read afresh once forgotten, and read on from what it knows while remembered.
  count.backward = 0;
  const first = unit('AllTraffic/ep-0-alltraffic-1');
  expect((await last.of('/aws/sagemaker/Endpoints/ep-0', source, [first])).get(first.key)).toBe(T0);
  expect(count.backward).toBeGreaterThan(0);
  count.backward = 0;
  const recent = unit('AllTraffic/ep-2999-alltraffic-1');
  expect((await last.of('/aws/sagemaker/Endpoints/ep-2999', source, [recent])).get(recent.key)).toBe(T0 + 2999);
  expect(count.backward).toBe(0);
  // The old code kept all 3000.
  expect(last.remembered()).toBeLessThanOrEqual(1000);
});

it('keeps one entry per unit, replaced when a unit of that key starts again', async () => {
  const { source, unit, write } = logs();
  const last = new StreamLastEvents();
  // An endpoint instance whose start time is read from its first segment's mtime (a file system without birth
  // times) is a new start time at every write; a job of a name started again, another.
  for (let i = 0; i < 50; i++) {
    write('AllTraffic/ep-alltraffic-1', T0 + i);
    const u = unit('AllTraffic/ep-alltraffic-1', T0 + i);
    expect((await last.of('g', source, [u])).get(u.key)).toBe(T0 + i);
  }
  // The old code kept all 50 (up to 10,000 per group).
  expect(last.remembered()).toBe(1);
});
