import {
  checkIsolationServable, trafficSchedule, wantsIsolation, type ArtifactStore, type DataCaptureConfigInput, type EndpointConfigRecord, type EndpointConfigService, type EndpointDeployer,
  type EndpointRecord, type EndpointStore, type Logger, type ModelService, type VariantSummary,
} from '@loam/core';
import { AwsProtocolError } from '../transports/aws-json/aws-errors.js';
import type { AlarmEvaluator } from './alarm-evaluator.js';
import { DataCaptureWriter } from './data-capture.js';
import type { InstanceFactory } from './instance-factory.js';
import { LiveEndpoint } from './live-endpoint.js';
import type { MetricsRegistry } from './metrics-registry.js';
import type { ServingInstance } from './serving-instance.js';
import { Generation, VariantFleet } from './variant-fleet.js';

export interface ControllerOptions {
  readonly endpoints: EndpointStore;
  readonly configs: EndpointConfigService;
  readonly models: ModelService;
  readonly factory: InstanceFactory;
  readonly artifacts: ArtifactStore;
  readonly metrics: MetricsRegistry;
  readonly alarms: AlarmEvaluator;
  readonly logger: Logger;
  /** Seconds an instance may take to pass /ping when the variant does not say (SageMaker: 4 min…). */
  readonly startupTimeoutSeconds?: number;
  /** How long draining waits for requests in flight before stopping an instance anyway. */
  readonly drainTimeoutMs?: number;
  /** How often alarms are checked while baking. */
  readonly alarmPollMs?: number;
  readonly healthIntervalMs?: number;
  /**
   * A new instance's id, unique across restarts where its log stream (`<variant>/<id>`) outlives the server; the
   * default counts from 1 in each process.
   */
  readonly instanceId?: (endpointName: string, variantName: string) => string;
  /** After DeleteEndpoint has removed the record: what else goes with the endpoint (its logs). */
  readonly onDeleted?: (endpointName: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now() / 1000;

class RolledBack extends Error {}
/** The endpoint is being deleted: the work in progress stops where it is. */
class Deleted extends Error {}

/**
 * Runs endpoints: starts every variant's instances, keeps them healthy (a dead or unreachable instance
 * is replaced), and carries out blue/green updates — green fleet up, traffic shifted step by step with
 * baking, alarms watched, automatic rollback, blue drained and stopped after TerminationWaitInSeconds.
 * It writes the endpoint's status and variant summaries back to the record as it goes.
 */
export class EndpointController implements EndpointDeployer {
  readonly live = new Map<string, LiveEndpoint>();
  private readonly busy = new Map<string, Promise<void>>();
  private healthTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed = false;
  /**
   * Endpoints whose DeleteEndpoint is waiting behind a task: a blue/green update stops baking and
   * shifting (green is stopped, no rollback is recorded), a creation or a scaling stops there, and no
   * task writes the record back to InService.
   */
  private readonly deleting = new Set<string>();

  private isDeleting(name: string): boolean {
    return this.deleting.has(name.toLowerCase());
  }

  /** Sleeps `ms`, or less when the endpoint is being deleted. */
  private async sleepUnlessDeleted(name: string, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end && !this.isDeleting(name)) await sleep(Math.min(this.o.alarmPollMs ?? 200, Math.max(1, end - Date.now())));
  }

  /** Writes the record unless DeleteEndpoint has marked it Deleting meanwhile. */
  private async patchUnlessDeleting(name: string, f: (cur: EndpointRecord) => EndpointRecord): Promise<void> {
    await this.o.endpoints.patch(name, (cur) => (cur.status === 'Deleting' ? cur : f(cur)));
  }

  constructor(private readonly o: ControllerOptions) {}

  /**
   * The endpoint's data capture writer. While its writes fail (a destination bucket that does not exist,
   * a full disk …) the record says why and DescribeEndpoint shows CaptureStatus Stopped; the next write
   * that succeeds shows Started again. A new writer starts from Started.
   */
  private captureWriter(name: string, key: string, config: DataCaptureConfigInput): DataCaptureWriter {
    // The record follows the writer's state, whatever order the writes land in; a writer replaced by an
    // update (or of a deleted endpoint) no longer speaks for the endpoint.
    const sync = (fresh: boolean) => this.patchUnlessDeleting(name, (cur) => {
      if (!fresh && this.live.get(key)?.capture !== writer) return cur;
      const { captureFailure: _c, ...rest } = cur;
      return writer.failure === undefined ? rest : { ...rest, captureFailure: writer.failure };
    }).catch((e: unknown) => this.o.logger.warn({ endpointName: name, err: (e as Error).message }, 'the data capture status could not be recorded'));
    const writer: DataCaptureWriter = new DataCaptureWriter(name, config, this.o.artifacts, this.o.logger, { onFailure: () => void sync(false) });
    void this.o.endpoints.get(name).then((r) => (r?.captureFailure !== undefined ? sync(true) : undefined));
    return writer;
  }

  /** Serially per endpoint: one background task at a time. */
  private run(name: string, task: () => Promise<void>): void {
    const key = name.toLowerCase();
    const prev = this.busy.get(key) ?? Promise.resolve();
    const next = prev.then(task).catch((e: unknown) => this.o.logger.error({ endpointName: name, err: (e as Error).message }, 'endpoint task failed'));
    this.busy.set(key, next);
    void next.finally(() => {
      if (this.busy.get(key) === next) this.busy.delete(key);
    });
  }

  /** Waits for the background work on an endpoint (tests, shutdown). */
  async settle(name?: string): Promise<void> {
    if (name) await this.busy.get(name.toLowerCase());
    else await Promise.all(this.busy.values());
  }

  get(name: string): LiveEndpoint | undefined {
    return this.live.get(name.toLowerCase());
  }

  // --- instances -------------------------------------------------------------------------------

  private async startFleet(ep: string, fleet: VariantFleet, count: number, config: EndpointConfigRecord): Promise<void> {
    const pv = config.request.ProductionVariants.find((v) => v.VariantName === fleet.variantName);
    const timeout = (pv?.ContainerStartupHealthCheckTimeoutInSeconds ?? this.o.startupTimeoutSeconds ?? 240) * 1000;
    const started = await Promise.allSettled(Array.from({ length: count }, () => this.startInstance(ep, fleet, timeout)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async startInstance(ep: string, fleet: VariantFleet, timeoutMs: number): Promise<ServingInstance> {
    const id = this.o.instanceId?.(ep, fleet.variantName) ?? `${ep}-${fleet.variantName}-${++this.seq}`.toLowerCase();
    const inst = await this.o.factory.start(ep, id, fleet.container, timeoutMs, fleet.networkIsolation, fleet.variantName);
    fleet.instances.push(inst);
    fleet.pump();
    void inst.exited.then(() => this.onExit(ep, fleet, inst));
    return inst;
  }

  /** A process instance died: take it out and start a replacement if its fleet still wants it. */
  private onExit(ep: string, fleet: VariantFleet, inst: ServingInstance): void {
    if (inst.state === 'stopped' || inst.state === 'draining' || this.closed) return;
    this.o.logger.warn({ endpointName: ep, instanceId: inst.id }, 'model server instance exited; replacing it');
    inst.state = 'stopped';
    this.replace(ep, fleet, inst);
  }

  /** Called by the router when an instance cannot be reached. */
  unreachable(live: LiveEndpoint, inst: ServingInstance): void {
    for (const g of live.generations()) {
      for (const f of g.fleets.values()) {
        if (f.instances.includes(inst)) {
          void inst.stop(2000);
          this.replace(live.name, f, inst);
          return;
        }
      }
    }
  }

  private replace(ep: string, fleet: VariantFleet, inst: ServingInstance): void {
    const k = fleet.instances.indexOf(inst);
    if (k < 0) return;
    fleet.instances.splice(k, 1);
    this.o.factory.cleanup(ep, inst.id);
    if (fleet.instances.length >= fleet.desiredCount) return;
    this.startInstance(ep, fleet, (this.o.startupTimeoutSeconds ?? 240) * 1000).then(
      () => this.writeVariants(ep),
      (e: unknown) => this.o.logger.error({ endpointName: ep, err: (e as Error).message }, 'replacement instance failed to start'),
    );
  }

  private async drainAndStop(ep: string, gen: Generation): Promise<void> {
    const deadline = Date.now() + (this.o.drainTimeoutMs ?? 30_000);
    for (const f of gen.fleets.values()) for (const i of f.instances) if (i.state === 'healthy') i.state = 'draining';
    while (Date.now() < deadline && gen.instances().some((i) => i.inflight > 0)) await sleep(20);
    for (const f of gen.fleets.values()) f.rejectWaiters(() => new Error('variant stopped'));
    await Promise.all(gen.instances().map(async (i) => {
      await i.stop(5_000);
      this.o.factory.cleanup(ep, i.id);
    }));
  }

  private async buildGeneration(ep: string, config: EndpointConfigRecord, desired?: readonly VariantSummary[]): Promise<Generation> {
    const gen = await this.planGeneration(config, desired);
    await this.startGeneration(ep, gen, config);
    return gen;
  }

  /** The fleets a config asks for (with the weights and counts `desired` records), before any instance runs. */
  private async planGeneration(config: EndpointConfigRecord, desired?: readonly VariantSummary[]): Promise<Generation> {
    const gen = new Generation(config.name);
    for (const v of config.request.ProductionVariants) {
      const model = await this.o.models.get(v.ModelName as string);
      // Checked at every build, not only at CreateEndpoint: after a restart the endpoint is rebuilt from
      // whatever model now has the name.
      const configIsolation = config.request['EnableNetworkIsolation'] === true;
      checkIsolationServable(model, v.VariantName, configIsolation, '/EndpointConfigName', this.o.factory.networkIsolation());
      const d = desired?.find((x) => x.VariantName === v.VariantName);
      // At least one: a record from before 0 was refused (UpdateEndpointWeightsAndCapacities, autoscaling
      // MinCapacity) must not come back as a variant with traffic and no instance to take it.
      const count = Math.max(1, d?.DesiredInstanceCount ?? v.InitialInstanceCount ?? 1);
      const container = model.containers[0]!;
      // A built-in model runs no code of the user's and is served as before; a model's own code is isolated.
      const isolated = wantsIsolation(model, configIsolation) && container.image.type !== 'builtin';
      gen.fleets.set(v.VariantName, new VariantFleet(v.VariantName, model.name, container, d?.DesiredWeight ?? v.InitialVariantWeight ?? 1, count, isolated));
    }
    return gen;
  }

  /** Starts every fleet's instances; when one cannot start, whatever did start is stopped again. */
  private async startGeneration(ep: string, gen: Generation, config: EndpointConfigRecord): Promise<void> {
    try {
      await Promise.all([...gen.fleets.values()].map((f) => this.startFleet(ep, f, f.desiredCount, config)));
    } catch (e) {
      await this.drainAndStop(ep, gen);
      throw e;
    }
  }

  // --- record -----------------------------------------------------------------------------------

  private summaries(gen: Generation, status?: VariantSummary['VariantStatus']): VariantSummary[] {
    return [...gen.fleets.values()].map((f) => ({
      VariantName: f.variantName,
      DeployedImages: [{ SpecifiedImage: f.container.imageUri, ResolvedImage: f.container.imageUri, ResolutionTime: now() }],
      CurrentWeight: f.weight, DesiredWeight: f.weight,
      CurrentInstanceCount: f.healthyCount(), DesiredInstanceCount: f.desiredCount,
      VariantStatus: status ?? [],
    }));
  }

  private async writeVariants(ep: string): Promise<void> {
    const live = this.get(ep);
    // While a restart starts the fleet again, its task writes the variants once every instance is up.
    if (!live || live.starting) return;
    await this.o.endpoints.patch(ep, (r) => ({ ...r, variants: this.summaries(live.blue) }));
  }

  // --- deployer ---------------------------------------------------------------------------------

  create(name: string): void {
    this.bringUp(name);
  }

  /** Builds a Creating endpoint's fleet with the config's initial weights and counts; InService once every instance answers /ping. */
  private bringUp(name: string): void {
    this.run(name, async () => {
      const r = await this.o.endpoints.get(name);
      if (!r || r.status !== 'Creating') return;
      try {
        const config = await this.o.configs.get(r.configName);
        const gen = await this.buildGeneration(r.name, config, r.variants);
        if (this.isDeleting(name)) {
          await this.drainAndStop(r.name, gen);
          return;
        }
        const live = new LiveEndpoint(r.name, r.arn, gen);
        if (r.dataCapture) live.capture = this.captureWriter(r.name, r.key, r.dataCapture);
        live.routable = true;
        this.live.set(r.key, live);
        await this.patchUnlessDeleting(name, (cur) => {
          const { failureReason: _f, ...c } = cur;
          return { ...c, status: cur.pending ? 'Updating' : 'InService', variants: this.summaries(gen), lastModifiedTime: now() };
        });
      } catch (e) {
        await this.markFailed(name, e);
        return;
      }
      if (r.pending) await this.blueGreen(name);
    });
  }

  /**
   * The one writer of a Failed endpoint. Its variants end with no instance running and no
   * VariantStatus: SageMaker's variant statuses name a stage still in progress (Creating, Updating,
   * …), and the Creating (or restart's Creating) they were planned with would outlive the failure.
   */
  private async markFailed(name: string, e: unknown): Promise<void> {
    await this.patchUnlessDeleting(name, (cur) => {
      const { pending: _p, ...c } = cur;
      const variants = cur.variants.map((v) => ({ ...v, CurrentInstanceCount: 0, VariantStatus: [] }));
      return { ...c, status: 'Failed', failureReason: (e as Error).message.slice(0, 1024), variants, lastModifiedTime: now() };
    });
  }

  /**
   * After a restart, an endpoint that was serving comes back on the config it was serving, with its
   * weights and instance counts (an UpdateEndpointWeightsAndCapacities not yet applied included). It
   * stays InService meanwhile (Updating while an interrupted blue/green update is to resume): SageMaker
   * never moves a serving endpoint back to Creating. Each variant says its instances are being started
   * (VariantStatus Creating, CurrentInstanceCount 0 until they answer /ping), and invocations that
   * arrive meanwhile wait for one, as while an instance is replaced (the router's 503
   * ServiceUnavailable when none answers in time). One that was rolling back ends rolled back with a
   * reason. When the fleet cannot be started again, the endpoint is Failed with the reason.
   */
  private async restore(r: EndpointRecord): Promise<void> {
    let resume = false;
    const restarting = [{ Status: 'Creating' as const, StatusMessage: 'Starting the instances again: the server restarted.', StartTime: now() }];
    const rec = await this.o.endpoints.patch(r.name, (cur) => {
      const { pending, desired: _d, ...rest } = cur;
      // The switch to green had been written (configName) when the crash came during TerminationWaitInSeconds: nothing to resume.
      resume = cur.status === 'Updating' && pending !== undefined && pending.configName !== cur.configName;
      const status = resume ? 'Updating' : 'InService';
      return {
        ...rest, status,
        ...(cur.status === 'RollingBack' && pending ? { failureReason: `Update to '${pending.configName}' was rolled back: the server restarted while rolling it back.` } : {}),
        variants: withDesired(cur).map((v) => ({ ...v, CurrentInstanceCount: 0, VariantStatus: restarting })),
        ...(resume ? { pending } : {}),
        lastModifiedTime: status === cur.status ? cur.lastModifiedTime : now(),
      };
    });
    if (!rec) return;
    let config: EndpointConfigRecord;
    let gen: Generation;
    try {
      config = await this.o.configs.get(rec.configName);
      gen = await this.planGeneration(config, rec.variants);
    } catch (e) {
      await this.markFailed(rec.name, e);
      return;
    }
    const live = new LiveEndpoint(rec.name, rec.arn, gen);
    if (rec.dataCapture) live.capture = this.captureWriter(rec.name, rec.key, rec.dataCapture);
    live.starting = true;
    live.routable = true;
    this.live.set(rec.key, live);
    const unregister = async (why: string) => {
      live.routable = false;
      if (this.live.get(rec.key) === live) this.live.delete(rec.key);
      for (const f of gen.fleets.values()) f.rejectWaiters(() => new AwsProtocolError('ServiceUnavailable', 503, `Endpoint ${rec.name} ${why}`));
      await live.capture?.close();
    };
    this.run(rec.name, async () => {
      // A DeleteEndpoint that ran while the fleet was planned found nothing to drain: nothing is started.
      if (!(await this.o.endpoints.get(rec.name))) {
        await unregister('was deleted.');
        return;
      }
      try {
        await this.startGeneration(rec.name, gen, config);
      } catch (e) {
        await unregister(`could not start its instances again after the server restarted: ${(e as Error).message}`);
        await this.markFailed(rec.name, e);
        return;
      }
      live.starting = false;
      // Deleting: the DeleteEndpoint queued behind this task drains what was just started.
      if (this.isDeleting(rec.name)) return;
      await this.patchUnlessDeleting(rec.name, (cur) => ({ ...cur, variants: this.summaries(gen) }));
      if (resume) await this.blueGreen(rec.name);
    });
  }

  update(name: string): void {
    this.run(name, () => this.blueGreen(name));
  }

  private async blueGreen(name: string): Promise<void> {
    const r = await this.o.endpoints.get(name);
    const live = this.get(name);
    if (!r || !live || r.status !== 'Updating' || !r.pending) return;
    const pending = r.pending;
    const policy = pending.deploymentConfig?.BlueGreenUpdatePolicy;
    const alarmNames = (pending.deploymentConfig?.AutoRollbackConfiguration?.Alarms ?? []).map((a) => a.AlarmName);
    const deadline = Date.now() + (policy?.MaximumExecutionTimeoutInSeconds ?? 28_800) * 1000;
    const marker = (s: string) => [{ Status: s as 'Updating', StartTime: now() }];
    const writePending = (gen: Generation | undefined, status: string) => this.o.endpoints.patch(name, (cur) => (cur.pending
      ? { ...cur, pending: { ...cur.pending, variants: gen ? this.summaries(gen, marker(status)) : cur.pending.variants } } : cur));
    let green: Generation;
    try {
      green = await this.buildGeneration(r.name, await this.o.configs.get(pending.configName), pending.variants);
    } catch (e) {
      await this.patchUnlessDeleting(name, (cur) => {
        const { pending: _p, ...c } = cur;
        return { ...c, status: 'InService', failureReason: `Update to '${pending.configName}' failed: ${(e as Error).message}`.slice(0, 1024), lastModifiedTime: now() };
      });
      return;
    }
    live.green = green;
    live.greenShare = 0;
    const cancelled = () => this.isDeleting(name);
    const steps = trafficSchedule(pending.deploymentConfig, green.instances().length);
    const wait = (policy?.TrafficRoutingConfiguration.WaitIntervalInSeconds ?? 0) * 1000;
    try {
      for (const share of steps) {
        live.greenShare = share;
        await writePending(green, 'ActivatingTraffic');
        await writePending(green, 'Baking');
        await this.bake(alarmNames, wait, deadline, cancelled);
      }
    } catch (e) {
      live.greenShare = 0;
      if (e instanceof Deleted) {
        live.green = undefined;
        await this.drainAndStop(r.name, green);
        return;
      }
      await this.patchUnlessDeleting(name, (cur) => ({ ...cur, status: 'RollingBack', lastModifiedTime: now() }));
      live.green = undefined;
      await this.drainAndStop(r.name, green);
      await this.patchUnlessDeleting(name, (cur) => {
        const { pending: _p, ...rest } = cur;
        return { ...rest, status: 'InService', failureReason: (e as Error).message.slice(0, 1024), variants: this.summaries(live.blue), lastModifiedTime: now() };
      });
      return;
    }
    // Green takes everything; blue waits TerminationWaitInSeconds (no traffic), then drains and stops.
    const old = live.blue;
    // A variant that goes on under its name has served all along: its alarms' idle periods still count.
    for (const [name, f] of green.fleets) f.servingSinceMs = old.fleets.get(name)?.servingSinceMs ?? f.servingSinceMs;
    live.blue = green;
    live.green = undefined;
    live.greenShare = 0;
    live.retiring.add(old);
    const capture = r.dataCapture;
    if (live.capture && (!capture || JSON.stringify(capture) !== JSON.stringify(live.capture.config))) {
      void live.capture.close();
      live.capture = undefined;
    }
    if (capture && !live.capture) live.capture = this.captureWriter(r.name, r.key, capture);
    await this.o.endpoints.patch(name, (cur) => ({ ...cur, configName: pending.configName, variants: this.summaries(green), pending: { ...pending, variants: this.summaries(green) } }));
    await this.sleepUnlessDeleted(name, (policy?.TerminationWaitInSeconds ?? 0) * 1000);
    await this.drainAndStop(r.name, old);
    live.retiring.delete(old);
    await this.patchUnlessDeleting(name, (cur) => {
      const { pending: _p, failureReason: _f, ...rest } = cur;
      return { ...rest, status: 'InService', variants: this.summaries(green), lastModifiedTime: now() };
    });
  }

  /** Waits the baking interval, checking the rollback alarms; throws to roll back, or `Deleted` when the endpoint is being deleted. */
  private async bake(alarmNames: readonly string[], ms: number, deadline: number, cancelled: () => boolean): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      if (cancelled()) throw new Deleted();
      for (const n of alarmNames) {
        const a = this.o.alarms.byName(n);
        if (!a) continue;
        const s = this.o.alarms.evaluate(a);
        if (s.value === 'ALARM') throw new RolledBack(`Rolled back: alarm '${n}' went to ALARM during the deployment (${s.reason})`);
      }
      if (Date.now() > deadline) throw new RolledBack('Rolled back: the deployment exceeded MaximumExecutionTimeoutInSeconds.');
      if (Date.now() >= end) return;
      await sleep(Math.min(this.o.alarmPollMs ?? 200, Math.max(1, end - Date.now())));
    }
  }

  applyWeightsAndCapacities(name: string): void {
    this.run(name, async () => {
      const r = await this.o.endpoints.get(name);
      const live = this.get(name);
      if (!r || !live || !r.desired) return;
      try {
        for (const d of r.desired) {
          const f = live.blue.fleets.get(d.VariantName);
          if (!f) continue;
          if (d.DesiredWeight !== undefined) f.weight = d.DesiredWeight;
          if (d.DesiredInstanceCount !== undefined) await this.scale(live, f, d.DesiredInstanceCount);
        }
        await this.patchUnlessDeleting(name, (cur) => {
          const { desired: _d, failureReason: _f, ...rest } = cur;
          return { ...rest, status: 'InService', variants: this.summaries(live.blue), lastModifiedTime: now() };
        });
      } catch (e) {
        await this.patchUnlessDeleting(name, (cur) => {
          const { desired: _d, ...rest } = cur;
          return { ...rest, status: 'InService', failureReason: (e as Error).message.slice(0, 1024), variants: this.summaries(live.blue), lastModifiedTime: now() };
        });
      }
    });
  }

  /** Starts or drains instances until the fleet has `count`; new ones take traffic only after /ping. */
  async scale(live: LiveEndpoint, f: VariantFleet, count: number): Promise<void> {
    f.desiredCount = count;
    const current = f.instances.filter((i) => i.state !== 'stopped' && i.state !== 'draining');
    if (count > current.length) {
      const config = await this.o.configs.get(live.blue.configName).catch(() => undefined);
      const timeout = (this.o.startupTimeoutSeconds ?? 240) * 1000;
      if (config) await this.startFleet(live.name, f, count - current.length, config);
      else await Promise.all(Array.from({ length: count - current.length }, () => this.startInstance(live.name, f, timeout)));
    } else if (count < current.length) {
      const gone = current.slice(count);
      for (const i of gone) i.state = 'draining';
      const deadline = Date.now() + (this.o.drainTimeoutMs ?? 30_000);
      while (Date.now() < deadline && gone.some((i) => i.inflight > 0)) await sleep(20);
      for (const i of gone) {
        await i.stop(5_000);
        f.instances.splice(f.instances.indexOf(i), 1);
        this.o.factory.cleanup(live.name, i.id);
      }
    }
  }

  /** Deletes at once: an update, creation or scaling in progress stops where it is (no need to wait for its baking). */
  delete(name: string): void {
    const key = name.toLowerCase();
    this.deleting.add(key);
    this.run(name, async () => {
      try {
        const live = this.get(name);
        if (live) {
          live.routable = false;
          await Promise.all(live.generations().map((g) => this.drainAndStop(live.name, g)));
          await live.capture?.close();
          this.live.delete(key);
          this.o.metrics.drop(live.name);
        }
        await this.o.endpoints.delete(name);
        this.o.onDeleted?.(name);
      } finally {
        this.deleting.delete(key);
      }
    });
  }

  /**
   * After a restart: endpoints that were serving come back (see `restore`), creations resume, and
   * deletions finish. Returns once every serving endpoint takes invocations again (they wait for its
   * instances), before those instances have started.
   */
  async reconcile(list: EndpointRecord[]): Promise<void> {
    for (const r of list) {
      if (r.status === 'Deleting') this.delete(r.name);
      else if (r.status === 'Creating') this.create(r.name);
      else if (r.status === 'InService' || r.status === 'Updating' || r.status === 'RollingBack' || r.status === 'SystemUpdating') await this.restore(r);
    }
  }

  /** Pings process instances every second; one that fails three pings in a row is replaced. */
  startHealthChecks(): void {
    const misses = new WeakMap<ServingInstance, number>();
    const tick = async () => {
      for (const live of this.live.values()) {
        for (const g of live.generations()) {
          for (const f of g.fleets.values()) {
            for (const i of [...f.instances]) {
              if (i.kind !== 'process' || i.state !== 'healthy') continue;
              const ok = await i.ping();
              const m = ok ? 0 : (misses.get(i) ?? 0) + 1;
              misses.set(i, m);
              if (m >= 3) {
                i.state = 'unhealthy';
                void i.stop(2000);
                this.replace(live.name, f, i);
              }
            }
          }
        }
      }
    };
    const loop = () => {
      this.healthTimer = setTimeout(() => void tick().finally(() => !this.closed && loop()), this.o.healthIntervalMs ?? 1000);
      this.healthTimer.unref();
    };
    loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    for (const live of this.live.values()) {
      live.routable = false;
      await live.capture?.close();
      await Promise.all(live.generations().flatMap((g) => g.instances().map((i) => i.stop(5_000))));
    }
    this.live.clear();
  }
}

/** The variant summaries with a pending UpdateEndpointWeightsAndCapacities applied to the weights and counts they desire. */
function withDesired(r: EndpointRecord): VariantSummary[] {
  return r.variants.map((v) => {
    const d = r.desired?.find((x) => x.VariantName === v.VariantName);
    if (!d) return v;
    return { ...v, ...(d.DesiredWeight !== undefined ? { DesiredWeight: d.DesiredWeight } : {}), ...(d.DesiredInstanceCount !== undefined ? { DesiredInstanceCount: d.DesiredInstanceCount } : {}) };
  });
}
