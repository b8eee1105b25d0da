import type { SecondaryStatusName } from '@loam/contracts';
import { canTransition } from '../kernel/state-machine.js';
import type { ExecutorEvent } from '../ports/job-executor.js';
import type { JobRecord, MetricSeries, SecondaryTransition } from './job.collections.js';
import { secondaryStatusTable } from './job-states.js';

/** Points kept per metric series; beyond it the older half is thinned to every other point. */
export const maxSeriesPoints = 2000;

/** SageMaker's FailureReason is at most 1,024 characters. */
export function clipReason(reason: string): string {
  return reason.length > 1024 ? `${reason.slice(0, 1021)}...` : reason;
}

/** Moves the secondary status, closing the open transition; illegal or repeated moves are ignored. */
export function withSecondary(r: JobRecord, status: SecondaryStatusName, time: number, message?: string): JobRecord {
  if (r.secondaryStatus === status || !canTransition(secondaryStatusTable, r.secondaryStatus, status)) return r;
  const transitions: SecondaryTransition[] = r.transitions.map((t, i) => (i === r.transitions.length - 1 && t.EndTime === undefined ? { ...t, EndTime: time } : t));
  transitions.push({ Status: status, StartTime: time, ...(message ? { StatusMessage: message } : {}) });
  return { ...r, secondaryStatus: status, transitions, lastModifiedTime: Math.max(r.lastModifiedTime, time) };
}

function pushPoint(series: MetricSeries | undefined, time: number, value: number): MetricSeries {
  let points = series ? [...series.points] : [];
  const step = series?.count ?? points.length;
  points.push([time, value, step]);
  if (points.length > maxSeriesPoints) {
    const half = points.length >> 1;
    points = [...points.slice(0, half).filter((_, i) => i % 2 === 0), ...points.slice(half)];
  }
  return { points, count: step + 1 };
}

/** Messages SageMaker shows for each secondary status Loam reaches. */
const statusMessages: Partial<Record<SecondaryStatusName, string>> = {
  Starting: 'Preparing the instances for training',
  Downloading: 'Downloading input data',
  Training: 'Training image download completed. Training in progress.',
  Uploading: 'Uploading generated training model',
  Completed: 'Training job completed',
  Stopping: 'Stopping the training job',
  Stopped: 'The training job was stopped',
  MaxRuntimeExceeded: 'The job exceeded MaxRuntimeInSeconds and was stopped',
  MaxWaitTimeExceeded: 'The job exceeded MaxWaitTimeInSeconds (managed spot training) and was stopped',
  Restarting: 'Restarting after a platform fault (RetryStrategy)',
  Pending: 'Waiting for capacity',
};

export function statusMessage(s: SecondaryStatusName, kind: JobRecord['kind']): string | undefined {
  const m = statusMessages[s];
  return m && kind === 'processing-job' ? m.replace('training job', 'processing job').replace('generated training model', 'outputs') : m;
}

/**
 * Applies executor events to a job record: secondary status (from `algo-1`, the host SageMaker
 * reports), metrics (every host, as SageMaker publishes per-host series) and exits. Events at or
 * below the host's recorded sequence number were applied before and are skipped, so replays after a
 * restart are harmless. Exits only accumulate here; {@link settle} decides the job's outcome.
 */
export function applyEvents(r: JobRecord, events: readonly ExecutorEvent[]): JobRecord {
  let out = r;
  for (const e of events) {
    const seen = out.eventSeq[e.host] ?? 0;
    if (e.seq <= seen) continue;
    out = { ...out, eventSeq: { ...out.eventSeq, [e.host]: e.seq } };
    const t = e.time / 1000;
    if (e.type === 'status') {
      if (e.host !== 'algo-1' || out.phase === 'done') continue;
      if (out.startTime === undefined && e.status !== 'Starting' && e.status !== 'Pending') out = { ...out, startTime: t };
      out = withSecondary(out, e.status, t, e.message ?? statusMessage(e.status, out.kind));
    } else if (e.type === 'metric') {
      if (!Number.isFinite(e.value) && !Number.isNaN(e.value)) continue;
      out = {
        ...out,
        finalMetrics: { ...out.finalMetrics, [e.name]: { value: e.value, time: t } },
        metricSeries: { ...out.metricSeries, [e.name]: pushPoint(out.metricSeries[e.name], t, e.value) },
        lastModifiedTime: Math.max(out.lastModifiedTime, t),
      };
    } else {
      out = {
        ...out,
        exits: {
          ...out.exits,
          [e.host]: {
            outcome: e.outcome,
            secondaryStatus: e.secondaryStatus,
            ...(e.failureReason ? { failureReason: clipReason(e.failureReason) } : {}),
            ...(e.platformFault ? { platformFault: true } : {}),
          },
        },
        ...(e.host === 'algo-1' && e.modelArtifacts ? { modelArtifacts: e.modelArtifacts } : {}),
        // SageMaker: the ExitMessage of every container that wrote one, concatenated, then cut to 1 KB.
        ...(e.exitMessage ? { exitMessage: `${out.exitMessage ?? ''}${e.exitMessage}`.slice(0, 1024) } : {}),
      };
    }
  }
  return out;
}

