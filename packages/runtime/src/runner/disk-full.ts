import { statfsSync } from 'node:fs';

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Whether a write was refused for want of space: an `ENOSPC`/`EDQUOT` error from the file system, or
 * the local artifact store's ServiceUnavailable that says so (`… disk is full (ENOSPC) …`).
 */
export function isDiskFull(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  if (typeof err?.code === 'string' && FULL.has(err.code)) return true;
  return err?.code === 'ServiceUnavailable' && typeof err.message === 'string' && /\((ENOSPC|EDQUOT)\)/.test(err.message);
}

export type DiskFullCode = 'ENOSPC' | 'EDQUOT';

/** `ENOSPC` or `EDQUOT`, from the error or its message. */
export function fullCode(e: unknown): DiskFullCode {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  if (err?.code === 'ENOSPC' || err?.code === 'EDQUOT') return err.code;
  return typeof err?.message === 'string' && err.message.includes('EDQUOT') ? 'EDQUOT' : 'ENOSPC';
}

/**
 * The code in words, as the C library says it: a quota is not a full disk (df shows free space), and a
 * user told 'no space left on device' looks for the wrong cause.
 */
export function fullWords(code: DiskFullCode): string {
  return code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device';
}

/** Whether the file system holding `dir` has (almost) no space left: under 1 MiB free. False when it cannot tell. */
export function noSpaceLeft(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize < 1 << 20;
  } catch {
    return false;
  }
}

/** A step of the runner that could not write for want of space, even after waiting for it. */
export class DiskFullError extends Error {
  override readonly name = 'DiskFullError';

  /**
   * @param summary what could not be written, where, and how long it waited
   * @param code which refusal it met
   * @param detail the last refusal's own message (after the summary in `message`)
   */
  constructor(readonly summary: string, readonly code: DiskFullCode, readonly detail = '') {
    super(detail ? `${summary} ${detail}` : summary);
  }
}

/**
 * The runner's outcome could not be written, the disk being full. `stoppedBy`: the StoppingCondition limit that
 * had stopped the job (the outcome it could not write says so), which the runner's exit code then names.
 */
export class OutcomeNotWritten extends DiskFullError {
  constructor(summary: string, code: DiskFullCode, readonly stoppedBy?: 'MaxRuntimeExceeded' | 'MaxWaitTimeExceeded') {
    super(summary, code);
  }
}

/**
 * One allowance of time for all of a runner's waits for disk space (the model's archive and upload, each
 * output's upload, the final write of its reports): the time its steps spend waiting, from a step's first
 * refusal to its end, added up over the steps that wait in turn, never more than `totalMs`. Each step had its
 * own 30 min and the final write 30 more, so a processing job with 10 outputs could wait five and a half
 * hours on a disk that stayed full (2026-11-29). Only waiting counts: a long upload between two waits (space
 * was back) does not spend the allowance of a later step that meets a full disk.
 */
export class DiskWaitBudget {
  private spentMs = 0;
  private waitingSince: number | undefined;

  constructor(readonly totalMs: number) {}

  /** A step starts waiting (met a full disk), unless its wait is already counted. */
  start(): void {
    this.waitingSince ??= Date.now();
  }

  /** The step's wait is over (it succeeded, failed otherwise or gave up): its time is spent. */
  end(): void {
    if (this.waitingSince === undefined) return;
    this.spentMs += Date.now() - this.waitingSince;
    this.waitingSince = undefined;
  }

  /** What is left of it: all of it before any wait, never below 0. */
  leftMs(): number {
    const waiting = this.waitingSince === undefined ? 0 : Date.now() - this.waitingSince;
    return Math.max(0, this.totalMs - this.spentMs - waiting);
  }
}

export interface DiskWait {
  /** What the step does, for the log and the FailureReason: `uploading the model to s3://…`. */
  readonly step: string;
  /** Where it writes (the scratch file, or the data directory of the artifact store). */
  readonly path: string;
  /** How long to wait for space, shared with the runner's other waits (the runner's `diskFullWaitMs` in all). */
  readonly budget: DiskWaitBudget;
  readonly retryMs?: number;
  /** A stop: the wait ends and the step's last error is thrown. */
  readonly signal: AbortSignal;
  /** A line in the job's platform log (held by the event writer while the disk is full). */
  readonly log: (line: string) => void;
}

