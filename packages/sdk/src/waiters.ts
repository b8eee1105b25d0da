import type { Operations, OutputOf } from '@loam/contracts';
import type { LoamClient } from './client.js';
import { LoamWaiterTimeoutError } from './errors.js';

export interface WaitOptions {
  /** Time between two Describe calls; default 2000 ms. */
  readonly intervalMs?: number;
  /** Give up (LoamWaiterTimeoutError) after this long; default: wait for ever. */
  readonly timeoutMs?: number;
  /** Stops waiting (rejects with the signal's AbortError); the job itself keeps running. */
  readonly signal?: AbortSignal;
}

type Out<K extends keyof Operations> = OutputOf<Operations[K]>;
/** {@link WaitOptions} and `onPoll`, called with every description (the last one included): for progress. */
type Options<T> = WaitOptions & { readonly onPoll?: (description: T) => void };

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Describes until `status` is one of `terminal`; returns that description (a failure is returned, not thrown). */
async function waitUntil<T>(what: string, describe: (signal?: AbortSignal) => Promise<T>, status: (d: T) => string, terminal: readonly string[], o: Options<T> = {}): Promise<T> {
  const started = Date.now();
  for (;;) {
    const d = await describe(o.signal);
    o.onPoll?.(d);
    const s = status(d);
    if (terminal.includes(s)) return d;
    if (o.timeoutMs !== undefined && Date.now() - started >= o.timeoutMs) throw new LoamWaiterTimeoutError(what, s, o.timeoutMs);
    await pause(o.intervalMs ?? 2000, o.signal);
  }
}

const ENDED = ['Completed', 'Failed', 'Stopped'] as const;
const sig = (signal: AbortSignal | undefined) => (signal ? { signal } : undefined);

/**
 * Waits until a training job has ended (Completed, Failed or Stopped) and returns its description: check
 * `TrainingJobStatus` (and `FailureReason`). Like boto3's `training_job_completed_or_stopped`, but a failed
 * job is returned rather than thrown.
 * @throws LoamWaiterTimeoutError after `timeoutMs`; LoamApiError (`ResourceNotFound`, …); the signal's AbortError
 */
export function waitForTrainingJob(client: LoamClient, name: string, o?: Options<Out<'DescribeTrainingJob'>>): Promise<Out<'DescribeTrainingJob'>> {
  return waitUntil(`Training job '${name}'`, (s) => client.DescribeTrainingJob({ TrainingJobName: name }, sig(s)), (d) => d.TrainingJobStatus, ENDED, o);
}

/** Waits until a processing job has ended (Completed, Failed or Stopped); see {@link waitForTrainingJob}. */
export function waitForProcessingJob(client: LoamClient, name: string, o?: Options<Out<'DescribeProcessingJob'>>): Promise<Out<'DescribeProcessingJob'>> {
  return waitUntil(`Processing job '${name}'`, (s) => client.DescribeProcessingJob({ ProcessingJobName: name }, sig(s)), (d) => d.ProcessingJobStatus, ENDED, o);
}

/** Waits until a batch transform job has ended (Completed, Failed or Stopped); see {@link waitForTrainingJob}. */
export function waitForTransformJob(client: LoamClient, name: string, o?: Options<Out<'DescribeTransformJob'>>): Promise<Out<'DescribeTransformJob'>> {
  return waitUntil(`Transform job '${name}'`, (s) => client.DescribeTransformJob({ TransformJobName: name }, sig(s)), (d) => d.TransformJobStatus, ENDED, o);
}

/** Waits until a tuning job has ended (Completed, Failed or Stopped); `BestTrainingJob` is then final. */
export function waitForTuningJob(client: LoamClient, name: string, o?: Options<Out<'DescribeHyperParameterTuningJob'>>): Promise<Out<'DescribeHyperParameterTuningJob'>> {
  return waitUntil(`Tuning job '${name}'`, (s) => client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: name }, sig(s)), (d) => d.HyperParameterTuningJobStatus, ENDED, o);
}

/**
 * Waits until an endpoint being created or updated is InService or Failed and returns its description
 * (an update that rolled back is InService again: compare `EndpointConfigName`, read `FailureReason`).
 */
export function waitForEndpoint(client: LoamClient, name: string, o?: Options<Out<'DescribeEndpoint'>>): Promise<Out<'DescribeEndpoint'>> {
  return waitUntil(`Endpoint '${name}'`, (s) => client.DescribeEndpoint({ EndpointName: name }, sig(s)), (d) => d.EndpointStatus, ['InService', 'Failed'], o);
}
