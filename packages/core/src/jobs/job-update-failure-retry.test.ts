import { describe, expect, it } from 'vitest';
import type { JobSpec } from '@loam/contracts';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryJobExecutor } from '@loam/testkit/fakes/memory-job-executor';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { systemClock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { ServiceUnavailableError } from '../kernel/errors.js';
import type { ExecutorEvent, ExecutorListener, JobExecutor } from '../ports/job-executor.js';
import type { Collection, MetadataStore } from '../ports/metadata-store.js';
import { JobCoordinator } from './job-coordinator.js';
import { jobsCollection, type JobRecord } from './job.collections.js';

// A job's event write the store refuses with a plain error (not ServiceUnavailable) is kept and tried again with a
// growing pause; its metric events alone are given up after 3 failures. Driven here with the in-memory store, whose
// job updates fail while `refusals` lasts, and the executor's events sent straight to the coordinator.

const jobId = 'training-job/refused';

interface Line { readonly level: string; readonly msg: string; readonly fields: Record<string, unknown> }

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (fields: object, msg: string) => void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  const l: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => l };
  return l;
}

interface Faults {
  /** Job updates refused (not written) as an I/O error, or as `error` when set. */
  refusals: number;
  refused: number;
  error?: () => Error;
  /** Only the job updates whose record this matches are refused (a constraint, a trigger): all of them when absent. */
  refuses?: (value: unknown) => boolean;
  /** Job updates written and then failed, as a connection dropped after COMMIT reports it (ServiceUnavailable). */
  lostAnswers: number;
  /** Runs after a write whose answer is lost, before the failure is reported (what another server does meanwhile). */
  afterLostAnswer?: () => Promise<void>;
}

/** The store, with its job updates refused as an I/O error while `state.refusals` is above 0, or written and then failed while `state.lostAnswers` is. */
function refusingStore(store: MetadataStore, state: Faults): MetadataStore {
  const bind = <T extends object>(t: T, p: string | symbol): unknown => {
    const v: unknown = Reflect.get(t, p);
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
  };
  return new Proxy(store, {
    get(t, p) {
      if (p !== 'collection') return bind(t, p);
      return <T>(spec: Parameters<MetadataStore['collection']>[0]) => {
        const c = t.collection(spec) as Collection<T>;
        return new Proxy(c, {
          get(ct, cp) {
            if (cp !== 'update') return bind(ct, cp);
            return async (key: string, version: number, value: T) => {
              if (state.refusals > 0 && (state.refuses?.(value) ?? true)) {
                state.refusals--;
                state.refused++;
                throw state.error?.() ?? new Error('disk I/O error');
              }
              const written = await ct.update(key, version, value);
              if (state.lostAnswers > 0) {
                state.lostAnswers--;
                await state.afterLostAnswer?.();
                throw new ServiceUnavailableError('The metadata store is unavailable: the connection to PostgreSQL was lost or timed out. Retry later.');
              }
              return written;
            };
          },
        });
      };
    },
  });
}

