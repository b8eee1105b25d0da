import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import type { RequestContext } from '../kernel/context.js';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { AccessDeniedError, isLoamError, NotFoundError, ResourceInUseError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { clampMaxResults } from '../kernel/pagination.js';
import type { Filter, MetadataStore } from '../ports/metadata-store.js';
import { validateTags } from '../tags/tag-rules.js';
import { modelsCollection } from '../models/model.collections.js';
import type { EndpointDeployer } from './endpoint-deployer.js';
import { EndpointStore } from './endpoint-store.js';
import { scalableTargetsOf } from './scaling.service.js';
import { deleteTargetAlarms } from './target-tracking-alarms.js';
import { alarmsCollection, endpointsCollection, scalingCollection, type DeploymentConfigInput, type EndpointConfigRecord, type EndpointRecord, type VariantSummary } from './endpoint.collections.js';
import type { EndpointConfigService } from './endpoint-config.service.js';
import { checkIsolationServable, validateDeploymentConfig, type InstanceIsolation } from './deployment-rules.js';

type Ops = typeof operations;

export interface EndpointServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly configs: EndpointConfigService;
  readonly deployer: () => EndpointDeployer;
  readonly maxInstancesPerVariant: number;
  /** Whether endpoint instances can run network-isolated here (the instance launcher's answer). */
  readonly instanceIsolation?: () => InstanceIsolation;
  /**
   * The caller's policies: deleting an endpoint deregisters its scalable targets, which needs
   * `application-autoscaling:DeregisterScalableTarget` on it (as SageMaker's DeleteEndpoint does).
   */
  readonly authorize?: ActionAuthorizer;
}

/** The variant summaries of a config before any instance runs. */
export function plannedVariants(config: EndpointConfigRecord, status: 'Creating' | 'Updating'): VariantSummary[] {
  return config.request.ProductionVariants.map((v) => ({
    VariantName: v.VariantName,
    CurrentWeight: 0,
    DesiredWeight: v.InitialVariantWeight ?? 1,
    CurrentInstanceCount: 0,
    DesiredInstanceCount: v.InitialInstanceCount ?? 1,
    VariantStatus: [{ Status: status }],
  }));
}

/** CreateEndpoint, DescribeEndpoint, ListEndpoints, UpdateEndpoint, UpdateEndpointWeightsAndCapacities, DeleteEndpoint. */
export class EndpointService {
  readonly endpoints: EndpointStore;

  constructor(private readonly o: EndpointServiceOptions) {
    this.endpoints = new EndpointStore(o.store, o.clock);
  }

  private now(): number {
    return this.o.clock.now() / 1000;
  }

  private async checkModels(config: EndpointConfigRecord): Promise<void> {
    for (const v of config.request.ProductionVariants) {
      const model = (await this.o.store.collection(modelsCollection).get((v.ModelName ?? '').toLowerCase()))?.value;
      if (!model) {
        throw new ValidationError(`Could not find model '${v.ModelName}' named by variant '${v.VariantName}' of endpoint config '${config.name}'.`, [{ path: '/EndpointConfigName', message: 'config names a missing model' }]);
      }
      // Checked again here: the model may have been deleted and created anew since the config was.
      checkIsolationServable(model, v.VariantName, config.request['EnableNetworkIsolation'] === true, '/EndpointConfigName', this.o.instanceIsolation?.());
    }
  }

  /**
   * Every alarm AutoRollbackConfiguration names must exist (PutMetricAlarm): an unknown name would
   * never go to ALARM, so a deployment meant to roll back on it would quietly have no rollback.
   * @throws ValidationException naming the alarm.
   */
  private async checkAlarms(d: DeploymentConfigInput | undefined, path: string): Promise<void> {
    for (const [i, a] of (d?.AutoRollbackConfiguration?.Alarms ?? []).entries()) {
      if (!(await this.o.store.collection(alarmsCollection).get(a.AlarmName))) {
        throw new ValidationError(`AutoRollbackConfiguration names alarm '${a.AlarmName}', which does not exist: create it with PutMetricAlarm first.`, [{ path: `${path}/AutoRollbackConfiguration/Alarms/${i}/AlarmName`, message: 'no such alarm' }]);
      }
    }
  }

