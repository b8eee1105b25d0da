import { expect, it } from 'vitest';
import type { RunnerLogLine } from '@loam/contracts';
import { systemPrincipal } from '../kernel/context.js';
import type { LogGroupSource, LogUnit } from './log-groups.js';
import { LogStreamsService } from './log-streams.service.js';

// DescribeLogStreams orderBy LastEventTime over running jobs (units not closed). It read every running unit's tail on
// every call, and a host with no line among a unit's newest 10,000 (a quiet host of a multi-host job whose other
// host writes much) was given the oldest of those lines' time, a bound above its own, not its own.

const ctx = { principal: systemPrincipal, requestId: 'test' };
const GROUP = '/aws/sagemaker/TrainingJobs';
const T0 = 1_790_000_000_000;

/** Running jobs over in-memory logs with a source's real token semantics (a token is a line index); counts what is read. */
function runningJobs(hostsOf: readonly number[]) {
  const units: LogUnit[] = hostsOf.map((hosts, i) => {
    const name = `job-${String(i).padStart(4, '0')}`;
    return { key: name, startTime: T0, streams: Array.from({ length: hosts }, (_, h) => ({ name: `${name}/algo-${h + 1}-1790000000`, host: `algo-${h + 1}`, creationTime: T0 })) };
  });
  const logs = new Map<string, RunnerLogLine[]>(units.map((u) => [u.key, []]));
  const count = { backward: 0, forward: 0, lines: 0 };
  const at = (token: string | undefined, dflt: number) => (token === undefined ? dflt : Number(token));
  const source: LogGroupSource = {
    streamNames: '<job name>/algo-<n>-<start epoch>',
    units: async () => units,
    stream: async () => undefined,
    read: async (u, { token, limit }) => {
      count.forward++;
      const all = logs.get(u.key) ?? [];
      const from = at(token, 0);
      const lines = all.slice(from, from + limit);
      count.lines += lines.length;
      return { lines, nextToken: String(from + lines.length), starts: lines.map((_, k) => String(from + k)) };
    },
    readBackward: async (u, { before, limit }) => {
      count.backward++;
      const all = logs.get(u.key) ?? [];
      const end = Math.min(at(before, all.length), all.length);
      const start = Math.max(0, end - limit);
      count.lines += end - start;
      return { lines: all.slice(start, end), after: String(end), ...(start > 0 ? { before: String(start) } : {}) };
    },
  };
  const write = (job: number, host: number, time: number, n = 1) => {
    const log = logs.get(units[job]!.key)!;
    for (let k = 0; k < n; k++) log.push({ time, host: `algo-${host}`, stream: 'stdout', line: `line ${log.length}` });
  };
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: { list: async () => [{ name: GROUP, creationTime: T0 }], get: async (g) => (g === GROUP ? source : undefined) } });
  const times = async () => {
    const out: Record<string, number> = {};
    let nextToken: string | undefined;
    do {
      const page = await service.DescribeLogStreams({ logGroupName: GROUP, orderBy: 'LastEventTime', limit: 50, ...(nextToken ? { nextToken } : {}) }, ctx);
      for (const s of page.logStreams) out[s.logStreamName] = s.lastEventTimestamp as number;
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  };
  return { count, write, times, reset: () => Object.assign(count, { backward: 0, forward: 0, lines: 0 }) };
}

it("gives a quiet host of a multi-host job its own last event, however much the other host wrote since", async () => {
  const { write, times } = runningJobs([2]);
  write(0, 2, T0 + 5);
  // 20,000 lines of the talker after the quiet host's one line, then more.
  write(0, 1, T0 + 100, 20_000);
  expect(await times()).toEqual({ 'job-0000/algo-1-1790000000': T0 + 100, 'job-0000/algo-2-1790000000': T0 + 5 });
  write(0, 1, T0 + 200, 15_000);
  expect(await times()).toEqual({ 'job-0000/algo-1-1790000000': T0 + 200, 'job-0000/algo-2-1790000000': T0 + 5 });
  // The quiet host writes once more, amid the talker's lines.
  write(0, 2, T0 + 250);
  write(0, 1, T0 + 300, 12_000);
  expect(await times()).toEqual({ 'job-0000/algo-1-1790000000': T0 + 300, 'job-0000/algo-2-1790000000': T0 + 250 });
});

it("reads only what running jobs wrote since the last call, and answers what they wrote", async () => {
  // 200 running jobs, every fifth on two hosts.
  const { count, write, times, reset } = runningJobs(Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 2 : 1)));
  for (let i = 0; i < 200; i++) {
    write(i, 1, T0 + 1000 + i, 500);
    if (i % 5 === 0) write(i, 2, T0 + 10 + i);
    write(i, 1, T0 + 2000 + i, 500);
  }
  const first = await times();
  expect(Object.keys(first)).toHaveLength(240);
  expect(first['job-0005/algo-2-1790000000']).toBe(T0 + 15);
  expect(first['job-0007/algo-1-1790000000']).toBe(T0 + 2007);

  // Nothing written since: no line read, one empty read per job for each of the 5 pages (each orders all 240
  // streams); the old code read every job's tail again, 200 a page.
  reset();
  expect(await times()).toEqual(first);
  expect(count).toEqual({ backward: 0, forward: 5 * 200, lines: 0 });

  // Two jobs wrote: their new lines are read, and only those.
  write(7, 1, T0 + 5000, 3);
  write(5, 2, T0 + 4000);
  reset();
  const third = await times();
  expect(third).toEqual({ ...first, 'job-0007/algo-1-1790000000': T0 + 5000, 'job-0005/algo-2-1790000000': T0 + 4000 });
  expect(count.lines).toBe(4);
});

it('reads a burst back from its end when every host is among its newest lines', async () => {
  const { count, write, times, reset } = runningJobs([2]);
  write(0, 1, T0 + 1);
  write(0, 2, T0 + 2);
  await times();
  // 100,000 lines from both hosts: the newest of each is at the end.
  for (let k = 0; k < 50_000; k++) {
    write(0, 1, T0 + 10 + k);
    write(0, 2, T0 + 10 + k);
  }
  write(0, 2, T0 + 60_000);
  reset();
  expect(await times()).toEqual({ 'job-0000/algo-1-1790000000': T0 + 50_009, 'job-0000/algo-2-1790000000': T0 + 60_000 });
  expect(count.lines).toBeLessThan(15_000);
  // And goes on from the end of it.
  reset();
  await times();
  expect(count).toEqual({ backward: 0, forward: 1, lines: 0 });
});
