import type { JobSpec } from '@loam/contracts';
import { JobCoordinator, jobsCollection, systemClock, type ExecutorEvent, type ExecutorListener, type GiveUpAfter, type JobExecutor, type JobRecord, type Logger, type MetadataStore } from '@loam/core';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryJobExecutor } from '@loam/testkit/fakes/memory-job-executor';
import { until } from './postgres-faults.test-support.js';

/** A log line as the harness records it. */
export interface HarnessLine {
  readonly level: string;
  readonly msg: string;
}

/**
 * A JobCoordinator over `store` (a real one, to meet its database's faults) and an in-memory executor whose events the
 * test sends itself, for one running job `training-job/<name>` inserted in the store. Records the log lines and the
 * jobs the executor was asked to release. Close it with `close()` (the coordinator; the store is the caller's).
 */
export async function coordinatorOver(store: MetadataStore, name: string, o: { giveUpAfter?: GiveUpAfter } = {}) {
  const lines: HarnessLine[] = [];
  const at = (level: string) => (_: object, msg: string) => void lines.push({ level, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  const executor = new MemoryJobExecutor({ artifacts: new MemoryArtifactStore() });
  let send: ExecutorListener = () => undefined;
  executor.onEvent = (l) => void (send = l);
  const released: string[] = [];
  // The fake releases nothing: what the coordinator asks of it is what is checked.
  (executor as JobExecutor).release = async (id: string) => void released.push(id);
  const coordinator = new JobCoordinator({ store, executor, clock: systemClock, logger, node: 'n', flushIntervalMs: 1, retryIntervalMs: 5, ...(o.giveUpAfter ? { giveUpAfter: o.giveUpAfter } : {}) });
  const jobId = `training-job/${name}`;
  const now = Date.now() / 1000;
  const record: JobRecord = {
    id: jobId, kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:123456789012:${jobId}`, status: 'InProgress', secondaryStatus: 'Training', phase: 'running',
    creationTime: now, lastModifiedTime: now, request: {}, spec: { instanceCount: 1, maxRuntimeSeconds: 3600 } as unknown as JobSpec, transitions: [{ Status: 'Training', StartTime: now }],
    finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: 1, attemptStartTime: now, node: 'n', handle: { executor: 'memory' }, eventSeq: {}, exits: {},
  };
  const jobs = store.collection(jobsCollection);
  await jobs.insert(record);
  let seq = 0;
  return {
    jobId, lines, released,
    /** Sends the job's runner's event, from algo-1, to the coordinator. */
    emit: (e: Record<string, unknown>) => send(jobId, { ...e, seq: ++seq, time: Date.now(), host: 'algo-1' } as ExecutorEvent),
    /** The job's record once it has ended. */
    ended: (timeoutMs = 10_000) => until(async () => {
      const r = (await jobs.get(jobId))?.value;
      return r?.phase === 'done' ? r : undefined;
    }, timeoutMs, `job ${jobId} ended`),
    close: () => coordinator.close(),
  };
}
