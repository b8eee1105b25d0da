import { randomUUID } from 'node:crypto';
import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../../kernel/clock.js';
import type { Principal, RequestContext } from '../../kernel/context.js';
import { AccessDeniedError, ConflictError, LimitExceededError, LoamError, NotFoundError, ResourceInUseError, ValidationError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { assertResourceName, resourceArn, type Partition } from '../../kernel/names.js';
import { clampMaxResults } from '../../kernel/pagination.js';
import { parseS3Uri, type ArtifactStore } from '../../ports/artifact-store.js';
import type { DataEngine, FileSource } from '../../ports/data-engine.js';
import type { ProcessingJobService } from '../../jobs/processing-job.service.js';
import type { CreateProcessingJobInput } from '../../jobs/processing-job-spec.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { validateTags } from '../../tags/tag-rules.js';
import type { TagService } from '../../tags/tag.service.js';
import type { DatasetService } from '../dataset.service.js';
import { arity, checkFlowExpressions, compileFlow, relationOf, renderScript, sourceNameOf, withQuery } from './flow-compiler.js';
import { orderNodes, type FlowDocument } from './flow-document.js';
import { flowJobName, planFlowJob, type FlowJobManifest } from './flow-run-job.js';
import { flowRunsSpec, flowsSpec, flowVersionsSpec, type FlowRecord, type FlowRunRecord } from './flow.collections.js';
import { transformList } from './transforms/registry.js';

type Ops = typeof operations;

export interface FlowServiceOptions {
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly engine: DataEngine;
  readonly datasets: DatasetService;
  readonly clock: Clock;
  readonly partition: Partition;
  /** Full runs are processing jobs on the built-in data-wrangler image. */
  readonly processing: Pick<ProcessingJobService, 'CreateProcessingJob' | 'jobs'>;
  /** The instance type of a run's processing job (capped at this machine's); default ml.m5.xlarge. */
  readonly runInstanceType?: CreateProcessingJobInput['ProcessingResources']['ClusterConfig']['InstanceType'];
  readonly tags?: TagService;
  readonly logger?: Logger;
  /**
   * The caller's permission for an IAM action on a resource ARN (the server's policy evaluator); throws
   * AccessDeniedException. A flow reads datasets for its caller, so each source dataset is checked
   * (`sagemaker:DescribeDataset`, as PreviewDataset) whenever a definition is bound, and a run is shown
   * only to whoever may describe its flow.
   */
  readonly authorize: (principal: Principal, action: string, resource: string) => Promise<void>;
  /**
   * How long a PreviewFlow may run (fitting and the query, from once its sources are staged and
   * sampled) before its engine work is interrupted and it answers ResourceLimitExceeded; default
   * {@link PREVIEW_TIMEOUT_MS}. The caller's `ctx.signal` (the client went away) stops it too, and
   * stops it waiting for the staging, which goes on for any other request that needs it.
   */
  readonly previewTimeoutMs?: number;
}

const PREVIEW_SAMPLE = 50_000;
/** A preview's deadline unless configured (`dataEngine.previewTimeoutSeconds`). */
export const PREVIEW_TIMEOUT_MS = 30_000;
const ended = new Set<FlowRunRecord['status']>(['Completed', 'Failed', 'Stopped']);
/** How long a stored run may wait for its processing job to appear before it is failed as never started. */
const NO_JOB_GRACE_MS = 60_000;
const vid = (name: string, v: number) => `${name}#${String(v).padStart(8, '0')}`;

/** Data Wrangler flows: versioned documents, transform catalogue, preview on a sample, script export, full runs (as processing jobs). */
export class FlowService {
  constructor(private readonly o: FlowServiceOptions) {}

  private get flows() { return this.o.store.collection(flowsSpec); }
  private get versions() { return this.o.store.collection(flowVersionsSpec); }
  private get runs() { return this.o.store.collection(flowRunsSpec); }

  private check(doc: FlowDocument): void {
    orderNodes(doc, arity);
    doc.nodes.forEach((n, i) => {
      if (n.type === 'destination' && n.output?.s3Uri !== undefined && !parseS3Uri(n.output.s3Uri)) {
        throw new ValidationError(`Flow definition: destination '${n.id}' needs an s3:// URI.`, [{ path: `/Definition/nodes/${i}/output/s3Uri`, message: 'expected s3://bucket/key' }]);
      }
    });
  }

  /**
   * Refuses (403, naming the dataset and the node) unless the caller may read every dataset the
   * definition's sources name: binding a flow reads them for the caller, as PreviewDataset would. Checked
   * before anything is read or stored, so a refused dataset answers the same whether or not it exists.
   */
  private async authorizeSources(doc: FlowDocument, ctx: RequestContext): Promise<void> {
    const checked = new Set<string>();
    for (const [i, n] of doc.nodes.entries()) {
      if (n.type !== 'source' || !n.dataset) continue;
      const arn = resourceArn(this.o.partition, 'dataset', n.dataset.name);
      if (checked.has(arn)) continue;
      checked.add(arn);
      try {
        await this.o.authorize(ctx.principal, 'sagemaker:DescribeDataset', arn);
      } catch (e) {
        if (e instanceof AccessDeniedError) throw new AccessDeniedError(`${e.message} (/Definition/nodes/${i}/dataset: source '${n.id}' of the flow reads it for the caller)`);
        throw e;
      }
    }
  }

  async get(name: string): Promise<FlowRecord> {
    const r = await this.flows.get(name);
    if (!r) throw new NotFoundError('Flow', name);
    return r.value;
  }

  async definition(name: string, version?: number): Promise<{ flow: FlowRecord; version: number; doc: FlowDocument }> {
    const flow = await this.get(name);
    const v = version ?? flow.latestVersion;
    const r = await this.versions.get(vid(name, v));
    if (!r) throw new NotFoundError('Flow version', `${name}:${v}`);
    return { flow, version: v, doc: r.value.definition };
  }

  async CreateFlow(input: InputOf<Ops['CreateFlow']>, ctx: RequestContext): Promise<OutputOf<Ops['CreateFlow']>> {
    assertResourceName('FlowName', input.FlowName);
    if (input.Tags) validateTags(input.Tags);
    const doc = input.Definition as FlowDocument;
    this.check(doc);
    await this.authorizeSources(doc, ctx);
    await checkFlowExpressions(doc, this.o.engine, ctx.signal);
    const now = this.o.clock.now();
    const arn = resourceArn(this.o.partition, 'flow', input.FlowName);
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(flowsSpec).insert({ flowName: input.FlowName, arn, createdAt: now, lastModifiedAt: now, latestVersion: 1, ...(input.Description ? { description: input.Description } : {}) });
        await tx.collection(flowVersionsSpec).insert({ id: vid(input.FlowName, 1), flowName: input.FlowName, version: 1, createdAt: now, definition: doc });
      });
    } catch (e) {
      if (e instanceof LoamError && e.code === 'ResourceInUse') throw new ResourceInUseError(`Flow '${input.FlowName}' already exists.`);
      throw e;
    }
    if (input.Tags?.length && this.o.tags) await this.o.tags.AddTags({ ResourceArn: arn, Tags: input.Tags }, ctx);
    return { FlowArn: arn, Version: 1 };
  }

  async UpdateFlow(input: InputOf<Ops['UpdateFlow']>, ctx: RequestContext): Promise<OutputOf<Ops['UpdateFlow']>> {
    const doc = input.Definition as FlowDocument;
    this.check(doc);
    await this.authorizeSources(doc, ctx);
    await checkFlowExpressions(doc, this.o.engine, ctx.signal);
    const now = this.o.clock.now();
    return this.o.store.transaction(async (tx) => {
      const cur = await tx.collection(flowsSpec).get(input.FlowName);
      if (!cur) throw new NotFoundError('Flow', input.FlowName);
      if (input.ExpectedVersion !== undefined && input.ExpectedVersion !== cur.value.latestVersion) {
        throw new ConflictError(`Flow '${input.FlowName}' is at version ${cur.value.latestVersion}, not ${input.ExpectedVersion}: reload it and apply your change again.`);
      }
      const version = cur.value.latestVersion + 1;
      await tx.collection(flowVersionsSpec).insert({ id: vid(input.FlowName, version), flowName: input.FlowName, version, createdAt: now, definition: doc });
      await tx.collection(flowsSpec).update(input.FlowName, cur.version, { ...cur.value, latestVersion: version, lastModifiedAt: now });
      return { FlowArn: cur.value.arn, Version: version };
    });
  }

  async DescribeFlow(input: InputOf<Ops['DescribeFlow']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeFlow']>> {
    const { flow, version, doc } = await this.definition(input.FlowName, input.Version);
    return {
      FlowName: flow.flowName, FlowArn: flow.arn, ...(flow.description ? { Description: flow.description } : {}), Version: version, LatestVersion: flow.latestVersion,
      Definition: doc as OutputOf<Ops['DescribeFlow']>['Definition'], CreationTime: flow.createdAt / 1000, LastModifiedTime: flow.lastModifiedAt / 1000,
    };
  }

  async ListFlows(input: InputOf<Ops['ListFlows']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListFlows']>> {
    const page = await this.flows.list({
      ...(input.NameContains ? { filters: [{ field: 'flowName', op: 'contains', value: input.NameContains }] } : {}),
      sortBy: 'createdAt', sortOrder: 'Descending', maxResults: clampMaxResults(input.MaxResults, 50), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    const out = await Promise.all(page.items.map(async ({ value: f }) => {
      const v = await this.versions.get(vid(f.flowName, f.latestVersion));
      return { FlowName: f.flowName, FlowArn: f.arn, LatestVersion: f.latestVersion, NodeCount: v?.value.definition.nodes.length ?? 0, CreationTime: f.createdAt / 1000, LastModifiedTime: f.lastModifiedAt / 1000 };
    }));
    return { FlowSummaries: out, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  async DeleteFlow(input: InputOf<Ops['DeleteFlow']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteFlow']>> {
    const f = await this.get(input.FlowName);
    for (let v = 1; v <= f.latestVersion; v++) await this.versions.delete(vid(f.flowName, v));
    await this.flows.delete(f.flowName);
    return {};
  }

  async ListFlowTransforms(_input: InputOf<Ops['ListFlowTransforms']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListFlowTransforms']>> {
    return { Transforms: transformList.map((t) => ({ Name: t.name, Group: t.group, Summary: t.summary, Inputs: t.inputs, Parameters: t.params })) };
  }

  /**
   * Binds each source node to its dataset version: the full Parquet, or a cached random sample of it.
   * The staged versions are leased until `release` (the staging cache keeps them meanwhile).
   */
  private async bind(doc: FlowDocument, sample: number | undefined, signal?: AbortSignal): Promise<{ sources: Record<string, FileSource>; uris: Record<string, string>; rows: number; release: () => void }> {
    const releases: (() => void)[] = [];
    const release = (): void => {
      for (const r of releases.splice(0)) r();
    };
    try {
      return { ...(await this.bindLeased(doc, sample, releases, signal)), release };
    } catch (e) {
      release();
      throw e;
    }
  }

  private async bindLeased(doc: FlowDocument, sample: number | undefined, releases: (() => void)[], signal?: AbortSignal): Promise<{ sources: Record<string, FileSource>; uris: Record<string, string>; rows: number }> {
    const sources: Record<string, FileSource> = {};
    const uris: Record<string, string> = {};
    let rows = 0;
    for (const n of doc.nodes) {
      if (n.type !== 'source' || !n.dataset) continue;
      const { record, source, release } = await this.o.datasets.source(n.dataset.name, n.dataset.version, signal);
      releases.push(release);
      uris[n.id] = record.dataUri;
      if (sample === undefined || record.rowCount <= sample) {
        sources[sourceNameOf(n.id)] = source;
        rows = Math.max(rows, record.rowCount);
        continue;
      }
      // A seeded reservoir sample, drawn once per version and size into the staging cache (bounded,
      // leased while read, removed with its dataset): every later preview of any step reads the small
      // file, which keeps a step's preview well under a second on millions of rows.
      const drawn = await this.o.datasets.staging.derive(record.dataUri, `sample-${record.dataSha256}-${sample}.parquet`, async (path, abort) => {
        await this.o.engine.copyTo(`SELECT * FROM src USING SAMPLE reservoir(${sample} ROWS) REPEATABLE (1)`, { src: source }, { path, format: 'parquet' }, { signal: abort });
      }, signal);
      releases.push(drawn.release);
      sources[sourceNameOf(n.id)] = { path: drawn.path, format: 'parquet' };
      rows = Math.max(rows, sample);
    }
    return { sources, uris, rows };
  }

  /**
   * Runs the flow up to a node on a sample of its sources. Bounded: past `previewTimeoutMs` (or when
   * the caller's signal aborts) the engine's query is interrupted and the preview answers
   * ResourceLimitExceeded at once, without waiting for the engine to notice. The deadline starts once
   * the sources are bound: staging a dataset version and drawing its sample are shared with every other
   * request for that version and bounded by their own I/O, so a large dataset is staged however long
   * that takes (only the caller's hang-up stops waiting for it), and the next preview finds it staged.
   */
  async PreviewFlow(input: InputOf<Ops['PreviewFlow']>, ctx: RequestContext): Promise<OutputOf<Ops['PreviewFlow']>> {
    const started = performance.now();
    let doc: FlowDocument;
    if (input.Definition) doc = input.Definition as FlowDocument;
    else if (input.FlowName) doc = (await this.definition(input.FlowName, input.Version)).doc;
    else throw new ValidationError('PreviewFlow needs a FlowName or a Definition.', [{ path: '/Definition', message: 'required without FlowName' }]);
    await this.authorizeSources(doc, ctx);
    const timeoutMs = this.o.previewTimeoutMs ?? PREVIEW_TIMEOUT_MS;
    const deadline = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline.signal]) : deadline.signal;
    const stopped = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    stopped.catch(() => undefined);
    const work = (async () => {
      const bound = await this.bind(doc, input.SampleSize ?? PREVIEW_SAMPLE, ctx.signal);
      // Released when the engine is done, which may be after the answer (an interrupted query).
      try {
        signal.throwIfAborted();
        timer = setTimeout(() => deadline.abort(new LimitExceededError(
          `PreviewFlow of node '${input.NodeId}' took longer than ${timeoutMs / 1000} s over ${bound.rows} source rows and was stopped (dataEngine.previewTimeoutSeconds; staging the sources is not counted): preview a smaller SampleSize, fewer steps or a simpler expression.`,
        )), timeoutMs);
        const flow = await compileFlow(doc, { engine: this.o.engine, sources: bound.sources, upTo: input.NodeId, signal });
        const rel = relationOf(input.NodeId);
        const r = await this.o.engine.query(withQuery(flow.steps, rel), bound.sources, { limit: input.Limit ?? 100, signal });
        const step = flow.steps.find((s) => s.nodeId === input.NodeId);
        return {
          Columns: r.columns.map((c) => ({ Name: c.name, Type: c.type })), Rows: r.rows.map((x) => [...x]), Sql: step?.sql ?? '',
          SampleRows: bound.rows, ElapsedMs: performance.now() - started,
        };
      } finally {
        bound.release();
      }
    })();
    work.catch(() => undefined);
    try {
      // DuckDB notices an interrupt between chunks of work; the answer does not wait for it.
      return await Promise.race([work, stopped]);
    } finally {
      // The timer is armed only once the sources are bound; when the caller left first, it never is.
      work.then(() => clearTimeout(timer), () => clearTimeout(timer));
      clearTimeout(timer);
    }
  }

  async ExportFlowScript(input: InputOf<Ops['ExportFlowScript']>, ctx: RequestContext): Promise<OutputOf<Ops['ExportFlowScript']>> {
    const { version, doc } = await this.definition(input.FlowName, input.Version);
    await this.authorizeSources(doc, ctx);
    const bound = await this.bind(doc, undefined, ctx.signal);
    const flow = await compileFlow(doc, { engine: this.o.engine, sources: bound.sources, ...(input.NodeId ? { upTo: input.NodeId } : {}) }).finally(bound.release);
    return { Script: renderScript(flow, { title: `Loam flow '${input.FlowName}' version ${version}`, sourceUris: bound.uris }) };
  }

  /**
   * Starts a processing job on the built-in data-wrangler image that runs the flow on the full data
   * (DuckDB, streaming and spilling as needed) and writes each destination to its s3:// URI, and
   * returns at once: the run follows its job (status, failure reason, outputs with row counts from
   * the job's manifest). Stopping the job stops the run. Sources are pinned to the dataset versions
   * current now.
   * @throws ResourceNotFound for the flow or a dataset; ValidationException for a flow without
   * destinations or one the job cannot hold (more than 9 sources or destinations).
   */
  async StartFlowRun(input: InputOf<Ops['StartFlowRun']>, ctx: RequestContext): Promise<OutputOf<Ops['StartFlowRun']>> {
    const { version, doc } = await this.definition(input.FlowName, input.Version);
    this.check(doc);
    // The run's sources are pinned to the dataset versions current now (their URIs go into the job's
    // document), so checking the caller who starts it here covers every read the run makes.
    await this.authorizeSources(doc, ctx);
    // A flow stored before expressions were checked fails here, not as a job.
    await checkFlowExpressions(doc, this.o.engine, ctx.signal);
    const dests = doc.nodes.filter((n) => n.type === 'destination');
    if (dests.length === 0) throw new ValidationError(`Flow '${input.FlowName}' has no destination node.`, [{ path: '/Definition/nodes', message: 'add a destination' }]);
    for (const d of dests) if (!d.output?.s3Uri) throw new ValidationError(`Flow '${input.FlowName}': destination '${d.id}' has no output.s3Uri.`, [{ path: `/Definition/nodes/${d.id}/output/s3Uri`, message: 'required for a run' }]);
    await this.requireDestinationBuckets(input.FlowName, dests);
    const sourceUris: Record<string, string> = {};
    for (const n of doc.nodes) if (n.type === 'source' && n.dataset) sourceUris[n.id] = (await this.o.datasets.version(n.dataset.name, n.dataset.version)).dataUri;
    const runId = randomUUID();
    const jobName = flowJobName(input.FlowName, runId);
    const runPrefix = `s3://${this.o.datasets.bucket}/flow-runs/${input.FlowName}/${runId}`;
    const plan = planFlowJob({
      jobName, flowName: input.FlowName, flowVersion: version, doc, sourceUris, runPrefix,
      roleArn: resourceArn(this.o.partition, 'role', 'loam-data-wrangler', 'iam'), instanceType: this.o.runInstanceType ?? 'ml.m5.xlarge',
    });
    const docRef = parseS3Uri(plan.documentUri) as { bucket: string; key: string };
    const run: FlowRunRecord = {
      runId, flowName: input.FlowName, flowVersion: version, status: 'InProgress', createdAt: this.o.clock.now(),
      processingJobName: jobName, processingJobArn: resourceArn(this.o.partition, 'processing-job', jobName), manifestUri: plan.manifestUri,
      outputs: plan.outputs.map((o) => ({ nodeId: o.nodeId, s3Uri: o.s3Uri, format: o.format })),
    };
    await this.runs.insert(run);
    try {
      await this.o.artifacts.ensureBucket(docRef.bucket);
      await this.o.artifacts.put(docRef, Buffer.from(JSON.stringify(plan.document)), { contentType: 'application/json' });
      await this.o.processing.CreateProcessingJob(plan.request, ctx);
    } catch (e) {
      await this.runs.delete(runId).catch(() => undefined);
      await this.o.artifacts.delete(docRef).catch(() => undefined);
      throw e;
    }
    this.o.logger?.info({ flowName: input.FlowName, flowRunId: runId, processingJobName: jobName }, 'flow run started');
    return describeRun(run);
  }

  /**
   * A destination's bucket must exist before the run starts. The run is a processing job, and a
   * processing job fails at upload into a missing bucket (as in SageMaker, whose Data Wrangler exports
   * into a bucket the user picked or the Studio default bucket it created), after every step ran: a
   * clear 400 now is better than a failed run later. Nothing creates the bucket.
   */
  private async requireDestinationBuckets(flowName: string, dests: readonly FlowDocument['nodes'][number][]): Promise<void> {
    for (const d of dests) {
      const uri = d.output?.s3Uri as string;
      const ref = parseS3Uri(uri);
      if (!ref) continue;
      try {
        await this.o.artifacts.list({ bucket: ref.bucket, maxKeys: 1 });
      } catch (e) {
        if (!(e instanceof NotFoundError) && (e as { code?: string }).code !== 'ResourceNotFound') throw e;
        throw new ValidationError(
          `Flow '${flowName}': destination '${d.id}' writes to ${uri}, but the bucket '${ref.bucket}' does not exist. Loam does not create output buckets: create it first (aws s3 mb s3://${ref.bucket}), or choose a bucket that exists.`,
          [{ path: `/Definition/nodes/${d.id}/output/s3Uri`, message: `bucket '${ref.bucket}' does not exist` }],
        );
      }
    }
  }

  /** Brings a run up to date with its processing job; a run that has ended is stored as such. */
  private async refresh(run: FlowRunRecord, version: number): Promise<FlowRunRecord> {
    if (!run.processingJobName || ended.has(run.status)) return run;
    const job = await this.o.processing.jobs.get(run.processingJobName).catch((e: unknown) => {
      if (e instanceof LoamError && e.code === 'ResourceNotFound') return undefined;
      throw e;
    });
    if (!job) {
      // StartFlowRun stores the run, then creates the job; a crash between the two leaves a run with no job.
      if (this.o.clock.now() - run.createdAt < NO_JOB_GRACE_MS) return run;
      const failed: FlowRunRecord = { ...run, status: 'Failed', endedAt: this.o.clock.now(), failureReason: `Processing job '${run.processingJobName}' was never created.` };
      await this.save(failed, version);
      return failed;
    }
    if (job.status === 'InProgress' || job.status === 'Stopping') return { ...run, status: job.status };
    const endedAt = job.endTime !== undefined ? job.endTime * 1000 : this.o.clock.now();
    let next: FlowRunRecord;
    if (job.status === 'Completed') {
      const manifest = await this.manifest(run);
      // Without its manifest the run is answered as Completed but not stored, so a later read fills the counts.
      const store = manifest !== undefined;
      next = {
        ...run, status: 'Completed', endedAt,
        outputs: run.outputs.map((o) => {
          const m = manifest?.outputs.find((x) => x.nodeId === o.nodeId);
          return m ? { ...o, rowCount: m.rowCount, bytes: m.bytes } : o;
        }),
      };
      if (!store) return next;
    } else {
      const reason = job.failureReason ?? (job.status === 'Stopped' ? `Processing job '${job.name}' was stopped.` : undefined);
      next = { ...run, status: job.status, endedAt, ...(reason ? { failureReason: reason } : {}) };
    }
    await this.save(next, version);
    return next;
  }

  private async manifest(run: FlowRunRecord): Promise<FlowJobManifest | undefined> {
    const ref = run.manifestUri ? parseS3Uri(run.manifestUri) : undefined;
    if (!ref) return undefined;
    try {
      const obj = await this.o.artifacts.get(ref);
      const chunks: Buffer[] = [];
      for await (const c of obj.body) chunks.push(Buffer.from(c as Uint8Array));
      const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FlowJobManifest;
      return m.format === 'loam.flow-run-manifest' && Array.isArray(m.outputs) ? m : undefined;
    } catch (err) {
      this.o.logger?.warn({ flowRunId: run.runId, err }, 'flow run manifest could not be read');
      return undefined;
    }
  }

  /** Stores a run's end at the version it was read at; a concurrent read that stored it first wins. */
  private async save(r: FlowRunRecord, version: number): Promise<void> {
    await this.runs.update(r.runId, version, r).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) this.o.logger?.warn({ flowRunId: r.runId, err }, 'flow run could not be stored');
    });
  }

  async DescribeFlowRun(input: InputOf<Ops['DescribeFlowRun']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeFlowRun']>> {
    const r = await this.runs.get(input.FlowRunId);
    if (!r) throw new NotFoundError('Flow run', input.FlowRunId);
    // The operation is authorized on `*` (its input names no flow): a run is its flow's to describe.
    await this.o.authorize(ctx.principal, 'sagemaker:DescribeFlow', resourceArn(this.o.partition, 'flow', r.value.flowName));
    return describeRun(await this.refresh(r.value, r.version));
  }

  async ListFlowRuns(input: InputOf<Ops['ListFlowRuns']>, ctx: RequestContext): Promise<OutputOf<Ops['ListFlowRuns']>> {
    const want = input.StatusEquals;
    // A run's stored status is its job's as of the run's last read: one stored in progress may have ended
    // since. So StatusEquals reads the runs stored with that status and those stored in progress, brings
    // them up to date, and keeps the ones that have it now.
    const statuses = want ? [...new Set<FlowRunRecord['status']>([want, 'InProgress', 'Stopping'])] : undefined;
    const filters = [
      ...(input.FlowName ? [{ field: 'flowName' as const, op: 'eq' as const, value: input.FlowName }] : []),
      ...(statuses ? [{ field: 'status' as const, op: 'in' as const, value: statuses }] : []),
    ];
    const page = await this.runs.list({
      ...(filters.length > 0 ? { filters } : {}),
      sortBy: 'createdAt', sortOrder: 'Descending', maxResults: clampMaxResults(input.MaxResults, 50), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    // Only runs of flows the caller may list runs of by name (sagemaker:ListFlows on the flow, as with a
    // FlowName); a page may hold fewer runs than MaxResults and still carry a NextToken.
    const allowed = new Map<string, Promise<boolean>>();
    const mayList = (flowName: string) => {
      let p = allowed.get(flowName);
      if (!p) {
        p = this.o.authorize(ctx.principal, 'sagemaker:ListFlows', resourceArn(this.o.partition, 'flow', flowName)).then(() => true, (e: unknown) => {
          if (e instanceof AccessDeniedError) return false;
          throw e;
        });
        allowed.set(flowName, p);
      }
      return p;
    };
    const visible = (await Promise.all(page.items.map(async (x) => ((await mayList(x.value.flowName)) ? x : undefined)))).filter((x) => x !== undefined);
    const runs = (await Promise.all(visible.map((x) => this.refresh(x.value, x.version)))).filter((r) => !want || r.status === want);
    return { FlowRuns: runs.map(describeRun), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }
}

function describeRun(r: FlowRunRecord): OutputOf<Ops['DescribeFlowRun']> {
  return {
    FlowRunId: r.runId, FlowName: r.flowName, FlowVersion: r.flowVersion, Status: r.status, CreationTime: r.createdAt / 1000,
    ...(r.endedAt !== undefined ? { EndTime: r.endedAt / 1000 } : {}), ...(r.failureReason ? { FailureReason: r.failureReason } : {}),
    ...(r.processingJobName ? { ProcessingJobName: r.processingJobName } : {}), ...(r.processingJobArn ? { ProcessingJobArn: r.processingJobArn } : {}),
    Outputs: r.outputs.map((o) => ({ NodeId: o.nodeId, S3Uri: o.s3Uri, Format: o.format, ...(o.rowCount !== undefined ? { RowCount: o.rowCount } : {}), ...(o.bytes !== undefined ? { Bytes: o.bytes } : {}) })),
  };
}
