import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readLastTimes } from '@loam/adapters/executors/local/log-last-times';
import { readLogPageAsync, readLogTailAsync } from '@loam/adapters/executors/local/log-reader';
import { LogStreamsService, systemPrincipal, type LogGroupSource, type LogUnit } from '@loam/core';
import { EventWriter } from './event-writer.js';

// DescribeLogStreams orderBy LastEventTime over a two-host job whose algo-2 wrote one line at its start and whose
// algo-1 wrote 30,000 since: the first call read the log back to algo-2's line, the whole log, to learn when algo-2
// last wrote. The runners now record each host's newest line's time beside the log as they write, and the first
// call reads only the newest lines and that record. Over the real writer (the runner's) and readers (the executor's).

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const GROUP = '/aws/sagemaker/TrainingJobs';
const ctx = { principal: systemPrincipal, requestId: 'test' };

it("learns a quiet host's last event from its runner's record, not by reading the log back to it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loam-last-times-'));
  dirs.push(dir);
  const logFile = join(dir, 'logs.jsonl');
  const algo1 = new EventWriter(join(dir, 'events-1.jsonl'), logFile, 'algo-1');
  const algo2 = new EventWriter(join(dir, 'events-2.jsonl'), logFile, 'algo-2');
  algo2.log('stdout', 'algo-2 starts, then is quiet');
  await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 30_000; i++) algo1.log('stdout', `algo-1 line ${i}`);
  algo1.close();
  algo2.close();

  const T0 = Date.now() - 60_000;
  const unit: LogUnit = { key: 'job', startTime: T0, streams: [1, 2].map((h) => ({ name: `job/algo-${h}-1`, host: `algo-${h}`, creationTime: T0 })) };
  const read = { lines: 0 };
  const source: LogGroupSource = {
    streamNames: '<job>/algo-<n>-<epoch>',
    units: async () => [unit],
    stream: async () => undefined,
    read: async (_u, o) => {
      const page = await readLogPageAsync(logFile, o.token, o.limit);
      read.lines += page.lines.length;
      return page;
    },
    readBackward: async (_u, o) => {
      const page = await readLogTailAsync(logFile, o.before, o.limit);
      read.lines += page.lines.length;
      return page;
    },
    lastTimes: async () => readLastTimes(logFile),
  };
  const service = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: { list: async () => [{ name: GROUP, creationTime: T0 }], get: async (g) => (g === GROUP ? source : undefined) } });

  const streams = (await service.DescribeLogStreams({ logGroupName: GROUP, orderBy: 'LastEventTime' }, ctx)).logStreams;
  // Each host's own newest line's time, as the log holds it.
  const all = (await readLogPageAsync(logFile, undefined, 100_000)).lines;
  const newest = (host: string) => Math.round(all.findLast((l) => l.host === host)!.time);
  expect(streams.map((s) => [s.logStreamName, s.lastEventTimestamp])).toEqual([
    ['job/algo-2-1', newest('algo-2')],
    ['job/algo-1-1', newest('algo-1')],
  ]);
  // About the newest 10,000 lines, not the 30,001 there are.
  expect(read.lines).toBeLessThan(12_000);
});