async function setup(o: { giveUpAfter?: { failures: number; ms: number }; maxAttempts?: number } = {}) {
  const lines: Line[] = [];
  const state: Faults = { refusals: 0, refused: 0, lostAnswers: 0 };
  const memory = createMemoryMetadataStore({ collections: [jobsCollection] });
  const executor = new MemoryJobExecutor({ artifacts: new MemoryArtifactStore() });
  let send: ExecutorListener = () => undefined;
  const onEvent = executor.onEvent.bind(executor);
  executor.onEvent = (l) => {
    send = l;
    onEvent(l);
  };
  const released: string[] = [];
  // The fake releases nothing: what the coordinator asks of it is what is checked.
  (executor as JobExecutor).release = async (id: string) => void released.push(id);
  const coordinator = new JobCoordinator({ store: refusingStore(memory, state), executor, clock: systemClock, logger: recordingLogger(lines), node: 'n', flushIntervalMs: 1, retryIntervalMs: 5, ...(o.giveUpAfter ? { giveUpAfter: o.giveUpAfter } : {}) });
  const now = Date.now() / 1000;
  const spec = { instanceCount: 1, maxRuntimeSeconds: 3600 } as unknown as JobSpec;
  const record: JobRecord = {
    id: jobId, kind: 'training-job', name: 'refused', arn: `arn:loam:sagemaker:us-east-1:123456789012:${jobId}`, status: 'InProgress', secondaryStatus: 'Training', phase: 'running',
    creationTime: now, lastModifiedTime: now, request: {}, spec, transitions: [{ Status: 'Training', StartTime: now }],
    finalMetrics: {}, metricSeries: {}, attempts: 1, maxAttempts: o.maxAttempts ?? 1, attemptStartTime: now, node: 'n', handle: { executor: 'memory' }, eventSeq: {}, exits: {},
  };
  await memory.collection(jobsCollection).insert(record);
  let seq = 0;
  const emit = (e: Record<string, unknown>) => send(jobId, { ...e, seq: ++seq, time: Date.now(), host: 'algo-1' } as ExecutorEvent);
  const read = async () => (await memory.collection(jobsCollection).get(jobId))!.value;
  return { lines, state, coordinator, emit, read, released, memory };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a job update the store refuses with an error that is not an outage', () => {
  it("keeps the job's exit through the refusals and drops its metrics after 3", async () => {
    const { state, coordinator, emit, read, lines } = await setup();
    state.refusals = 5;
    emit({ type: 'metric', name: 'loss', value: 0.5 });
    emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });
    const done = await until(async () => ((await read()).phase === 'done' ? await read() : undefined), 'the job ended');
    expect([done.status, state.refused, done.finalMetrics['loss']]).toEqual(['Completed', 5, undefined]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['job update failed; its events are kept and tried again']);
    expect(lines.filter((l) => /metric events dropped/.test(l.msg)).map((l) => l.fields['dropped'])).toEqual([1]);
    await coordinator.close();
  });

  it('starts afresh after a batch of metrics alone was given up: a later single failure drops nothing', async () => {
    const { state, coordinator, emit, read, lines } = await setup();
    state.refusals = 3;
    emit({ type: 'metric', name: 'loss', value: 0.5 });
    await until(async () => (lines.some((l) => /metric events dropped/.test(l.msg)) ? true : undefined), 'the metrics given up');
    // Nothing is left to try for this job: no further write is attempted.
    await new Promise((r) => setTimeout(r, 100));
    expect(state.refused).toBe(3);

    // A new metric, refused once (a passing fault): it is kept, its first failure an error again, and written.
    state.refusals = 1;
    emit({ type: 'metric', name: 'loss', value: 0.25 });
    const written = await until(async () => (await read()).finalMetrics['loss'], 'the new metric written', 2000).catch(() => undefined);
    expect(written?.value).toBe(0.25);
    expect(lines.filter((l) => l.level === 'error').length).toBe(2);
    expect(lines.filter((l) => /written after failing/.test(l.msg)).map((l) => l.fields['failures'])).toEqual([1]);
    await coordinator.close();
  });
});

describe("a job's end the store keeps refusing for good (the same error every time)", () => {
  const giveUpAfter = { failures: 4, ms: 50 };

  it('gives the batch up and ends the job Failed, naming the store error, with one error line for what was dropped', async () => {
    const { state, coordinator, emit, read, lines, released } = await setup({ giveUpAfter });
    // Refuses what carries the job's end as it is (a trigger, a constraint), and lets a Failed end through.
    state.refusals = Number.POSITIVE_INFINITY;
    state.error = () => new Error('new row for relation "jobs" violates check constraint "jobs_exit_message"');
    state.refuses = (v) => (v as JobRecord).exitMessage !== undefined;
    const endedBefore = Date.now();
    emit({ type: 'status', status: 'Uploading' });
    emit({ type: 'metric', name: 'loss', value: 0.5 });
    emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0, exitMessage: 'bad', modelArtifacts: 's3://models/x/model.tar.gz' });
    const endedAfter = Date.now();
    await until(async () => (lines.some((l) => /given up/.test(l.msg)) ? true : undefined), 'the batch given up', 10_000);
    const refusedEnd = state.refused;
    const done = await until(async () => ((await read()).phase === 'done' ? await read() : undefined), 'the job ended');
    expect(refusedEnd).toBeGreaterThanOrEqual(giveUpAfter.failures);
    expect([done.status, done.secondaryStatus, done.modelArtifacts, done.exitMessage, done.finalMetrics['loss']]).toEqual(['Failed', 'Failed', undefined, undefined, undefined]);
    // It ended when its runner did, not when the store took the Failed end (TrainingTimeInSeconds, BillableTimeInSeconds).
    expect(done.endTime! * 1000).toBeGreaterThanOrEqual(endedBefore);
    expect(done.endTime! * 1000).toBeLessThanOrEqual(endedAfter);
    expect(done.transitions.at(-1)).toMatchObject({ Status: 'Failed', StartTime: done.endTime, EndTime: done.endTime });
    expect(done.lastModifiedTime * 1000).toBeGreaterThanOrEqual(endedAfter + giveUpAfter.ms);
    expect(done.failureReason).toMatch(/^The job ended, but the metadata store refused to record its end .*: new row for relation "jobs" violates check constraint "jobs_exit_message"\. Its outcome, exit message and model artifacts were not recorded\.$/);
    const given = lines.filter((l) => /given up/.test(l.msg));
    expect(given.map((l) => [l.level, l.fields['dropped']])).toEqual([['error', { status: 1, exit: 1 }]]);
    // The Failed end is a job's end like any other: what the job held is released.
    await until(async () => (released.length ? true : undefined), 'the job released');
    expect(released).toEqual([jobId]);
    await coordinator.close();
  });

  it('stops retrying when even a Failed end is refused: one more error line, no retry after it', async () => {
    const { state, coordinator, emit, read, lines, released } = await setup({ giveUpAfter });
    state.refusals = Number.POSITIVE_INFINITY;
    state.error = () => new Error('permission denied for table jobs');
    emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });
    await until(async () => (lines.filter((l) => /given up/.test(l.msg)).length === 2 ? true : undefined), 'the Failed end given up too', 10_000);
    const tries = state.refused;
    await new Promise((r) => setTimeout(r, 200));
    expect(state.refused).toBe(tries);
    expect((await read()).phase).toBe('running');
    expect(lines.filter((l) => /given up/.test(l.msg)).map((l) => l.level)).toEqual(['error', 'error']);
    // Kept for a restart to replay the end from (the executor's record of it): nothing is released.
    expect(released).toEqual([]);
    await coordinator.close();
  });

  it("writes the job's own end, not a Failed one, when the store refused the Failed end too and then recovers (an I/O error for a while)", async () => {
    const { state, coordinator, emit, read, lines } = await setup({ giveUpAfter });
    state.refusals = Number.POSITIVE_INFINITY;
    state.error = () => new Error('could not write to file "base/16384/2619": Input/output error');
    emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0, modelArtifacts: 's3://models/x/model.tar.gz' });
    await until(async () => (lines.some((l) => /given up/.test(l.msg)) ? true : undefined), 'the batch given up', 10_000);
    // The store refuses every write, whatever it carries: the Failed end put in place of the job's is refused as well.
    const atGiveUp = state.refused;
    await until(async () => (state.refused > atGiveUp ? true : undefined), 'the Failed end refused');
    state.refusals = 0;
    const done = await until(async () => ((await read()).phase === 'done' ? await read() : undefined), 'the job ended');
    expect([done.status, done.modelArtifacts, done.failureReason]).toEqual(['Completed', 's3://models/x/model.tar.gz', undefined]);
    await coordinator.close();
  });

  it('keeps retrying a batch refused for less than the limit, however often', async () => {
    const { state, coordinator, emit, read, lines } = await setup({ giveUpAfter: { failures: 4, ms: 60_000 } });
    state.refusals = 6;
    emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });
    const done = await until(async () => ((await read()).phase === 'done' ? await read() : undefined), 'the job ended', 10_000);
    expect(done.status).toBe('Completed');
    expect(lines.filter((l) => /given up/.test(l.msg))).toEqual([]);
    await coordinator.close();
  });
});

