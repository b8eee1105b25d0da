import type { Clock } from '../kernel/clock.js';
import { ResourceInUseError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { LoopFailureLog } from '../kernel/loop-failure-log.js';
import { FollowedVersions, nextTurn } from '../kernel/followed-versions.js';
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
import { lineageSyncMarksCollection } from './lineage-sync.collections.js';
import { isRetiredVertex, retireLineageEdges, retiringKinds } from './lineage-lives.js';
import { lineageResources } from './lineage-resources.js';
import { parseArn } from '../kernel/names.js';

/** One followed collection: its records changed at or after the watermark are turned into edges. */
interface Source<T> {
  readonly spec: CollectionSpec<T>;
  readonly field: keyof T & string;
  readonly filters?: readonly Filter<T>[];
  /** Records `r`'s edges through `rec` (and reads through `store`): both write in the batch's transaction. */
  readonly record: (r: T, rec: LineageRecorder, store: MetadataStore) => Promise<void>;
  /**
   * When (epoch ms) the record named the resources its edges join: each end is bound to the life of its
   * name at that time (LineageRecorder.within), so a record read after one of them was deleted (and perhaps
   * created again) links the deleted one's retired vertex, not the new resource.
   */
  readonly asOf: (r: T) => number;
  /** Records still changing without moving `field` (a run in progress): the watermark waits for them. */
  readonly done?: (r: T) => boolean;
  /**
   * How far before its watermark each pass reads again, in `field`'s unit: a write whose time was taken
   * before another's but committed after it (two concurrent writes, or two servers on one database) was
   * already behind the watermark when it became visible. A new process reads again from its stored
   * watermark less this too. Records read again at the version already recorded are passed over.
   */
  readonly lag: number;
}

/** Records read per page; each page is recorded in one transaction or more. */
export const LINEAGE_SYNC_BATCH = 50;
/** A transaction ends once its records took this long (ms); between two, the event loop serves requests. */
export const LINEAGE_SYNC_BATCH_MS = 50;
/** The lowest time a listing asks for: a bound on the field lets it be read through the field's index. */
const EARLIEST = Number.MIN_SAFE_INTEGER;
const SECONDS_LAG = 600;
/** How long QueryLineage and ListAssociations wait for a pass before answering from the stored lineage. */
export const LINEAGE_CATCH_UP_MS = 10_000;
/** The mark (in lineage_sync_marks) of the one-time upgrade that retires deleted resources' lineage. */
const UPGRADE_MARK = 'upgrade:retired-lives';
/** When that upgrade started (while it runs): the time a deleted resource's edges retire at, the same for every server. */
const UPGRADE_STARTED_MARK = 'upgrade:retired-lives:started';
/** Edges read per page by that upgrade, and moved per transaction at most. */
const UPGRADE_CHUNK = 500;
/**
 * An edge an older Loam recorded (LineageEdge.legacy) for a resource's name, older than the resource by more
 * than this, is its predecessor's (the upgrade's test): allowance for edges recorded in the create's own
 * transaction. Edges recorded since are never split by time, so no server's clock decides them.
 */
const SPLIT_SLACK_MS = 1000;
const MS_LAG = SECONDS_LAG * 1000;

export interface LineageSyncOptions {
  readonly store: MetadataStore;
  readonly partition: Partition;
  readonly recorder: LineageRecorder;
  readonly logger: Logger;
  /** Stamps the one-time upgrade's start: the time deleted resources' lineage retires at. */
  readonly clock: Clock;
  /** How often changed records are looked for. Default 2 s. */
  readonly intervalMs?: number;
  /** Records per batch (one transaction each at most). Default {@link LINEAGE_SYNC_BATCH}. */
  readonly batchSize?: number;
  /** How long a batch's transaction may record before it commits. Default {@link LINEAGE_SYNC_BATCH_MS}. */
  readonly batchMs?: number;
  /** How long `catchUp` waits for a pass. Default {@link LINEAGE_CATCH_UP_MS}. */
  readonly catchUpMs?: number;
  /** Edges the one-time upgrade reads per page and moves per transaction at most. Default {@link UPGRADE_CHUNK}. */
  readonly upgradeChunk?: number;
}

/**
 * Records the edges every capability implies, by following their records rather than by calls in
 * their code: data → job (its input channels), job → model artifact (and processing outputs), model →
 * transform job → its input and output locations, model
 * data and model package → model, model → endpoint config, endpoint config → endpoint, source →
 * dataset → dataset version data, dataset → flow run → its outputs. Each pass reads only the records changed since the last one (an
 * indexed time query), from its watermark less the source's lag so a write that committed late is not
 * missed; a record read again at the version it was recorded at is passed over (a pass with nothing new
 * writes nothing), and edges are idempotent, so recording one again is harmless. QueryLineage runs a
 * pass first, so queries never see stale lineage.
 *
 * A pass works in batches (at most {@link LINEAGE_SYNC_BATCH} records, ended early once they took
 * {@link LINEAGE_SYNC_BATCH_MS}): each batch's edges and the watermark they reach commit in one transaction
 * (`lineage_sync_marks`), then the event loop takes a turn, so requests are served during a long pass
 * (the first start over a store of jobs without edges) and a process that dies mid-pass resumes at
 * its last committed batch instead of reading every record again.
 */
export class LineageSync {
  readonly #watermarks = new Map<string, number>();
  /** Per collection and record key within the lag, the version (and its time) last recorded: unchanged records are not re-recorded. */
  readonly #seen = new Map<string, FollowedVersions>();
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #upgraded = false;
  readonly #sources: Source<any>[];

  constructor(private readonly o: LineageSyncOptions) {
    const arn = (kind: string, name: string) => resourceArn(o.partition, kind, name);
    this.#sources = [
      {
        spec: jobsCollection, field: 'lastModifiedTime', filters: [{ field: 'kind', op: 'in', value: ['training-job', 'processing-job', 'transform-job'] }],
        lag: SECONDS_LAG, asOf: (j: JobRecord) => j.creationTime * 1000,
        record: async (j: JobRecord, r) => {
          if (j.kind === 'transform-job') return this.transformEdges(j, r);
          for (const c of j.spec.channels) await r.input(c.s3Uri, j.arn);
          if (j.modelArtifacts) await r.output(j.arn, j.modelArtifacts, 'Model');
          if (j.status === 'Completed' && j.kind === 'processing-job') for (const out of j.spec.outputs) await r.output(j.arn, out.s3Uri);
        },
      } satisfies Source<JobRecord>,
      {
        spec: modelsCollection, field: 'creationTime', lag: SECONDS_LAG, asOf: (m: ModelRecord) => m.creationTime * 1000,
        record: async (m: ModelRecord, r, store) => {
          for (const c of m.containers) if (c.modelDataUrl) await r.input(c.modelDataUrl, m.arn, 'Model');
          const req = m.request as { PrimaryContainer?: { ModelPackageName?: string }; Containers?: { ModelPackageName?: string }[] };
          for (const c of [req.PrimaryContainer, ...(req.Containers ?? [])]) {
            if (c?.ModelPackageName) await r.link(await this.packageArn(store, c.ModelPackageName), m.arn, 'ContributedTo');
          }
        },
      } satisfies Source<ModelRecord>,
      {
        spec: endpointConfigsCollection, field: 'creationTime', lag: SECONDS_LAG, asOf: (c: EndpointConfigRecord) => c.creationTime * 1000,
        record: async (c: EndpointConfigRecord, r) => {
          for (const v of c.request.ProductionVariants) if (v.ModelName) await r.link(arn('model', v.ModelName), c.arn, 'ContributedTo');
        },
      } satisfies Source<EndpointConfigRecord>,
      {
        // An endpoint names the configuration it was last deployed from, as of its last change.
        spec: endpointsCollection, field: 'lastModifiedTime', lag: SECONDS_LAG, asOf: (e: EndpointRecord) => e.lastModifiedTime * 1000,
        record: async (e: EndpointRecord, r) => r.link(arn('endpoint-config', e.configName), e.arn, 'ContributedTo'),
      } satisfies Source<EndpointRecord>,
      {
        spec: datasetVersionsSpec, field: 'createdAt', lag: MS_LAG, asOf: (v: DatasetVersionRecord) => v.createdAt,
        record: async (v: DatasetVersionRecord, r) => {
          const dataset = arn('dataset', v.datasetName);
          await r.input(v.sourceUri, dataset);
          await r.output(dataset, v.dataUri);
        },
      } satisfies Source<DatasetVersionRecord>,
      {
        spec: flowRunsSpec, field: 'createdAt', done: (run: FlowRunRecord) => run.status !== 'InProgress', lag: MS_LAG, asOf: (run: FlowRunRecord) => run.createdAt,
        record: async (run: FlowRunRecord, r, store) => {
          if (run.status !== 'Completed') return;
          const runArn = arn('flow-run', run.runId);
          const version = (await store.collection(flowVersionsSpec).get(versionId(run.flowName, run.flowVersion)))?.value;
          for (const n of version?.definition.nodes ?? []) if (n.type === 'source' && n.dataset) await r.link(arn('dataset', n.dataset.name), runArn, 'ContributedTo');
          for (const out of run.outputs) await r.output(runArn, out.s3Uri);
        },
      } satisfies Source<FlowRunRecord>,
    ];
  }

  /**
   * A transform job's edges, from its request: model → job, input data → job, job → output location. The
   * job's create records them too, after the job is stored; following them here records them again should
   * that recording have failed (a store error after the job was created).
   */
  private async transformEdges(j: JobRecord, r: LineageRecorder): Promise<void> {
    const req = j.request as { ModelName?: string; TransformInput?: { DataSource?: { S3DataSource?: { S3Uri?: string } } }; TransformOutput?: { S3OutputPath?: string } };
    if (req.ModelName) await r.link(resourceArn(this.o.partition, 'model', req.ModelName), j.arn, 'ContributedTo');
    const input = req.TransformInput?.DataSource?.S3DataSource?.S3Uri;
    if (input) await r.input(input, j.arn);
    if (req.TransformOutput?.S3OutputPath) await r.output(j.arn, req.TransformOutput.S3OutputPath);
  }

  /** The stored ARN of a package reference (the ARN as created, whatever case the reference uses). */
  private async packageArn(store: MetadataStore, ref: string): Promise<string> {
    try {
      const key = packageRefOf(ref, this.o.partition).key;
      return (await store.collection(modelPackagesCollection).get(key))?.value.arn ?? resourceArn(this.o.partition, 'model-package', key);
    } catch {
      return ref;
    }
  }

  start(): void {
    const failures = new LoopFailureLog(this.o.logger, 'lineage sync failed');
    this.#timer ??= setInterval(() => void this.syncOnce().then(() => failures.succeeded(), (err: unknown) => failures.failed(err)), this.o.intervalMs ?? 2000);
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

  /**
   * What QueryLineage and ListAssociations wait for before they read: a pass (the one running, or a new
   * one), for at most `waitMs`. A pass that fails (a store refusing writes: read-only, a full disk, an
   * outage) or is still running then is logged and not waited for: the answer is read from the lineage
   * already stored, and a store that cannot be read either answers that read's own error
   * (ServiceUnavailable, 503), never the sync's.
   */
  async catchUp(waitMs = this.o.catchUpMs ?? LINEAGE_CATCH_UP_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), waitMs);
      timer.unref();
    });
    try {
      if ((await Promise.race([this.syncOnce().then(() => 'done' as const), late])) === 'late') {
        this.o.logger.warn({ waitMs }, 'lineage sync still running; answering from the stored lineage');
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'lineage sync failed; answering from the stored lineage');
    } finally {
      clearTimeout(timer);
    }
  }

  async #sync(): Promise<void> {
    if (!this.#upgraded) await this.#retireDeletedLives();
    this.#upgraded = true;
    for (const s of this.#sources) await this.#follow(s);
  }

  /**
   * Once per database, before the first pass (lineage stored before deletes retired vertices): the edges
   * of every resource that no longer exists move to a retired vertex, and so do the edges an older Loam
   * recorded (LineageEdge.legacy) that a resource created again under a deleted one's name holds from before
   * its creation (less {@link SPLIT_SLACK_MS}; an edge recorded since is never split by its time, which a
   * server whose clock runs behind would have made look older than the resource);
   * the new life's own edges, which the old ones had kept from being recorded (an edge recorded again keeps
   * the first), are then recorded by reading every followed collection again (the watermarks are reset, in
   * the transaction that moves such edges, so a crash after it still re-reads them).
   *
   * The edge table is read page by page outside any transaction; the edges are moved in transactions of at
   * most {@link UPGRADE_CHUNK} edges, each checking again, for its resources, what exists and what is old,
   * so a store of any size never holds one long transaction (SQLite's one writer, PostgreSQL's locks and
   * savepoints) and a crash keeps what was done: the next start carries on. Moves go to vertices named by
   * the resource and a time alone (retireLineageEdges; the time of a deleted resource's retirement is the
   * upgrade's start, stored first and shared), so servers upgrading at once, or again, never double an
   * edge. The mark is stored last.
   */
  async #retireDeletedLives(): Promise<void> {
    const store = this.o.store;
    const chunk = this.o.upgradeChunk ?? UPGRADE_CHUNK;
    const marks = store.collection(lineageSyncMarksCollection);
    if (await marks.get(UPGRADE_MARK)) return;
    const startedAt = await this.#upgradeStartedAt();
    // Each resource ARN on an edge (not yet retired), with its earliest edge's time.
    const earliest = new Map<string, number>();
    let after: { createdAt: number; sourceArn: string; destinationArn: string } | undefined;
    for (;;) {
      const edges = await store.lineage.list({ sortBy: 'createdAt', limit: chunk, ...(after ? { after } : {}) });
      for (const e of edges) {
        for (const arn of [e.sourceArn, e.destinationArn]) {
          if (!earliest.has(arn) && retiringKinds.has(parseArn(arn)?.kind ?? '') && !isRetiredVertex(arn)) earliest.set(arn, e.createdAt);
        }
      }
      const last = edges[edges.length - 1];
      if (!last || edges.length < chunk) break;
      after = last;
      await nextTurn();
    }
    const lives = await lineageResources(store, earliest.keys());
    const todo = [...earliest].filter(([arn, first]) => {
      const created = lives.get(arn);
      return created === null || (created !== undefined && first < created - SPLIT_SLACK_MS);
    }).map(([arn]) => arn);
    let done = 0;
    while (done < todo.length) {
      done = await store.transaction(async (tx) => {
        // Local state only: a transaction the database runs again starts this chunk again.
        let at = done;
        let moved = 0;
        let split = false;
        const exist = await lineageResources(tx, todo.slice(at, at + chunk));
        while (at < todo.length && moved < chunk && exist.has(todo[at]!)) {
          const arn = todo[at]!;
          const created = exist.get(arn);
          const all = [...(await tx.lineage.edges(arn, 'downstream')), ...(await tx.lineage.edges(arn, 'upstream'))];
          // A re-created resource's edges recorded since lives are retired are its own, whatever their time says.
          const old = created === null ? all : created === undefined ? [] : all.filter((e) => e.legacy === true && e.createdAt < created - SPLIT_SLACK_MS);
          const take = old.slice(0, chunk - moved);
          if (take.length > 0) {
            await retireLineageEdges(tx, arn, created === null || created === undefined ? startedAt : created - 1, take);
            moved += take.length;
            split ||= typeof created === 'number';
          }
          if (take.length === old.length) at += 1;
        }
        if (split) for (const s of this.#sources) await tx.collection(lineageSyncMarksCollection).delete(s.spec.name);
        return at;
      });
      await nextTurn();
    }
    await store.transaction(async (tx) => {
      const txMarks = tx.collection(lineageSyncMarksCollection);
      if (!(await txMarks.get(UPGRADE_MARK))) {
        try {
          await txMarks.insert({ source: UPGRADE_MARK, watermark: startedAt });
        } catch (e) {
          // Another server's upgrade finished first.
          if (!(e instanceof ResourceInUseError)) throw e;
        }
      }
      await txMarks.delete(UPGRADE_STARTED_MARK);
    });
  }

  /** When this database's upgrade started: stored by the first server to start it, read by any other (and by a run after a crash). */
  async #upgradeStartedAt(): Promise<number> {
    const marks = this.o.store.collection(lineageSyncMarksCollection);
    const stored = await marks.get(UPGRADE_STARTED_MARK);
    if (stored) return stored.value.watermark;
    const now = this.o.clock.now();
    try {
      await marks.insert({ source: UPGRADE_STARTED_MARK, watermark: now });
      return now;
    } catch (e) {
      if (!(e instanceof ResourceInUseError)) throw e;
      return (await marks.get(UPGRADE_STARTED_MARK))?.value.watermark ?? now;
    }
  }

  /** The watermark a new process starts from: the stored one (each pass reads from it less the lag), or none. */
  async #resumeAt(s: Source<unknown>): Promise<number> {
    const stored = await this.o.store.collection(lineageSyncMarksCollection).get(s.spec.name);
    return stored === undefined ? Number.NEGATIVE_INFINITY : stored.value.watermark;
  }

  async #follow<T>(s: Source<T>): Promise<void> {
    const name = s.spec.name;
    if (!this.#watermarks.has(name)) this.#watermarks.set(name, await this.#resumeAt(s as Source<unknown>));
    const since = this.#watermarks.get(name)! - s.lag;
    const coll = this.o.store.collection(s.spec);
    const seen = this.#seen.get(name) ?? new FollowedVersions();
    this.#seen.set(name, seen);
    let nextToken: string | undefined;
    let held = false;
    do {
      const page = await coll.list({
        filters: [...(s.filters ?? []), { field: s.field, op: 'gte' as const, value: Number.isFinite(since) ? since : EARLIEST }],
        sortBy: s.field, sortOrder: 'Ascending', maxResults: this.o.batchSize ?? LINEAGE_SYNC_BATCH, ...(nextToken ? { nextToken } : {}),
      });
      // A record is known by its key and its time: one deleted and created again under its key (a model's
      // name) starts at version 1 again, and must not pass for the one recorded before.
      const items = page.items.map(({ value, version }) => ({ value, version, key: `${String(value[s.spec.key])} ${String(value[s.field])}`, t: value[s.field] as unknown as number }));
      const changed = (x: (typeof items)[number]) => !seen.recorded(x.key, x.version) || (s.done !== undefined && !s.done(x.value));
      let i = 0;
      // Unchanged records at the watermark (every pass reads them again): no transaction.
      if (!items.some((x) => changed(x) || (typeof x.t === 'number' && x.t > this.#watermarks.get(name)!))) i = items.length;
      while (i < items.length) {
        // The batch's edges and the watermark past them commit together: a crash loses neither alone.
        const batch: { end: number; watermark: number; held: boolean; recorded: { key: string; version: number; t: number }[] } = { end: i, watermark: 0, held, recorded: [] };
        await this.o.store.transaction(async (tx) => {
          // A transaction the database runs again starts the batch again.
          Object.assign(batch, { end: i, watermark: this.#watermarks.get(name)!, held, recorded: [] });
          const started = performance.now();
          while (batch.end < items.length && performance.now() - started < (this.o.batchMs ?? LINEAGE_SYNC_BATCH_MS)) {
            const x = items[batch.end++]!;
            if (changed(x)) {
              await s.record(x.value, this.o.recorder.within(tx, s.asOf(x.value)), tx);
              batch.recorded.push({ key: x.key, version: x.version, t: x.t });
            }
            if (typeof x.t !== 'number' || batch.held) continue;
            // The first record still in progress holds the watermark, so the next pass reads it again.
            if (s.done && !s.done(x.value)) batch.held = true;
            else batch.watermark = Math.max(batch.watermark, x.t);
          }
          if (batch.watermark > this.#watermarks.get(name)!) await this.#storeMark(tx, name, batch.watermark);
        });
        for (const { key, version, t } of batch.recorded) seen.note(key, version, t);
        this.#watermarks.set(name, batch.watermark);
        held = batch.held;
        i = batch.end;
        await nextTurn();
      }
      nextToken = page.nextToken;
    } while (nextToken);
    // Records the next pass no longer reads need no version kept.
    seen.forgetBefore(this.#watermarks.get(name)! - s.lag);
  }

  /**
   * Stores a source's watermark; never moves a stored one back (another server may be ahead). Another
   * server's pass may insert the first mark between this read and this insert (nothing was there to
   * lock): its insert wins, and this one reads that mark (locked now) and moves it on.
   */
  async #storeMark(tx: MetadataStore, source: string, watermark: number): Promise<void> {
    const marks = tx.collection(lineageSyncMarksCollection);
    let cur = await marks.get(source);
    if (cur === undefined) {
      try {
        await marks.insert({ source, watermark });
        return;
      } catch (e) {
        if (!(e instanceof ResourceInUseError)) throw e;
      }
      cur = await marks.get(source);
    }
    if (cur !== undefined && cur.value.watermark < watermark) await marks.update(source, cur.version, { source, watermark });
  }
}
