import { gzipSync } from 'node:zlib';
import type { JobSpec, RunnerEvent, RunnerLogLine } from '@loam/contracts';
import type { ArtifactStore, ExecutorCapacity, ExecutorEvent, ExecutorListener, JobExecutor, JobHandle, LogPage, LogTailPage } from '@loam/core';
import { ValidationError } from '@loam/core';

type Draft = RunnerEvent extends infer E ? (E extends RunnerEvent ? Omit<E, 'seq' | 'time'> : never) : never;

interface FakeJob {
  readonly id: string;
  readonly spec: JobSpec;
  seq: number;
  exited: boolean;
  stopping: boolean;
  readonly logs: RunnerLogLine[];
  wake?: () => void;
}

/** A one-file ustar archive, gzipped: what a model.tar.gz with `model.txt` holds. */
function tarGz(name: string, body: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, body, pad, Buffer.alloc(1024)]));
}

/**
 * An in-memory JobExecutor for unit tests. It does not start processes: it acts out the behaviour a
 * job's `LOAM_CONFORMANCE` environment describes (the conformance suite's jobs), staging the `train`
 * channel from the artifact store, parsing MetricDefinitions from its own log lines and storing
 * `model.tar.gz` — the same observable events, logs and artifacts as the local executor, so it passes
 * the same conformance suite. Jobs without that variable complete at once with an empty model.
 */
/** The fake's log tokens: the index of a line in the job's log. */
function encodeLogToken(i: number): string {
  return Buffer.from(`i:${i}`).toString('base64url');
}

function decodeLogToken(token: string): number {
  const i = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^i:/, ''));
  if (!Number.isInteger(i) || i < 0) throw new ValidationError(`NextToken is not a log token this service issued.`, [{ path: '/NextToken', message: 'invalid token' }]);
  return i;
}

export class MemoryJobExecutor implements JobExecutor {
  readonly capacity: ExecutorCapacity;
  private readonly jobs = new Map<string, FakeJob>();
  private readonly listeners: ExecutorListener[] = [];

  constructor(private readonly o: { artifacts: ArtifactStore; slots?: number; graceMs?: number }) {
    this.capacity = { slots: o.slots ?? 4, cores: 2, memoryMiB: 4096, networkIsolation: { supported: true } };
  }

  used(): number {
    return [...this.jobs.values()].filter((j) => !j.exited).length;
  }

  async start(jobId: string, spec: JobSpec): Promise<JobHandle> {
    const job: FakeJob = { id: jobId, spec, seq: 0, exited: false, stopping: false, logs: [] };
    this.jobs.set(jobId, job);
    queueMicrotask(() => void this.run(job));
    return { executor: 'memory' };
  }

  async adopt(jobId: string, handle: JobHandle): Promise<boolean> {
    return handle['executor'] === 'memory' && this.jobs.has(jobId);
  }

  /** A job this executor runs ends at once, with no event (the caller settles its record). */
  async discard(jobId: string): Promise<void> {
    const j = this.jobs.get(jobId);
    if (!j || j.exited) return;
    j.exited = true;
    j.wake?.();
  }

  async stop(jobId: string): Promise<void> {
    const j = this.jobs.get(jobId);
    if (!j || j.exited || j.stopping) return;
    j.stopping = true;
    this.emit(j, { type: 'status', status: 'Stopping' });
    j.wake?.();
  }

  async readLogs(jobId: string, options: { token?: string; limit: number }): Promise<LogPage> {
    const from = options.token ? decodeLogToken(options.token) : 0;
    const lines = (this.jobs.get(jobId)?.logs ?? []).slice(from, from + options.limit);
    return { lines, nextToken: encodeLogToken(from + lines.length), starts: lines.map((_, i) => encodeLogToken(from + i)) };
  }

  async readLogsBackward(jobId: string, options: { before?: string; limit: number }): Promise<LogTailPage> {
    const all = this.jobs.get(jobId)?.logs ?? [];
    const end = Math.min(options.before ? decodeLogToken(options.before) : all.length, all.length);
    const start = Math.max(0, end - options.limit);
    return { lines: all.slice(start, end), after: encodeLogToken(end), ...(start > 0 ? { before: encodeLogToken(start) } : {}) };
  }

  async release(): Promise<void> {}

