import { join } from 'node:path';
import {
  AlarmService, EndpointConfigService, LoopFailureLog, EndpointService, isAllowed, ModelService, resourceArn, ScalingService, systemClock, endpointsCollection,
  type ActionAuthorizer, type ArtifactStore, type InstanceLauncher, type LogGroups, type Logger, type MetadataStore, type Partition, type Principal, type TagService,
} from '@loam/core';
import { LocalProcessLauncher } from '@loam/adapters';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { AlarmEvaluator, storedMinutesBefore } from './alarm-evaluator.js';
import { Autoscaler } from './autoscaler.js';
import { EndpointController } from './endpoint-controller.js';
import { EndpointLogs } from './endpoint-logs.js';
import { EndpointMetricsService } from './endpoint-metrics.service.js';
import { EndpointRouter } from './endpoint-router.js';
import { InstanceFactory } from './instance-factory.js';
import type { DataAccessAuthorizer } from '../operations/data-access-check.js';
import { MetricDataService } from './metric-data.service.js';
import { MetricHistory } from './metric-history.js';
import { MetricsRegistry } from './metrics-registry.js';
import { registerPrometheusRoute } from './prometheus.routes.js';

/** Largest instance count per variant on one server. */
export const MAX_INSTANCES_PER_VARIANT = 16;

export interface EndpointsOptions {
  readonly config: Config;
  readonly store: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly partition: Partition;
  readonly tags: TagService;
  readonly logger: Logger;
  readonly launcher?: InstanceLauncher;
  /** The caller's S3 permissions on a location (ADR 0019), for models created from model packages. */
  readonly authorizeData?: DataAccessAuthorizer;
  /** The caller's policies, for answers that list only what the caller may see (DescribeScalingPolicies). */
  readonly authorize?: (principal: Principal, action: string, resource: string) => Promise<void>;
  /** Built-in models in process (default) or as their own processes. */
  readonly builtinServing?: 'in-process' | 'process';
  /** Seconds per datapoint of target-tracking policies' alarms: 60, as Application Auto Scaling; tests shorten it. */
  readonly autoscalePeriodSeconds?: number;
  readonly autoscaleIntervalMs?: number;
  readonly startupTimeoutSeconds?: number;
}