describe("a job's end the store wrote but reported as failed (the connection dropped after COMMIT)", () => {
  it('finds the end recorded when it tries again and releases what the job held', async () => {
    const { state, coordinator, emit, read, released } = await setup();
    state.lostAnswers = 1;
    emit({ type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0 });
    await until(async () => ((await read()).phase === 'done' ? true : undefined), 'the job ended');
    await until(async () => (released.length ? true : undefined), 'the job released', 2000).catch(() => undefined);
    expect([state.lostAnswers, released]).toEqual([0, [jobId]]);
    await coordinator.close();
  });
});

describe('a job end of an attempt retried under RetryStrategy, written but reported as failed', () => {
  it("does not apply that attempt's end to the next attempt another server started meanwhile", async () => {
    const { state, coordinator, emit, read, released, memory } = await setup({ maxAttempts: 3 });
    const jobs = memory.collection(jobsCollection);
    // The write that re-queued the job went through; before its failure is reported, a scheduling pass leases attempt 2.
    state.lostAnswers = 1;
    state.afterLostAnswer = async () => {
      const cur = (await jobs.get(jobId))!;
      await jobs.update(jobId, cur.version, { ...cur.value, phase: 'running', attempts: cur.value.attempts + 1, attemptStartTime: Date.now() / 1000, handle: { executor: 'memory', attempt: 2 } });
    };
    emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: 'InternalServerError: the runner vanished', platformFault: true });
    await until(async () => (state.lostAnswers === 0 ? true : undefined), 'the re-queue written');
    await coordinator.close();
    const r = await read();
    // Attempt 2 runs on: its record is not settled by attempt 1's end, and nothing of the job is released.
    expect([r.phase, r.attempts, r.status, r.exits, r.eventSeq, released]).toEqual(['running', 2, 'InProgress', {}, {}, []]);
  });

  it('asks for a scheduling pass when the write found recorded had queued the job again', async () => {
    const { state, coordinator, emit, read } = await setup({ maxAttempts: 3 });
    const kicked: number[] = [];
    coordinator.kick = () => void kicked.push(1);
    state.lostAnswers = 1;
    emit({ type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: 'InternalServerError: the runner vanished', platformFault: true });
    await until(async () => (state.lostAnswers === 0 ? true : undefined), 'the re-queue written');
    await coordinator.close();
    const r = await read();
    expect([r.phase, r.attempts, kicked.length]).toEqual(['queued', 1, 1]);
  });
});