  private async config(name: string): Promise<EndpointConfigRecord> {
    try {
      return await this.o.configs.get(name);
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceNotFound') throw new ValidationError(`Could not find endpoint configuration '${name}'.`, [{ path: '/EndpointConfigName', message: 'no such endpoint config' }]);
      throw e;
    }
  }

  /** @throws ValidationException (missing config or model), ResourceInUse. */
  async CreateEndpoint(input: InputOf<Ops['CreateEndpoint']>, _ctx: RequestContext): Promise<OutputOf<Ops['CreateEndpoint']>> {
    if (input.Tags) validateTags(input.Tags);
    const config = await this.config(input.EndpointConfigName);
    await this.checkModels(config);
    if (input.DeploymentConfig) validateDeploymentConfig(input.DeploymentConfig);
    await this.checkAlarms(input.DeploymentConfig, '/DeploymentConfig');
    const arn = resourceArn(this.o.partition, 'endpoint', input.EndpointName);
    const now = this.now();
    const record: EndpointRecord = {
      key: input.EndpointName.toLowerCase(), name: input.EndpointName, arn, status: 'Creating', configName: config.name,
      creationTime: now, lastModifiedTime: now, variants: plannedVariants(config, 'Creating'),
      ...(config.request.DataCaptureConfig ? { dataCapture: config.request.DataCaptureConfig } : {}),
      ...(input.DeploymentConfig ? { lastDeploymentConfig: input.DeploymentConfig } : {}),
    };
    try {
      await this.o.store.transaction(async (tx) => {
        await tx.collection(endpointsCollection).insert(record);
        if (input.Tags?.length) await tx.tags.put(arn, input.Tags);
      });
    } catch (e) {
      if (isLoamError(e) && e.code === 'ResourceInUse') throw new ResourceInUseError(`Cannot create already existing endpoint "${arn}".`);
      throw e;
    }
    this.o.deployer().create(input.EndpointName);
    return { EndpointArn: arn };
  }

  async DescribeEndpoint(input: InputOf<Ops['DescribeEndpoint']>, _ctx: RequestContext): Promise<OutputOf<Ops['DescribeEndpoint']>> {
    return describeEndpoint(await this.endpoints.require(input.EndpointName));
  }

