import { randomUUID } from 'node:crypto';
import { parseS3Uri, type ArtifactStore, type DataCaptureConfigInput, type Logger } from '@loam/core';

/**
 * How a payload is written: CSV or JSON as text when its content type (parameters aside) is one the
 * config's CaptureContentTypeHeader lists, else base64 — also every payload when the config lists none,
 * as SageMaker documents ("If no headers are specified SageMaker will by default base64 encode").
 */
function encodingOf(contentType: string | undefined, cfg: DataCaptureConfigInput): 'CSV' | 'JSON' | 'BASE64' {
  const h = cfg.CaptureContentTypeHeader;
  if (!h) return 'BASE64';
  const t = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (h.CsvContentTypes?.some((c) => c.toLowerCase() === t)) return 'CSV';
  if (h.JsonContentTypes?.some((c) => c.toLowerCase() === t)) return 'JSON';
  return 'BASE64';
}

function payload(mode: 'INPUT' | 'OUTPUT', contentType: string | undefined, body: Buffer, cfg: DataCaptureConfigInput) {
  const encoding = encodingOf(contentType, cfg);
  return { observedContentType: contentType ?? '', mode, data: encoding === 'BASE64' ? body.toString('base64') : body.toString('utf8'), encoding };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export interface CaptureEvent {
  readonly variant: string;
  readonly inputContentType?: string | undefined;
  readonly input: Buffer;
  readonly outputContentType?: string | undefined;
  readonly output: Buffer;
  readonly inferenceId?: string | undefined;
  readonly time: number;
}

export interface CaptureStats {
  captured: number;
  written: number;
  dropped: number;
  failedWrites: number;
}

export interface DataCaptureOptions {
  readonly flushMs?: number;
  readonly maxQueue?: number;
  readonly random?: () => number;
  /**
   * Told when capture starts failing (the reason: the destination and the store's error) and when a
   * write succeeds again (undefined): what DescribeEndpoint's CaptureStatus shows.
   */
  readonly onFailure?: (reason: string | undefined) => void;
}

/**
 * Writes sampled invocations as JSON Lines in SageMaker's record layout, to
 * `<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl`. `offer` only samples
 * and queues (no I/O, no await): a flush timer writes batches in the background. A full queue drops
 * records and a failed write (even a full disk, or a destination bucket that does not exist) drops its
 * batch — counted, logged, reported through `onFailure`, never thrown into an invocation: SageMaker's
 * capture never impacts inference, and it takes a DestinationS3Uri without checking the bucket.
 */
export class DataCaptureWriter {
  private queue: CaptureEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  readonly stats: CaptureStats = { captured: 0, written: 0, dropped: 0, failedWrites: 0 };
  private readonly captureInput: boolean;
  private readonly captureOutput: boolean;
  /** Why the last write failed, until one succeeds. */
  get failure(): string | undefined {
    return this.failing;
  }
  private failing: string | undefined;

  constructor(
    private readonly endpointName: string,
    readonly config: DataCaptureConfigInput,
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
    private readonly o: DataCaptureOptions = {},
  ) {
    const modes = new Set(config.CaptureOptions.map((c) => c.CaptureMode));
    this.captureInput = modes.has('Input') || modes.has('InputAndOutput');
    this.captureOutput = modes.has('Output') || modes.has('InputAndOutput');
  }

  get enabled(): boolean {
    return this.config.EnableCapture !== false && this.config.InitialSamplingPercentage > 0 && (this.captureInput || this.captureOutput);
  }

  /** Samples this invocation (InitialSamplingPercentage) and queues it. Never throws, never waits. */
  offer(e: CaptureEvent): void {
    if (!this.enabled) return;
    if ((this.o.random ?? Math.random)() * 100 >= this.config.InitialSamplingPercentage) return;
    this.enqueue(e);
  }

  /** Queues an invocation already sampled (by a serving worker, ADR 0015). Never throws, never waits. */
  enqueue(e: CaptureEvent): void {
    if (!this.enabled) return;
    if (this.queue.length >= (this.o.maxQueue ?? 10_000)) {
      this.stats.dropped++;
      return;
    }
    this.stats.captured++;
    this.queue.push(e);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.flushMs ?? 1000);
  }

  private record(e: CaptureEvent): string {
    const captureData: Record<string, unknown> = {};
    if (this.captureInput) captureData['endpointInput'] = payload('INPUT', e.inputContentType, e.input, this.config);
    if (this.captureOutput) captureData['endpointOutput'] = payload('OUTPUT', e.outputContentType, e.output, this.config);
    return JSON.stringify({
      captureData,
      eventMetadata: { eventId: randomUUID(), ...(e.inferenceId ? { inferenceId: e.inferenceId } : {}), inferenceTime: new Date(e.time).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      eventVersion: '0',
    });
  }

  /** Writes what is queued: one object per variant and hour. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.queue.length ? this.flush() : undefined));
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return Promise.resolve();
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(batch: CaptureEvent[]): Promise<void> {
    const dest = parseS3Uri(this.config.DestinationS3Uri);
    if (!dest) return;
    const groups = new Map<string, CaptureEvent[]>();
    for (const e of batch) {
      const d = new Date(e.time);
      const hour = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
      const k = `${e.variant}/${hour}`;
      const g = groups.get(k);
      if (g) g.push(e);
      else groups.set(k, [e]);
    }
    for (const [k, events] of groups) {
      const first = new Date((events[0] as CaptureEvent).time);
      const prefix = dest.key.replace(/\/+$/, '');
      const key = `${prefix ? `${prefix}/` : ''}${this.endpointName}/${k}/${pad(first.getUTCMinutes())}-${pad(first.getUTCSeconds())}-${pad(first.getUTCMilliseconds(), 3)}-${randomUUID()}.jsonl`;
      try {
        const body = `${events.map((e) => this.record(e)).join('\n')}\n`;
        await this.store.put({ bucket: dest.bucket, key }, Buffer.from(body), { contentType: 'application/jsonl' });
        this.stats.written += events.length;
        if (this.failing !== undefined) {
          this.failing = undefined;
          this.o.onFailure?.(undefined);
        }
      } catch (err) {
        this.stats.failedWrites++;
        this.stats.dropped += events.length;
        this.logger.warn({ endpointName: this.endpointName, key, err: (err as Error).message }, 'data capture write failed; records dropped');
        if (this.failing === undefined) {
          this.failing = `Data capture to ${this.config.DestinationS3Uri} failed, ${events.length} record(s) dropped: ${(err as Error).message}`;
          this.o.onFailure?.(this.failing);
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
