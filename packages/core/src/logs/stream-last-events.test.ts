import { expect, it } from 'vitest';
import type { RunnerLogLine } from '@loam/contracts';
import { systemPrincipal } from '../kernel/context.js';
import type { LogGroupSource, LogUnit } from './log-groups.js';
import { LogStreamsService } from './log-streams.service.js';

// DescribeLogStreams orderBy LastEventTime reads every stream's last event to order them; a finished job's is read
// once and remembered. A group of more finished jobs than were remembered (10,000) pushed each one out before it was
// asked for again (the jobs come in the same order every call), so every call read every job's log again.

const ctx = { principal: systemPrincipal, requestId: 'test' };
const GROUP = '/aws/sagemaker/TrainingJobs';
const T0 = 1_790_000_000_000;

/** `n` finished one-host jobs, each with one line; the newest line is the last job's. Counts the backward reads. */
function finishedJobs(n: number) {
  const units: LogUnit[] = Array.from({ length: n }, (_, i) => {
    const name = `job-${String(i).padStart(6, '0')}`;
    return { key: name, startTime: T0, endTime: T0 + i + 1, closed: true, streams: [{ name: `${name}/algo-1-1790000000`, host: 'algo-1', creationTime: T0 }] };
  });
  const lines = new Map<string, RunnerLogLine[]>(units.map((u, i) => [u.key, [{ time: T0 + i + 1, host: 'algo-1', stream: 'stdout', line: `job ${i} done` }]]));
  const reads = { count: 0 };
  const source: LogGroupSource = {
    streamNames: '<job name>/algo-<n>-<start epoch>',
    units: async () => units,
    stream: async () => undefined,
    read: async () => ({ lines: [], nextToken: 'end', starts: [] }),
    readBackward: async (u, { limit }) => {
      reads.count++;
      return { lines: (lines.get(u.key) ?? []).slice(-limit), after: 'end' };
    },
  };
  return { reads, service: new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: { list: async () => [{ name: GROUP, creationTime: T0 }], get: async (g) => (g === GROUP ? source : undefined) } }) };
}

it("reads a finished job's last event once, also in a group of more than 10,000 finished jobs", async () => {
  const { reads, service } = finishedJobs(10_500);
  const newest = async () => (await service.DescribeLogStreams({ logGroupName: GROUP, orderBy: 'LastEventTime', descending: true, limit: 2 }, ctx)).logStreams.map((s) => [s.logStreamName, s.lastEventTimestamp]);
  const first = await newest();
  expect(first).toEqual([['job-010499/algo-1-1790000000', T0 + 10_500], ['job-010498/algo-1-1790000000', T0 + 10_499]]);
  expect(reads.count).toBe(10_500);
  // The same answer from what was remembered (the old code read all 10,500 logs again).
  expect(await newest()).toEqual(first);
  expect(reads.count).toBe(10_500);
});