/** What to do once hosts have exited. */
export type Settlement =
  | { readonly action: 'wait' }
  /** A host failed while others run: stop them, then settle. */
  | { readonly action: 'stop-others' }
  | { readonly action: 'retry'; readonly record: JobRecord }
  | { readonly action: 'finish'; readonly record: JobRecord };

/**
 * Decides a job's outcome from its hosts' exits: all Completed → Completed; any Failed → Failed with
 * that host's reason; otherwise Stopped. A platform fault (the runner vanished, could not start) is
 * retried under RetryStrategy while attempts remain, no stop was asked and MaxRuntimeInSeconds (a total over the
 * attempts) has time left — else the job ends Stopped / MaxRuntimeExceeded; a user's non-zero exit never is.
 * `ranUntilSeconds` is when the attempt's runner last ran, if not until now: an attempt that never started, or
 * one whose runner vanished while the server was down, is not charged for the time nothing ran.
 */
export function settle(r: JobRecord, hostCount: number, nowSeconds: number, ranUntilSeconds = nowSeconds): Settlement {
  const exits = Object.entries(r.exits);
  if (exits.length === 0) return { action: 'wait' };
  const failed = exits.find(([, x]) => x.outcome === 'Failed');
  if (exits.length < hostCount) return failed ? { action: 'stop-others' } : { action: 'wait' };
  const fault = exits.find(([, x]) => x.platformFault);
  // MaxRuntimeInSeconds is a total over every attempt (SageMaker, with RetryStrategy): each attempt's runner ran from
  // its lease (attemptStartTime) until now, when its exit is settled (or until it last ran, see ranUntilSeconds);
  // queued time between attempts is not counted.
  const ranUntil = Math.min(nowSeconds, ranUntilSeconds);
  const spent = (r.runtimeSpentSeconds ?? 0) + Math.max(0, ranUntil - (r.attemptStartTime ?? ranUntil));
  const runtimeLeft = r.spec.maxRuntimeSeconds - spent;
  let outOfRuntime = false;
  if (fault && !r.stopRequested && r.attempts < r.maxAttempts) {
    if (runtimeLeft > 0) {
      const retried = withSecondary(r, 'Restarting', nowSeconds, `Attempt ${r.attempts} ended by a platform fault: ${fault[1].failureReason ?? 'unknown'}; retrying.`);
      const { handle: _h, exitMessage: _m, attemptStartTime: _a, ...rest } = retried;
      return { action: 'retry', record: { ...rest, phase: 'queued', exits: {}, eventSeq: {}, runtimeSpentSeconds: spent, lastModifiedTime: nowSeconds } };
    }
    // No runtime left for another attempt: it is not started, and the job ends as the limit ends it.
    outOfRuntime = true;
  }
  const first = exits.find(([h]) => h === 'algo-1')?.[1] ?? (exits[0] as [string, JobRecord['exits'][string]])[1];
  const status = outOfRuntime ? 'Stopped' : failed ? 'Failed' : exits.every(([, x]) => x.outcome === 'Completed') ? 'Completed' : 'Stopped';
  const secondary: SecondaryStatusName = outOfRuntime ? 'MaxRuntimeExceeded' : failed ? 'Failed' : status === 'Completed' ? 'Completed' : first.secondaryStatus === 'MaxRuntimeExceeded' || first.secondaryStatus === 'MaxWaitTimeExceeded' ? first.secondaryStatus : 'Stopped';
  const message = outOfRuntime
    ? `Attempt ${r.attempts} ended by a platform fault: ${fault?.[1].failureReason ?? 'unknown'}; not retried: the attempts ran ${Math.round(spent)} s of MaxRuntimeInSeconds (${r.spec.maxRuntimeSeconds}), which counts every attempt.`
    : failed?.[1].failureReason ?? statusMessage(secondary, r.kind);
  let out = withSecondary(r, secondary, nowSeconds, message);
  const closed = out.transitions.map((t, i) => (i === out.transitions.length - 1 && t.EndTime === undefined ? { ...t, EndTime: nowSeconds } : t));
  out = {
    ...out,
    transitions: closed,
    status,
    phase: 'done',
    endTime: nowSeconds,
    lastModifiedTime: nowSeconds,
    ...(failed?.[1].failureReason && !outOfRuntime ? { failureReason: failed[1].failureReason } : {}),
  };
  return { action: 'finish', record: out };
}
