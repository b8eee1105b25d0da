/**
 * CloudWatch Logs' GetLogEvents over a long job log: the default call (no startFromHead, no token: the newest
 * events), as `aws logs get-log-events` and the SDK's first tail call make it, through LogStreamsService over the
 * local executor's reads of a `logs.jsonl` (what `jobLogGroupSource` delegates to).
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/logs/logs-bench.ts [--lines 1000000] [--limit 10000]
 * The log (--lines lines of about 120 bytes: 1,000,000 is 120 MB) is written beforehand and not timed. Prints one
 * JSON line per measurement (wall and CPU ms of the call, /proc/loadavg).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessExecutor } from '@loam/adapters';
import { fixedLogGroups, LogStreamsService, systemPrincipal, type JobExecutor, type LogGroupSource, type LogUnit } from '@loam/core';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const lines = arg('lines', 1_000_000);
const limit = arg('limit', 10_000);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'loam-logs-bench-'));
try {
  const executor: JobExecutor = new LocalProcessExecutor({ workDir: join(dir, 'jobs'), runner: { command: process.execPath, args: [] }, artifacts: { type: 'local', root: join(dir, 'artifacts') }, python: '/usr/bin/python3', cgroups: false });
  const jobDir = join(dir, 'jobs', 'processing-job', 'long');
  mkdirSync(jobDir, { recursive: true });
  const fd = openSync(join(jobDir, 'logs.jsonl'), 'w');
  const t0 = 1_795_000_000_000;
  for (let i = 0; i < lines; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(lines, i + 10_000); j++) chunk += `${JSON.stringify({ time: t0 + j, host: 'algo-1', stream: 'stdout', line: `epoch ${j >> 10} step ${j} loss=0.${String(j % 997).padStart(3, '0')} of a long processing job` })}\n`;
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const bytes = statSync(join(jobDir, 'logs.jsonl')).size;

  const unit: LogUnit = { key: 'long', startTime: t0, streams: [{ name: 'long/algo-1-1795000000', host: 'algo-1', creationTime: t0 }] };
  // What jobLogGroupSource hands the service: the executor's reads of the job's log.
  const source: LogGroupSource = {
    streamNames: 'long/algo-1-1795000000',
    units: async () => [unit],
    stream: async (name) => (name === unit.streams[0]!.name ? { unit, host: 'algo-1' } : undefined),
    read: (_u, o) => executor.readLogs('processing-job/long', o),
    // Absent in the older code, whose service never asks for it.
    readBackward: (_u, o) => executor.readLogsBackward('processing-job/long', o),
  };
  const logs = new LogStreamsService({ partition: { region: 'us-east-1', accountId: '000000000000' }, groups: fixedLogGroups({ '/aws/sagemaker/ProcessingJobs': source }) });
  const ctx = { principal: systemPrincipal, requestId: 'bench' };
  const loadBefore = load();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const page = await logs.GetLogEvents({ logGroupName: '/aws/sagemaker/ProcessingJobs', logStreamName: unit.streams[0]!.name, limit }, ctx);
  const wallMs = performance.now() - w0;
  const c = process.cpuUsage(c0);
  const last = page.events.at(-1)?.message ?? '';
  console.log(JSON.stringify({ measurement: 'GetLogEvents default (newest events)', lines, bytes, limit, events: page.events.length, last, wallMs: Math.round(wallMs), cpuMs: Math.round((c.user + c.system) / 1000), loadavg: `${loadBefore} -> ${load()}` }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