  async ListEndpoints(input: InputOf<Ops['ListEndpoints']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListEndpoints']>> {
    const filters: Filter<EndpointRecord>[] = [];
    if (input.NameContains) filters.push({ field: 'name', op: 'contains', value: input.NameContains });
    if (input.StatusEquals) filters.push({ field: 'status', op: 'eq', value: input.StatusEquals });
    if (input.CreationTimeAfter !== undefined) filters.push({ field: 'creationTime', op: 'gt', value: input.CreationTimeAfter });
    if (input.CreationTimeBefore !== undefined) filters.push({ field: 'creationTime', op: 'lt', value: input.CreationTimeBefore });
    if (input.LastModifiedTimeAfter !== undefined) filters.push({ field: 'lastModifiedTime', op: 'gt', value: input.LastModifiedTimeAfter });
    if (input.LastModifiedTimeBefore !== undefined) filters.push({ field: 'lastModifiedTime', op: 'lt', value: input.LastModifiedTimeBefore });
    const sortBy = input.SortBy === 'Name' ? 'name' : input.SortBy === 'Status' ? 'status' : 'creationTime';
    const page = await this.o.store.collection(endpointsCollection).list({
      filters, sortBy, sortOrder: input.SortOrder ?? 'Descending', maxResults: clampMaxResults(input.MaxResults, 10), ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    });
    return {
      Endpoints: page.items.map(({ value: r }) => ({ EndpointName: r.name, EndpointArn: r.arn, CreationTime: r.creationTime, LastModifiedTime: r.lastModifiedTime, EndpointStatus: r.status })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  private notInService(r: EndpointRecord, what: string): ValidationError {
    // SageMaker: "DeleteEndpoint is the only operation that can be performed on a failed endpoint";
    // it never becomes InService again, so waiting is no advice.
    const advice = r.status === 'Failed'
      ? 'a Failed endpoint takes only DeleteEndpoint: delete it and create it again (DescribeEndpoint gives the FailureReason).'
      : 'wait until it is InService.';
    return new ValidationError(`Cannot ${what} endpoint '${r.name}' while it is ${r.status}; ${advice}`, [{ path: '/EndpointName', message: `endpoint is ${r.status}` }]);
  }

  /** @throws ResourceNotFound, ValidationException (not InService, missing config, bad DeploymentConfig). */
  async UpdateEndpoint(input: InputOf<Ops['UpdateEndpoint']>, _ctx: RequestContext): Promise<OutputOf<Ops['UpdateEndpoint']>> {
    const current = await this.endpoints.require(input.EndpointName);
    const config = await this.config(input.EndpointConfigName);
    await this.checkModels(config);
    if (input.DeploymentConfig) validateDeploymentConfig(input.DeploymentConfig);
    if (input.RetainDeploymentConfig && input.DeploymentConfig) {
      throw new ValidationError('Set either DeploymentConfig or RetainDeploymentConfig, not both.', [{ path: '/RetainDeploymentConfig', message: 'conflicts with DeploymentConfig' }]);
    }
    const deploymentConfig = input.DeploymentConfig ?? (input.RetainDeploymentConfig ? current.lastDeploymentConfig : undefined);
    const retained = new Set((input.ExcludeRetainedVariantProperties ?? []).map((p) => p.VariantPropertyType));
    let variants = plannedVariants(config, 'Updating');
    if (input.RetainAllVariantProperties) {
      variants = variants.map((v) => {
        const old = current.variants.find((c) => c.VariantName === v.VariantName);
        if (!old) return v;
        return {
          ...v,
          ...(retained.has('DesiredWeight') ? {} : { DesiredWeight: old.DesiredWeight ?? v.DesiredWeight }),
          ...(retained.has('DesiredInstanceCount') ? {} : { DesiredInstanceCount: old.DesiredInstanceCount ?? v.DesiredInstanceCount }),
        } as VariantSummary;
      });
    }
    if (deploymentConfig) validateDeploymentConfig(deploymentConfig, variants.reduce((n, v) => n + (v.DesiredInstanceCount ?? 1), 0));
    await this.checkAlarms(deploymentConfig, input.DeploymentConfig ? '/DeploymentConfig' : '/RetainDeploymentConfig');
    const keepCapture = input.RetainAllVariantProperties && !retained.has('DataCaptureConfig');
    const dataCapture = keepCapture ? current.dataCapture : config.request.DataCaptureConfig;
    await this.endpoints.patch(input.EndpointName, (r) => {
      if (r.status !== 'InService') throw this.notInService(r, 'update');
      const { dataCapture: _d, ...rest } = r;
      return {
        ...rest, status: 'Updating', lastModifiedTime: this.now(),
        pending: { configName: config.name, startTime: this.now(), variants, ...(deploymentConfig ? { deploymentConfig } : {}) },
        ...(deploymentConfig ? { lastDeploymentConfig: deploymentConfig } : {}),
        ...(dataCapture ? { dataCapture } : {}),
      };
    });
    this.o.deployer().update(input.EndpointName);
    return { EndpointArn: current.arn };
  }

  /** @throws ResourceNotFound, ValidationException (not InService, unknown variant, too many instances). */
  async UpdateEndpointWeightsAndCapacities(input: InputOf<Ops['UpdateEndpointWeightsAndCapacities']>, _ctx: RequestContext): Promise<OutputOf<Ops['UpdateEndpointWeightsAndCapacities']>> {
    const current = await this.endpoints.require(input.EndpointName);
    const named = new Set<string>();
    for (const [i, d] of input.DesiredWeightsAndCapacities.entries()) {
      const at = `/DesiredWeightsAndCapacities/${i}`;
      if (named.has(d.VariantName)) throw new ValidationError(`Variant '${d.VariantName}' appears twice in DesiredWeightsAndCapacities.`, [{ path: `${at}/VariantName`, message: 'duplicate' }]);
      named.add(d.VariantName);
      if (!current.variants.some((v) => v.VariantName === d.VariantName)) {
        throw new ValidationError(`Endpoint '${current.name}' has no variant '${d.VariantName}' (variants: ${current.variants.map((v) => v.VariantName).join(', ')}).`, [{ path: `${at}/VariantName`, message: 'no such variant' }]);
      }
      if (d.DesiredWeight === undefined && d.DesiredInstanceCount === undefined) {
        throw new ValidationError(`Give DesiredWeight or DesiredInstanceCount for variant '${d.VariantName}'.`, [{ path: at, message: 'nothing to change' }]);
      }
      if (d.DesiredInstanceCount === 0) {
        // SageMaker scales to zero only endpoints that host inference components, which Loam does not serve;
        // a variant without instances would keep its weight and leave its share of invocations waiting.
        throw new ValidationError(`Variant '${d.VariantName}' cannot scale to 0 instances: only endpoints with inference components scale to zero. Give DesiredInstanceCount 1 or more, or DesiredWeight 0 to take it out of traffic.`, [{ path: `${at}/DesiredInstanceCount`, message: 'at least 1' }]);
      }
      if ((d.DesiredInstanceCount ?? 1) > this.o.maxInstancesPerVariant) {
        throw new ValidationError(`Variant '${d.VariantName}' asks for ${d.DesiredInstanceCount} instances; this server runs at most ${this.o.maxInstancesPerVariant} per variant.`, [{ path: `${at}/DesiredInstanceCount`, message: `at most ${this.o.maxInstancesPerVariant}` }]);
      }
    }
    await this.endpoints.patch(input.EndpointName, (r) => {
      if (r.status !== 'InService') throw this.notInService(r, 'update weights and capacities of');
      // DescribeEndpoint shows the requested values as DesiredWeight / DesiredInstanceCount while the change is applied.
      const variants = r.variants.map((v) => {
        const d = input.DesiredWeightsAndCapacities.find((x) => x.VariantName === v.VariantName);
        if (!d) return v;
        return {
          ...v, ...(d.DesiredWeight !== undefined ? { DesiredWeight: d.DesiredWeight } : {}),
          ...(d.DesiredInstanceCount !== undefined ? { DesiredInstanceCount: d.DesiredInstanceCount } : {}), VariantStatus: [{ Status: 'Updating' as const, StartTime: this.now() }],
        };
      });
      return { ...r, status: 'Updating', lastModifiedTime: this.now(), variants, desired: input.DesiredWeightsAndCapacities };
    });
    this.o.deployer().applyWeightsAndCapacities(input.EndpointName);
    return { EndpointArn: current.arn };
  }

  /** @throws ResourceNotFound. */
  /**
   * Marks the endpoint Deleting, deregisters its scalable targets (with their policies) and has the
   * deployer drain it. A target left behind would scale the next endpoint created under the same
   * name, whoever created it; SageMaker deregisters them too, when the caller may.
   * @throws ResourceNotFound; AccessDeniedException when the endpoint has scalable targets and the
   * caller may not `application-autoscaling:DeregisterScalableTarget` on it (nothing is changed).
   */
  async DeleteEndpoint(input: InputOf<Ops['DeleteEndpoint']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteEndpoint']>> {
    const before = await this.endpoints.require(input.EndpointName);
    // Refused before anything changes when the endpoint already has targets (the common case).
    let checked = false;
    const targetsBefore = await scalableTargetsOf(this.o.store, input.EndpointName);
    if (targetsBefore.length > 0) {
      await this.checkDeregister(input.EndpointName, targetsBefore, ctx);
      checked = true;
    }
    const r = await this.endpoints.patch(input.EndpointName, (e) => ({ ...e, status: 'Deleting', lastModifiedTime: this.now() }));
    if (!r) throw new NotFoundError('Endpoint', input.EndpointName);
    // The targets deleted are read once Deleting (RegisterScalableTarget refuses a Deleting endpoint and
    // removes a target it added as the endpoint became Deleting), and are authorized on this same read:
    // a target registered since the first read is not deleted unchecked.
    const targets = await scalableTargetsOf(this.o.store, input.EndpointName);
    if (targets.length > 0 && !checked) {
      try {
        await this.checkDeregister(input.EndpointName, targets, ctx);
      } catch (e) {
        await this.endpoints.patch(input.EndpointName, (cur) => (cur.status === 'Deleting' ? { ...cur, status: before.status, lastModifiedTime: before.lastModifiedTime } : cur));
        throw e;
      }
    }
    for (const t of targets) await this.o.store.collection(scalingCollection).delete(t.key);
    await deleteTargetAlarms(this.o.store, targets);
    await this.o.store.tags.clear(r.arn);
    this.o.deployer().delete(input.EndpointName);
    return {};
  }

  /** @throws AccessDeniedException naming the targets, unless the caller may deregister the endpoint's targets. */
  private async checkDeregister(endpointName: string, targets: readonly { resourceId: string }[], ctx: RequestContext): Promise<void> {
    if (!this.o.authorize) return;
    try {
      await this.o.authorize(ctx.principal, 'application-autoscaling:DeregisterScalableTarget', resourceArn(this.o.partition, 'endpoint', endpointName));
    } catch (e) {
      if ((e as { code?: string }).code !== 'AccessDeniedException') throw e;
      throw new AccessDeniedError(`${(e as Error).message} Endpoint '${endpointName}' has scalable targets (${targets.map((t) => t.resourceId).join(', ')}) that deleting it deregisters: get that permission, or have them deregistered first.`);
    }
  }

  exists = async (arn: string): Promise<boolean> => (await this.o.store.collection(endpointsCollection).findOne('arn', arn)) !== undefined;
}

/** The DescribeEndpoint answer for a record. */
export function describeEndpoint(r: EndpointRecord): OutputOf<Ops['DescribeEndpoint']> {
  const dc = r.dataCapture;
  return {
    EndpointName: r.name, EndpointArn: r.arn, EndpointConfigName: r.configName, ProductionVariants: [...r.variants], EndpointStatus: r.status,
    CreationTime: r.creationTime, LastModifiedTime: r.lastModifiedTime,
    ...(r.failureReason ? { FailureReason: r.failureReason } : {}),
    ...(r.lastDeploymentConfig ? { LastDeploymentConfig: r.lastDeploymentConfig } : {}),
    ...(r.pending ? { PendingDeploymentSummary: { EndpointConfigName: r.pending.configName, ProductionVariants: [...r.pending.variants], StartTime: r.pending.startTime } } : {}),
    ...(dc ? {
      DataCaptureConfig: {
        // Stopped also while capture cannot write: SageMaker's "whether data capture is currently functional".
        EnableCapture: dc.EnableCapture !== false, CaptureStatus: dc.EnableCapture === false || r.captureFailure !== undefined ? 'Stopped' : 'Started',
        CurrentSamplingPercentage: dc.InitialSamplingPercentage, DestinationS3Uri: dc.DestinationS3Uri, ...(dc.KmsKeyId ? { KmsKeyId: dc.KmsKeyId } : {}),
      },
    } : {}),
  };
}