  onEvent(listener: ExecutorListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {}

  private emit(j: FakeJob, e: Draft): void {
    if (j.exited) return;
    if (e.type === 'exit') j.exited = true;
    const full = { ...e, seq: ++j.seq, time: Date.now(), host: 'algo-1' } as ExecutorEvent;
    for (const l of this.listeners) l(j.id, full);
  }

  private log(j: FakeJob, stream: RunnerLogLine['stream'], line: string): void {
    j.logs.push({ time: Date.now(), host: 'algo-1', stream, line });
    for (const d of j.spec.metricDefinitions) {
      const m = new RegExp(d.Regex).exec(line);
      if (m?.[1] !== undefined) this.emit(j, { type: 'metric', name: d.Name, value: Number.parseFloat(m[1]) });
    }
  }

  private async run(j: FakeJob): Promise<void> {
    const { spec } = j;
    const raw = spec.environment['LOAM_CONFORMANCE'];
    const b = raw ? (JSON.parse(raw) as { exit: number; stderr?: string; sleepMs?: number; ignoreSigterm?: boolean; lines?: number }) : { exit: 0 };
    this.emit(j, { type: 'status', status: 'Downloading' });
    const train = spec.channels.find((c) => c.name === 'train');
    let channelText = '';
    if (train) {
      const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(train.s3Uri) as RegExpExecArray;
      const listing = await this.o.artifacts.list({ bucket: m[1] as string, prefix: m[2] as string });
      const parts: string[] = [];
      for (const obj of listing.objects) {
        const got = await this.o.artifacts.get({ bucket: obj.bucket, key: obj.key });
        const chunks: Buffer[] = [];
        for await (const c of got.body) chunks.push(c as Buffer);
        parts.push(Buffer.concat(chunks).toString('utf8').trim());
      }
      channelText = parts.join('|');
    }
    if (j.stopping) return this.emit(j, { type: 'exit', outcome: 'Stopped', secondaryStatus: 'Stopped' });
    this.emit(j, { type: 'status', status: 'Training' });
    if (raw) {
      this.log(j, 'stdout', `hp:${JSON.stringify(spec.hyperParameters)}`);
      this.log(j, 'stdout', `channel:${channelText}`);
      this.log(j, 'stdout', 'loss=0.25;');
      for (let i = 0; i < (b.lines ?? 0); i++) this.log(j, 'stdout', `line ${i}`);
    }
    // Sleep until done, or until a stop: at once when the job honours SIGTERM, after the grace otherwise.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, b.sleepMs ?? 0);
      j.wake = () => {
        clearTimeout(t);
        if (b.ignoreSigterm) setTimeout(resolve, this.o.graceMs ?? 200);
        else resolve();
      };
    });
    if (j.stopping) return this.emit(j, { type: 'exit', outcome: 'Stopped', secondaryStatus: 'Stopped' });
    if (b.exit !== 0) {
      if (b.stderr) this.log(j, 'stderr', b.stderr);
      return this.emit(j, { type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', exitCode: b.exit, failureReason: `AlgorithmError: the image ended with exit code ${b.exit}. Last stderr lines:\n${b.stderr ?? ''}` });
    }
    this.emit(j, { type: 'status', status: 'Uploading' });
    let modelArtifacts: string | undefined;
    if (spec.outputPath) {
      const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec.outputPath) as RegExpExecArray;
      const key = [(m[2] as string).replace(/\/+$/, ''), spec.name, 'output', 'model.tar.gz'].filter(Boolean).join('/');
      // As the runner (and SageMaker): a missing output bucket is never created; the job fails at upload.
      try {
        await this.o.artifacts.put({ bucket: m[1] as string, key }, tarGz('model.txt', Buffer.from(raw ? 'model-bytes' : '')));
      } catch (e) {
        const err = e as { code?: unknown; message?: unknown };
        if (err.code !== 'ResourceNotFound' || typeof err.message !== 'string' || !err.message.startsWith('Bucket ')) throw e;
        const reason = `ClientError: Artifact upload failed: unable to upload file to s3://${m[1]}/${key} (NoSuchBucket: the bucket '${m[1]}' does not exist; Loam does not create output buckets: create it before the job uploads).`;
        return this.emit(j, { type: 'exit', outcome: 'Failed', secondaryStatus: 'Failed', failureReason: reason });
      }
      modelArtifacts = `s3://${m[1]}/${key}`;
    }
    this.emit(j, { type: 'exit', outcome: 'Completed', secondaryStatus: 'Completed', exitCode: 0, ...(modelArtifacts ? { modelArtifacts } : {}) });
  }
}