/**
 * Runs a step that writes (the model archive, its upload) and, while it fails for want of space, runs it
 * again every `retryMs` until it succeeds, the budget is spent or the job is stopped: a job whose image
 * succeeded must not lose its model to a disk that was full for a moment (2026-11-28: the runner died,
 * and the job failed as 'runner ended without reporting an outcome'). The step must be safe to repeat.
 * @throws DiskFullError naming the step, the path and how long it waited, when space never came back.
 */
export async function whileDiskFull<T>(w: DiskWait, fn: () => Promise<T>): Promise<T> {
  try {
    return await retryWhileDiskFull(w, fn);
  } finally {
    w.budget.end();
  }
}

async function retryWhileDiskFull<T>(w: DiskWait, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  let waiting = false;
  for (;;) {
    try {
      const v = await fn();
      if (waiting) w.log(`Space is back: ${w.step} succeeded after waiting ${Math.round((Date.now() - start) / 1000)} s.`);
      return v;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      const code = fullCode(e);
      const giveUp = () => {
        // A step met after earlier steps spent the allowance waits not at all: '0 s' alone read as no wait.
        const spent = !w.signal.aborted ? `, and the ${Math.round(w.budget.totalMs / 1000)} s allowed for all of the runner's waits for space are spent` : '';
        return new DiskFullError(`${fullWords(code)} (${code}) while ${w.step} (writing under ${w.path}); waited ${Math.round((Date.now() - start) / 1000)} s for space${spent}.`, code, (e as Error).message);
      };
      w.budget.start();
      const left = w.budget.leftMs();
      if (w.signal.aborted || left <= 0) throw giveUp();
      if (!waiting) {
        waiting = true;
        const words = fullWords(code);
        w.log(`${words[0]!.toUpperCase()}${words.slice(1)} (${code}) while ${w.step} (writing under ${w.path}): waiting up to ${Math.round(left / 1000)} s for space, retrying every ${Math.round((w.retryMs ?? 2000) / 100) / 10} s.`);
      }
      // One listener per wait, removed after it: a half-hour wait retries 900 times on the same signal.
      await new Promise<void>((r) => {
        const done = () => {
          clearTimeout(t);
          w.signal.removeEventListener('abort', done);
          r();
        };
        const t = setTimeout(done, Math.min(w.retryMs ?? 2000, left));
        w.signal.addEventListener('abort', done, { once: true });
      });
      // A stop ends the wait with this attempt's error: one more attempt would write the archive again until the
      // disk refused it, and the runner's stop path makes its own last attempt (2026-11-29).
      if (w.signal.aborted) throw giveUp();
    }
  }
}

/**
 * The FailureReason of a job that failed for want of space: a `ClientError` (never a platform fault), as
 * SageMaker reports a full volume (`ClientError: Data download failed:Insufficient disk space`). RetryStrategy
 * retries InternalServerError only, and a retry would meet the same full disk: a runner that waited its 30 min
 * for space was retried as an InternalServerError and filled the disk again (2026-11-29).
 */
export function diskFullReason(e: unknown, workDir: string): string {
  const code = fullCode(e);
  const raw = e instanceof Error ? e.message : String(e);
  const what = e instanceof DiskFullError ? e.summary : raw.toLowerCase().includes(fullWords(code)) ? raw : `${fullWords(code)} (${code}): ${raw}`;
  const detail = e instanceof DiskFullError && e.detail ? ` ${e.detail}` : '';
  return `ClientError: ${what}${/[.]$/.test(what) ? '' : '.'} ${diskFullAdvice(code, workDir)}${detail}`.slice(0, 1024);
}

/** What the user can do about it: local jobs write to the disk of Loam's data directory, which VolumeSizeInGB does not size. */
export function diskFullAdvice(code: DiskFullCode, workDir: string): string {
  const fix = code === 'EDQUOT'
    ? `Raise the disk quota of the user Loam runs as (or free space within it) on the disk holding ${workDir}`
    : `Free space on the disk holding ${workDir} (Loam's data directory)`;
  return `${fix}, then run the job again: local jobs write to that disk whatever their VolumeSizeInGB, and a job that failed for want of space is not retried under RetryStrategy.`;
}
