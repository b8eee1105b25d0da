import type { Logger } from '../kernel/logger.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { CollectionSpec, Filter, MetadataStore } from '../ports/metadata-store.js';
import { jobsCollection, type JobRecord } from '../jobs/job.collections.js';
import { modelsCollection, type ModelRecord } from '../models/model.collections.js';
import { endpointConfigsCollection, endpointsCollection, type EndpointConfigRecord, type EndpointRecord } from '../endpoints/endpoint.collections.js';
import { datasetVersionsSpec, versionId, type DatasetVersionRecord } from '../datasets/dataset.collections.js';
import { flowRunsSpec, flowVersionsSpec, type FlowRunRecord } from '../datasets/flows/flow.collections.js';
import { modelPackagesCollection } from '../registry/registry.collections.js';
import { packageRefOf } from '../registry/package-refs.js';
import type { LineageRecorder } from './lineage-recorder.js';

/** One followed collection: its records changed at or after the watermark are turned into edges. */
interface Source<T> {
  readonly spec: CollectionSpec<T>;
  readonly field: keyof T & string;
  readonly filters?: readonly Filter<T>[];
  readonly record: (r: T) => Promise<void>;
  /** Records still changing without moving `field` (a run in progress): the watermark waits for them. */
  readonly done?: (r: T) => boolean;
}

export interface LineageSyncOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  readonly recorder: LineageRecorder;
  readonly logger: Logger;
  /** How often changed records are looked for. Default 2 s. */
  readonly intervalMs?: number;
}

/**
 * Records the edges every capability implies, by following their records rather than by calls in
 * their code: data → job (its input channels), job → model artifact (and processing outputs), model
 * data and model package → model, model → endpoint config, endpoint config → endpoint, source →
 * dataset → dataset version data, dataset → flow run → its outputs. Each pass reads only the records changed since the last one (an
 * indexed time query); edges are idempotent, so re-reading a record is harmless. QueryLineage runs a
 * pass first, so queries never see stale lineage.
 */
export class LineageSync {
  readonly #watermarks = new Map<string, number>();
  /** Per collection and record key, the time field last recorded: unchanged records are not re-recorded. */
  readonly #seen = new Map<string, Map<string, number>>();
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  readonly #sources: Source<any>[];

  constructor(private readonly o: LineageSyncOptions) {
    const r = o.recorder;
    const arn = (kind: string, name: string) => resourceArn(o.partition, kind, name);
    this.#sources = [
      {
        spec: jobsCollection, field: 'lastModifiedTime', filters: [{ field: 'kind', op: 'in', value: ['training-job', 'processing-job'] }],
        record: async (j: JobRecord) => {
          for (const c of j.spec.channels) await r.input(c.s3Uri, j.arn);
          if (j.modelArtifacts) await r.output(j.arn, j.modelArtifacts, 'Model');
          if (j.status === 'Completed' && j.kind === 'processing-job') for (const out of j.spec.outputs) await r.output(j.arn, out.s3Uri);
        },
      } satisfies Source<JobRecord>,
      {
        spec: modelsCollection, field: 'creationTime',
        record: async (m: ModelRecord) => {
          for (const c of m.containers) if (c.modelDataUrl) await r.input(c.modelDataUrl, m.arn, 'Model');
          const req = m.request as { PrimaryContainer?: { ModelPackageName?: string }; Containers?: { ModelPackageName?: string }[] };
          for (const c of [req.PrimaryContainer, ...(req.Containers ?? [])]) {
            if (c?.ModelPackageName) await r.link(await this.packageArn(c.ModelPackageName), m.arn, 'ContributedTo');
          }
        },
      } satisfies Source<ModelRecord>,
      {
        spec: endpointConfigsCollection, field: 'creationTime',
        record: async (c: EndpointConfigRecord) => {
          for (const v of c.request.ProductionVariants) if (v.ModelName) await r.link(arn('model', v.ModelName), c.arn, 'ContributedTo');
        },
      } satisfies Source<EndpointConfigRecord>,
      {
        spec: endpointsCollection, field: 'lastModifiedTime',
        record: async (e: EndpointRecord) => r.link(arn('endpoint-config', e.configName), e.arn, 'ContributedTo'),
      } satisfies Source<EndpointRecord>,
      {
        spec: datasetVersionsSpec, field: 'createdAt',
        record: async (v: DatasetVersionRecord) => {
          const dataset = arn('dataset', v.datasetName);
          await r.input(v.sourceUri, dataset);
          await r.output(dataset, v.dataUri);
        },
      } satisfies Source<DatasetVersionRecord>,
      {
        spec: flowRunsSpec, field: 'createdAt', done: (run: FlowRunRecord) => run.status !== 'InProgress',
        record: async (run: FlowRunRecord) => {
          if (run.status !== 'Completed') return;
          const runArn = arn('flow-run', run.runId);
          const version = (await o.store.collection(flowVersionsSpec).get(versionId(run.flowName, run.flowVersion)))?.value;
          for (const n of version?.definition.nodes ?? []) if (n.type === 'source' && n.dataset) await r.link(arn('dataset', n.dataset.name), runArn, 'ContributedTo');
          for (const out of run.outputs) await r.output(runArn, out.s3Uri);
        },
      } satisfies Source<FlowRunRecord>,
    ];
  }

  /** The stored ARN of a package reference (the ARN as created, whatever case the reference uses). */
  private async packageArn(ref: string): Promise<string> {
    try {
      const key = packageRefOf(ref, this.o.partition).key;
      return (await this.o.store.collection(modelPackagesCollection).get(key))?.value.arn ?? resourceArn(this.o.partition, 'model-package', key);
    } catch {
      return ref;
    }
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.syncOnce().catch((err: unknown) => this.o.logger.warn({ err }, 'lineage sync failed')), this.o.intervalMs ?? 2000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pass?.catch(() => undefined);
  }

  /** One pass over every followed collection; passes never overlap. */
  syncOnce(): Promise<void> {
    this.#pass ??= this.#sync().finally(() => (this.#pass = undefined));
    return this.#pass;
  }

  async #sync(): Promise<void> {
    for (const s of this.#sources) await this.#follow(s);
  }

  async #follow<T>(s: Source<T>): Promise<void> {
    const since = this.#watermarks.get(s.spec.name) ?? Number.NEGATIVE_INFINITY;
    const coll = this.o.store.collection(s.spec);
    let nextToken: string | undefined;
    // The first record still in progress holds the watermark, so the next pass reads it again.
    let held: number | undefined;
    do {
      const page = await coll.list({
        filters: [...(s.filters ?? []), ...(Number.isFinite(since) ? [{ field: s.field, op: 'gte' as const, value: since }] : [])],
        sortBy: s.field, sortOrder: 'Ascending', maxResults: 500, ...(nextToken ? { nextToken } : {}),
      });
      const seen = this.#seen.get(s.spec.name) ?? new Map<string, number>();
      this.#seen.set(s.spec.name, seen);
      for (const { value } of page.items) {
        const t = value[s.field] as unknown as number;
        const key = String(value[s.spec.key]);
        if (seen.get(key) !== t || (s.done && !s.done(value))) {
          await s.record(value);
          seen.set(key, t);
        }
        if (typeof t !== 'number' || held !== undefined) continue;
        if (s.done && !s.done(value)) held = t;
        else this.#watermarks.set(s.spec.name, Math.max(this.#watermarks.get(s.spec.name) ?? t, t));
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
}
