/**
 * CloudWatch Logs' DescribeLogStreams ordered by LastEventTime over many running jobs: every call orders all of a
 * group's streams by their last event, so it needs every stream's. Through LogStreamsService over the local
 * executor's reads of each job's `logs.jsonl`, as `jobLogGroupSource` hands them to it; the jobs are running (not
 * closed), so nothing is final.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/logs/last-event-bench.ts [--jobs 200] [--lines 2000] [--calls 20]
 * Every fifth job runs on two hosts, the second quiet (one line, at the start). The logs (--lines lines of about
 * 120 bytes per job) are written beforehand and not timed. Prints one JSON line per measurement: the first call,
 * the median of --calls calls with nothing written since, and a call after a tenth of the jobs wrote 10 lines each;
 * wall and CPU ms, /proc/loadavg, and the quiet host's answered time against its line's.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessExecutor } from '@loam/adapters';
import { fixedLogGroups, LogStreamsService, systemPrincipal, type JobExecutor, type LogGroupSource, type LogUnit } from '@loam/core';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const jobs = arg('jobs', 200);
const lines = arg('lines', 2000);
const calls = arg('calls', 20);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const GROUP = '/aws/sagemaker/TrainingJobs';
const t0 = 1_795_000_000_000;

const dir = mkdtempSync(join(tmpdir(), 'loam-last-event-bench-'));
try {
  const executor: JobExecutor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: { command: process.execPath, args: [] }, artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', cgroups: false });
  const line = (time: number, host: string, j: number) => `${JSON.stringify({ time, host, stream: 'stdout', line: `epoch ${j >> 10} step ${j} loss=0.${String(j % 997).padStart(3, '0')} of a training job` })}\n`;
  const units: LogUnit[] = [];
  const file = (k: number) => join(dir, 'jobs', 'training-job', `job-${k}`, 'logs.jsonl');
  for (let k = 0; k < jobs; k++) {
    const hosts = k % 5 === 0 ? 2 : 1;
    mkdirSync(join(dir, 'jobs', 'training-job', `job-${k}`), { recursive: true });
    let text = hosts === 2 ? line(t0 + k, 'algo-2', 0) : '';
    for (let j = 0; j < lines; j++) text += line(t0 + 1000 + k * lines + j, 'algo-1', j);
    writeFileSync(file(k), text);
    units.push({ key: `job-${k}`, startTime: t0, streams: Array.from({ length: hosts }, (_, h) => ({ name: `job-${k}/algo-${h + 1}-1795000000`, host: `algo-${h + 1}`, creationTime: t0 })) });
  }
  const source: LogGroupSource = {
    streamNames: '<job>/algo-<n>-1795000000',
    units: async () => units,
    stream: async () => undefined,
    read: (u, o) => executor.readLogs(`training-job/${u.key}`, o),
    readBackward: (u, o) => executor.readLogsBackward(`training-job/${u.key}`, o),
  };
  const logs = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: fixedLogGroups({ [GROUP]: source }) });
  const ctx = { principal: systemPrincipal, requestId: 'bench' };
  const call = async () => {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const page = await logs.DescribeLogStreams({ logGroupName: GROUP, orderBy: 'LastEventTime', limit: 50 }, ctx);
    const wallMs = performance.now() - w0;
    const c = process.cpuUsage(c0);
    return { wallMs, cpuMs: (c.user + c.system) / 1000, page };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const report = (measurement: string, r: { wallMs: number; cpuMs: number }, extra: object = {}) =>
    console.log(JSON.stringify({ measurement, jobs, streams: units.reduce((n, u) => n + u.streams.length, 0), linesPerJob: lines, wallMs: Math.round(r.wallMs * 10) / 10, cpuMs: Math.round(r.cpuMs * 10) / 10, loadavg: load(), ...extra }));

  const first = await call();
  // job-0's quiet host wrote at t0 + 0: the first stream in LastEventTime order.
  const quiet = first.page.logStreams[0];
  report('first call', first, { earliestStream: quiet?.logStreamName, earliestAnswered: (quiet?.lastEventTimestamp ?? 0) - t0, quietHostWroteAt: 0 });
  const quiet1 = await call();
  const runs = [quiet1];
  for (let i = 1; i < calls; i++) runs.push(await call());
  report(`nothing written since (median of ${calls})`, { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) });
  for (let k = 0; k < jobs; k += 10) {
    let text = '';
    for (let j = 0; j < 10; j++) text += line(t0 + 10_000_000 + k * 10 + j, 'algo-1', lines + j);
    appendFileSync(file(k), text);
  }
  const grown = await call();
  report('after a tenth of the jobs wrote 10 lines', grown, { earliestStream: grown.page.logStreams[0]?.logStreamName });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