/** Models and real-time endpoints as the platform holds them. */
export interface EndpointsCapability {
  readonly models: ModelService;
  readonly configs: EndpointConfigService;
  readonly endpoints: EndpointService;
  readonly alarms: AlarmService;
  readonly scaling: ScalingService;
  readonly controller: EndpointController;
  readonly router: EndpointRouter;
  readonly metrics: MetricsRegistry;
  readonly evaluator: AlarmEvaluator;
  readonly autoscaler: Autoscaler;
  /** The model servers' output, as the log groups /aws/sagemaker/Endpoints/<name>. */
  readonly logGroups: LogGroups;
  /** Handler objects for the operation table (and the Runtime invoker). */
  readonly services: readonly object[];
  /** Brings back endpoints a previous run left serving. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the model and endpoint services, the controller, router, alarms, autoscaler and metrics. */
export function openEndpoints(o: EndpointsOptions): EndpointsCapability {
  const { store, partition, logger } = o;
  const log = logger.child({ component: 'endpoints' });
  const clock = systemClock;
  const launcher = o.launcher ?? new LocalProcessLauncher({ logger: log, python: o.config.images.python, sandbox: o.config.executor.sandbox, bridgeRoot: join(o.config.executor.workDir, 'bridges') });
  const models = new ModelService({ store, artifacts: o.artifacts, clock, partition, processImages: o.config.images.process, ...(o.authorizeData ? { authorizeData: o.authorizeData } : {}) });
  // Asked at request time (the factory exists by then): can instances run network-isolated here?
  const instanceIsolation = () => factory.networkIsolation();
  const configs = new EndpointConfigService({ store, clock, partition, maxInstancesPerVariant: MAX_INSTANCES_PER_VARIANT, instanceIsolation });
  const metrics = new MetricsRegistry();
  let controller: EndpointController | undefined;
  const instancesOf = (endpoint: string, variant?: string) => {
    const live = controller?.get(endpoint);
    if (!live) return 0;
    return [...live.blue.fleets.values()].filter((f) => !variant || f.variantName === variant).reduce((n, f) => n + f.healthyCount(), 0);
  };
  const servingSince = (endpoint: string, variant?: string) => {
    const fleets = [...(controller?.get(endpoint)?.blue.fleets.values() ?? [])].filter((f) => !variant || f.variantName === variant);
    return fleets.length === 0 ? undefined : Math.min(...fleets.map((f) => f.servingSinceMs));
  };
  const evaluator = new AlarmEvaluator(metrics, instancesOf, { servingSince });
  const endpoints = new EndpointService({ store, clock, partition, configs, deployer: () => controller as EndpointController, maxInstancesPerVariant: MAX_INSTANCES_PER_VARIANT, instanceIsolation, ...(o.authorize ? { authorize: o.authorize } : {}) });
  const alarms = new AlarmService({ store, clock, partition, states: () => evaluator, ...(o.authorize ? { authorize: o.authorize } : {}) });
  const scaling = new ScalingService({
    store, clock, partition, endpoints: endpoints.endpoints, maxInstancesPerVariant: MAX_INSTANCES_PER_VARIANT, ...(o.authorize ? { authorize: o.authorize } : {}),
    ...(o.autoscalePeriodSeconds !== undefined ? { alarmPeriodSeconds: o.autoscalePeriodSeconds } : {}),
  });
  const logs = new EndpointLogs({ dir: join(o.config.dataDir, 'endpoint-logs'), store, logger: log });
  const factory = new InstanceFactory({
    artifacts: o.artifacts, launcher, workDir: join(o.config.executor.workDir, 'endpoints'), python: o.config.images.python,
    builtinServing: o.builtinServing ?? 'in-process', logger: log, logs,
  });
  factory.sweep();
  controller = new EndpointController({
    endpoints: endpoints.endpoints, configs, models, factory, artifacts: o.artifacts, metrics, alarms: evaluator, logger: log, onDeleted: (name) => logs.remove(name),
    instanceId: (name, variant) => logs.instanceId(name, variant),
    ...(o.startupTimeoutSeconds !== undefined ? { startupTimeoutSeconds: o.startupTimeoutSeconds } : {}),
  });
  const ctl = controller;
  const router = new EndpointRouter({ partition, live: (n) => ctl.get(n), metrics, onUnreachable: (ep, i) => ctl.unreachable(ep, i) });
  const autoscaler = new Autoscaler({
    controller: ctl, evaluator, alarm: (name) => alarms.get(name), policies: () => scaling.all(), logger: log,
    onScaled: async (ep, action) => {
      await scaling.recordActivity(action);
      const live = ctl.get(ep);
      if (live) await endpoints.endpoints.patch(ep, (r) => ({ ...r, variants: r.variants.map((v) => ({ ...v, CurrentInstanceCount: live.blue.fleets.get(v.VariantName)?.healthyCount() ?? 0, DesiredInstanceCount: live.blue.fleets.get(v.VariantName)?.desiredCount ?? 0 })) }));
    },
    ...(o.autoscaleIntervalMs !== undefined ? { intervalMs: o.autoscaleIntervalMs } : {}),
  });
  const base = `arn:loam:sagemaker:${partition.region}:${partition.accountId}:`;
  o.tags.registerResolver(`${base}model/`, models.exists);
  o.tags.registerResolver(`${base}endpoint-config/`, configs.exists);
  o.tags.registerResolver(`${base}endpoint/`, endpoints.exists);

  // Alarms are few: re-read them every 2 s, evaluate every second (so DescribeAlarms shows live state).
  let alarmTimer: NodeJS.Timeout | undefined;
  let ticks = 0;
  const alarmFailures = new LoopFailureLog(log, 'alarm evaluation failed');
  const alarmLoop = () => {
    alarmTimer = setTimeout(async () => {
      try {
        const reads = ticks++ % 2 === 0;
        if (reads) evaluator.setAlarms(await alarms.list());
        evaluator.evaluateAll();
        // Only a pass that read the store says it answers again.
        if (reads) alarmFailures.succeeded();
      } catch (e) {
        alarmFailures.failed(e);
      }
      if (alarmTimer) alarmLoop();
    }, 1000);
    alarmTimer.unref();
  };
  alarmLoop();
  ctl.startHealthChecks();
  autoscaler.start();
  const metricsService = new EndpointMetricsService({ metrics, endpoints: endpoints.endpoints, controller: ctl });
  // CloudWatch's metric reads: ended minutes go to the store every 15 s (ADR 0011).
  const history = new MetricHistory({ store, metrics, instancesOf, logger: log });
  const historyTimer = setInterval(() => void history.flush(), 15_000);
  historyTimer.unref();
  const metricData = new MetricDataService({ history, metrics, store });
  return {
    models, configs, endpoints, alarms, scaling, controller: ctl, router, metrics, evaluator, autoscaler, logGroups: logs.groups,
    services: [models, configs, endpoints, alarms, scaling, metricsService, metricData, router],
    async start() {
      // Alarms' windows reaching back before this start read the minutes an earlier run stored.
      evaluator.loadStored(await storedMinutesBefore(store, Date.now() / 1000, 3660));
      const orphans = await scaling.removeOrphans();
      if (orphans.length > 0) log.info({ resourceIds: orphans }, 'removed scalable targets of deleted endpoints');
      const reconciled = await scaling.reconcileAlarms();
      if (reconciled.created.length + reconciled.deleted.length > 0) log.info(reconciled, "reconciled target-tracking policies' alarms");
      evaluator.setAlarms(await alarms.list());
      const swept = await logs.sweep();
      if (swept.length > 0) log.info({ endpoints: swept }, 'removed the logs of deleted endpoints');
      const page = await store.collection(endpointsCollection).list({ maxResults: 1000 });
      await ctl.reconcile(page.items.map((i) => i.value));
    },
    async close() {
      if (alarmTimer) clearTimeout(alarmTimer);
      alarmTimer = undefined;
      autoscaler.stop();
      clearInterval(historyTimer);
      await history.flush(true);
      await ctl.close();
      await launcher.close();
    },
  };
}

/**
 * `GET /metrics` (Prometheus) for the app: a bearer token's caller sees the endpoints it may
 * `sagemaker:DescribeEndpoint` (`authorize`, the caller's policies).
 */
export function registerEndpointRoutes(app: FastifyInstance, cap: EndpointsCapability, authenticateToken: (token: string) => Promise<Principal>, authorize: ActionAuthorizer, partition: Partition): void {
  registerPrometheusRoute(app, {
    mayRead: (p, endpoint) => isAllowed(authorize, p, 'sagemaker:DescribeEndpoint', resourceArn(partition, 'endpoint', endpoint)),
    metrics: cap.metrics,
    instances: (e, v) => cap.controller.get(e)?.blue.fleets.get(v)?.healthyCount() ?? 0,
    authenticate: async (h) => {
      const m = /^Bearer\s+(\S+)$/i.exec(h ?? '');
      if (!m) throw new Error('no token');
      return authenticateToken(m[1] as string);
    },
  });
}
