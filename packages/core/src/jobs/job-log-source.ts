import { isLoamError } from '../kernel/errors.js';
import type { LogGroupSource, LogUnit } from '../logs/log-groups.js';
import { jobId, type JobRecord } from './job.collections.js';
import type { JobStore } from './job-store.js';

/**
 * A job log group (`/aws/sagemaker/TrainingJobs`, …) over the job store of that kind: one unit per started job (its
 * executor's log), one stream per host, named `<job>/algo-<n>-<epoch seconds the job started>` as SageMaker names them.
 * A queued job has no stream yet, as on SageMaker before its instances start.
 */
export function jobLogGroupSource(store: JobStore): LogGroupSource {
  const unitOf = (r: JobRecord): LogUnit | undefined => {
    if (r.startTime === undefined) return undefined;
    const epoch = Math.floor(r.startTime);
    const creationTime = Math.round(r.startTime * 1000);
    return {
      // The job's name: its executor log is read by jobId(kind, key).
      key: r.name,
      startTime: creationTime,
      ...(r.phase === 'done' ? { endTime: r.lastModifiedTime * 1000, closed: true } : {}),
      streams: Array.from({ length: r.spec.instanceCount }, (_, i) => ({ name: `${r.name}/algo-${i + 1}-${epoch}`, host: `algo-${i + 1}`, creationTime })),
    };
  };
  const get = async (name: string): Promise<JobRecord | undefined> => {
    try {
      return await store.get(name);
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceNotFound') return undefined;
      throw e;
    }
  };
  return {
    streamNames: '<job name>/algo-<n>-<start epoch>, listed by DescribeLogStreams once the job has started',
    // A job name is what a prefix holds before its first `/`; without one, every job whose name starts with it.
    async units(prefix) {
      const slash = prefix.indexOf('/');
      if (slash >= 0) {
        const r = await get(prefix.slice(0, slash));
        const u = r && unitOf(r);
        return u ? [u] : [];
      }
      const out: LogUnit[] = [];
      let nextToken: string | undefined;
      do {
        const page = await store.list({ ...(prefix ? { NameContains: prefix } : {}), SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) });
        for (const r of page.items) {
          const u = unitOf(r);
          if (u) out.push(u);
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    },
    async stream(name) {
      const m = /^(.+)\/(algo-\d+)-\d+$/.exec(name);
      const r = m ? await get(m[1] as string) : undefined;
      const u = r && unitOf(r);
      if (!u || !u.streams.some((s) => s.name === name)) return undefined;
      return { unit: u, host: (m as RegExpExecArray)[2] as string };
    },
    read(u, options) {
      return store.o.executor.readLogs(jobId(store.kind, u.key), options);
    },
    readBackward(u, options) {
      return store.o.executor.readLogsBackward(jobId(store.kind, u.key), options);
    },
    ...(store.o.executor.readLastLogTimes ? { lastTimes: (u: LogUnit) => store.o.executor.readLastLogTimes!(jobId(store.kind, u.key)) } : {}),
  };
}
