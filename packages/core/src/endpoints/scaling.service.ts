import { randomUUID } from 'node:crypto';
import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { AccessDeniedError, isLoamError, LimitExceededError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { ALARM_PUT_LOCK, DEFAULT_MAX_ALARMS } from './alarm.service.js';
import { alarmsCollection, scalingCollection, type PolicyAlarm, type ScalingRecord } from './endpoint.collections.js';
import type { EndpointStore } from './endpoint-store.js';
import { scalingActivitiesCollection, type ScalingAction } from './scaling-activities.js';
import { deletePolicyAlarms, deleteTargetAlarms, policyAlarmRecords } from './target-tracking-alarms.js';

type Ops = typeof operations;

export interface ScalingServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly endpoints: EndpointStore;
  readonly maxInstancesPerVariant: number;
  /**
   * The caller's policies: a Describe without a ResourceId (authorized on `endpoint/*`) lists only the
   * endpoints the caller may describe scaling of one by one.
   */
  readonly authorize?: (principal: Principal, action: string, resource: string) => Promise<void>;
  /** Seconds per datapoint of target-tracking alarms: 60 (Application Auto Scaling's); tests shorten it. */
  readonly alarmPeriodSeconds?: number;
  /** The server's limit on alarms (PutMetricAlarm's and policies' together): AlarmService's maxAlarms. */
  readonly maxAlarms?: number;
}

const NAMESPACE = 'sagemaker';
/**
 * How long a policy's new alarms may go unnamed: PutScalingPolicy stores them, then the policy naming
 * them, a moment apart; a reconciliation leaves younger unnamed alarms alone (the next start removes them).
 */
export const IN_FLIGHT_SECONDS = 60;
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount';

/**
 * The scalable targets registered on an endpoint's variants (endpoint names are case-insensitive, as
 * SageMaker's; a ResourceId keeps the spelling it was registered with).
 */
export async function scalableTargetsOf(store: MetadataStore, endpointName: string): Promise<ScalingRecord[]> {
  const name = endpointName.toLowerCase();
  const out: ScalingRecord[] = [];
  for (let token: string | undefined; ;) {
    const p = await store.collection(scalingCollection).list({ maxResults: 1000, ...(token ? { nextToken: token } : {}) });
    out.push(...p.items.map((i) => i.value).filter((r) => r.endpointName.toLowerCase() === name));
    if (!p.nextToken) return out;
    token = p.nextToken;
  }
}

function beingDeleted(endpointName: string): ValidationError {
  return new ValidationError(`Endpoint '${endpointName}' is being deleted; register a scalable target on it once it is created again.`, [{ path: '/ResourceId', message: 'endpoint is being deleted' }]);
}

function parseResourceId(id: string): { endpointName: string; variantName: string } {
  const [, endpointName, , variantName] = id.split('/') as [string, string, string, string];
  return { endpointName, variantName };
}

/** Application Auto Scaling's paging over an in-memory list: NextToken is the offset of the next page. */
function page<T>(items: readonly T[], input: { MaxResults?: number; NextToken?: string }): { items: T[]; NextToken?: string } {
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (input.NextToken !== undefined && !/^(0|[1-9]\d{0,8})$/.test(input.NextToken)) {
    throw new ValidationError(`NextToken '${input.NextToken}' is not one this operation returned.`, [{ path: '/NextToken', message: 'invalid' }]);
  }
  const size = input.MaxResults ?? 50;
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, NextToken: String(start + size) } : { items: slice };
}

/**
 * Application Auto Scaling for endpoint variants: scalable targets, target-tracking policies on invocations
 * per instance, and the record of each scaling action the autoscaler takes (DescribeScalingActivities).
 */
export class ScalingService {
  constructor(private readonly o: ScalingServiceOptions) {}

  /** The service-linked role Application Auto Scaling uses for SageMaker (whatever RoleARN the caller sent). */
  private get roleArn(): string {
    return `arn:loam:iam::${this.o.partition.accountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`;
  }

  /**
   * Registers a target, or updates the capacities given of one already registered.
   * @throws ResourceNotFound (endpoint or variant), ValidationException (Min > Max, above this server's limit, a capacity missing on first registration).
   */
  async RegisterScalableTarget(input: InputOf<Ops['RegisterScalableTarget']>, _ctx: RequestContext): Promise<OutputOf<Ops['RegisterScalableTarget']>> {
    const { endpointName, variantName } = parseResourceId(input.ResourceId);
    const ep = await this.o.endpoints.require(endpointName);
    // DeleteEndpoint deregisters an endpoint's targets; one registered while it is being deleted would
    // outlive it and scale whatever endpoint is created next under the same name.
    if (ep.status === 'Deleting') throw beingDeleted(ep.name);
    if (!ep.variants.some((v) => v.VariantName === variantName)) throw new NotFoundError('Variant', `${endpointName}/${variantName}`);
    const c = this.o.store.collection(scalingCollection);
    const key = input.ResourceId.toLowerCase();
    const cur = await c.get(key);
    const min = input.MinCapacity ?? cur?.value.minCapacity;
    const max = input.MaxCapacity ?? cur?.value.maxCapacity;
    if (min === undefined || max === undefined) {
      const missing = min === undefined ? 'MinCapacity' : 'MaxCapacity';
      throw new ValidationError(`${missing} is required to register the new scalable target '${input.ResourceId}'.`, [{ path: `/${missing}`, message: 'required for a new scalable target' }]);
    }
    if (min < 1) {
      // SageMaker scales to zero only endpoints that host inference components, which Loam does not serve; a
      // variant scaled to 0 instances kept its weight, and its share of invocations waited for an instance.
      throw new ValidationError(`MinCapacity ${min}: an endpoint variant keeps at least 1 instance (only endpoints with inference components scale to zero).`, [{ path: '/MinCapacity', message: 'at least 1' }]);
    }
    if (min > max) throw new ValidationError(`MinCapacity ${min} is above MaxCapacity ${max}.`, [{ path: '/MinCapacity', message: 'must be ≤ MaxCapacity' }]);
    if (max > this.o.maxInstancesPerVariant) {
      throw new ValidationError(`MaxCapacity ${max} is above this server's ${this.o.maxInstancesPerVariant} instances per variant.`, [{ path: '/MaxCapacity', message: `at most ${this.o.maxInstancesPerVariant}` }]);
    }
    const record: ScalingRecord = {
      key, resourceId: input.ResourceId, endpointName, variantName, minCapacity: min, maxCapacity: max,
      creationTime: cur?.value.creationTime ?? this.o.clock.now() / 1000, policies: cur?.value.policies ?? [],
    };
    if (cur) await c.update(key, cur.version, record);
    else {
      await c.insert(record);
      // DeleteEndpoint marks the endpoint Deleting, then reads its targets to delete them: a target
      // inserted after that read (its endpoint checked above, before the mark) would outlive it.
      const now = await this.o.endpoints.get(endpointName);
      if (now !== undefined && now.status !== 'Deleting' && now.creationTime === ep.creationTime) return {};
      await c.delete(key);
      throw beingDeleted(ep.name);
    }
    return {};
  }

  async DescribeScalableTargets(input: InputOf<Ops['DescribeScalableTargets']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeScalableTargets']>> {
    const wanted = input.ResourceIds?.map((r) => r.toLowerCase());
    const all = await this.visible((await this.all()).filter((r) => !wanted || wanted.includes(r.key)), 'application-autoscaling:DescribeScalableTargets', ctx, false);
    const p = page(all.sort((a, b) => a.creationTime - b.creationTime || a.key.localeCompare(b.key)), input);
    return {
      ScalableTargets: p.items.map((r) => ({
        ServiceNamespace: NAMESPACE, ResourceId: r.resourceId, ScalableDimension: DIMENSION, MinCapacity: r.minCapacity, MaxCapacity: r.maxCapacity, RoleARN: this.roleArn, CreationTime: r.creationTime,
      })),
      ...(p.NextToken ? { NextToken: p.NextToken } : {}),
    };
  }

  /** Deletes the target and its policies; the variant keeps the instance count it has. @throws ResourceNotFound */
  async DeregisterScalableTarget(input: InputOf<Ops['DeregisterScalableTarget']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeregisterScalableTarget']>> {
    const c = this.o.store.collection(scalingCollection);
    const cur = await c.get(input.ResourceId.toLowerCase());
    if (!cur || !(await c.delete(cur.value.key, cur.version))) throw this.noTarget(input.ResourceId);
    await deleteTargetAlarms(this.o.store, [cur.value]);
    return {};
  }

  /**
   * Adds or replaces a target-tracking policy and creates its CloudWatch alarms (a replaced policy's
   * alarms are deleted and new ones created, as Application Auto Scaling does).
   * @throws ResourceNotFound when the variant has no scalable target yet; ResourceLimitExceeded
   * (Application Auto Scaling's LimitExceededException) when its alarms would pass the server's limit.
   */
  async PutScalingPolicy(input: InputOf<Ops['PutScalingPolicy']>, _ctx: RequestContext): Promise<OutputOf<Ops['PutScalingPolicy']>> {
    const c = this.o.store.collection(scalingCollection);
    const cur = await c.get(input.ResourceId.toLowerCase());
    if (!cur) throw this.noTarget(input.ResourceId);
    const t = input.TargetTrackingScalingPolicyConfiguration;
    const arn = `arn:loam:autoscaling:${this.o.partition.region}:${this.o.partition.accountId}:scalingPolicy:${input.ResourceId}:policyName/${input.PolicyName}`;
    const base = {
      name: input.PolicyName, arn, targetValue: t.TargetValue, scaleOutCooldown: t.ScaleOutCooldown ?? 300, scaleInCooldown: t.ScaleInCooldown ?? 300,
      disableScaleIn: t.DisableScaleIn === true, creationTime: this.o.clock.now() / 1000,
    };
    // A replaced policy's alarms are deleted once the new policy is written: they do not count against it.
    const { alarms, insert } = await this.alarmsFor(cur.value, base, cur.value.policies.find((p) => p.name === input.PolicyName)?.alarms?.length ?? 0);
    const policy = { ...base, alarms };
    // The alarms exist before the policy names them; if the policy cannot be written they are removed.
    await insert();
    try {
      await c.update(cur.value.key, cur.version, { ...cur.value, policies: [...cur.value.policies.filter((p) => p.name !== input.PolicyName), policy] });
    } catch (e) {
      await deletePolicyAlarms(this.o.store, alarms);
      throw e;
    }
    await deletePolicyAlarms(this.o.store, cur.value.policies.find((p) => p.name === input.PolicyName)?.alarms);
    return { PolicyARN: arn, Alarms: alarms.map((a) => ({ AlarmName: a.name, AlarmARN: a.arn })) };
  }

  /** Removes a policy and its alarms. @throws ResourceNotFound */
  async DeleteScalingPolicy(input: InputOf<Ops['DeleteScalingPolicy']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteScalingPolicy']>> {
    const c = this.o.store.collection(scalingCollection);
    const cur = await c.get(input.ResourceId.toLowerCase());
    const gone = cur?.value.policies.find((p) => p.name === input.PolicyName);
    if (!cur || !gone) {
      throw new NotFoundError('Scaling policy', `${input.ResourceId}/${input.PolicyName}`);
    }
    await c.update(cur.value.key, cur.version, { ...cur.value, policies: cur.value.policies.filter((p) => p.name !== input.PolicyName) });
    await deletePolicyAlarms(this.o.store, gone.alarms);
    return {};
  }

  async DescribeScalingPolicies(input: InputOf<Ops['DescribeScalingPolicies']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeScalingPolicies']>> {
    const all = await this.visible((await this.all()).filter((r) => !input.ResourceId || r.key === input.ResourceId.toLowerCase()), 'application-autoscaling:DescribeScalingPolicies', ctx, input.ResourceId !== undefined);
    const policies = all
      .flatMap((r) => r.policies.filter((p) => !input.PolicyNames || input.PolicyNames.includes(p.name)).map((p) => ({ r, p })))
      .sort((a, b) => a.p.creationTime - b.p.creationTime || a.r.key.localeCompare(b.r.key) || a.p.name.localeCompare(b.p.name));
    const pg = page(policies, input);
    return {
      ScalableTargets: all.map((r) => ({ ResourceId: r.resourceId, MinCapacity: r.minCapacity, MaxCapacity: r.maxCapacity, CreationTime: r.creationTime })),
      ScalingPolicies: pg.items.map(({ r, p }) => ({
        PolicyName: p.name, PolicyARN: p.arn, ServiceNamespace: NAMESPACE, ResourceId: r.resourceId, ScalableDimension: DIMENSION, PolicyType: 'TargetTrackingScaling',
        Alarms: (p.alarms ?? []).map((a) => ({ AlarmName: a.name, AlarmARN: a.arn })), CreationTime: p.creationTime,
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: p.targetValue, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          ScaleOutCooldown: p.scaleOutCooldown, ScaleInCooldown: p.scaleInCooldown, DisableScaleIn: p.disableScaleIn,
        },
      })),
      ...(pg.NextToken ? { NextToken: pg.NextToken } : {}),
    };
  }

  /** The autoscaler's record, newest first (kept when the target is deregistered, as Application Auto Scaling keeps it). */
  async DescribeScalingActivities(input: InputOf<Ops['DescribeScalingActivities']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeScalingActivities']>> {
    const c = this.o.store.collection(scalingActivitiesCollection);
    const filters = input.ResourceId ? [{ field: 'targetKey' as const, op: 'eq' as const, value: input.ResourceId.toLowerCase() }] : [];
    const items = [];
    for (let token: string | undefined; ;) {
      const p = await c.list({ filters, sortBy: 'startTime', sortOrder: 'Descending', maxResults: 1000, ...(token ? { nextToken: token } : {}) });
      items.push(...p.items.map((i) => i.value));
      if (!p.nextToken) break;
      token = p.nextToken;
    }
    const names = input.ResourceId ? items : await this.visibleEndpoints(items, 'application-autoscaling:DescribeScalingActivities', ctx);
    const pg = page(names, input);
    return {
      ScalingActivities: pg.items.map((a) => ({
        ActivityId: a.key, ServiceNamespace: NAMESPACE, ResourceId: a.resourceId, ScalableDimension: DIMENSION, Description: a.description, Cause: a.cause,
        StartTime: a.startTime, EndTime: a.endTime, StatusCode: a.statusCode, StatusMessage: a.statusMessage,
      })),
      ...(pg.NextToken ? { NextToken: pg.NextToken } : {}),
    };
  }

  /** Records a scaling action the autoscaler took (or failed to take): what DescribeScalingActivities lists. */
  async recordActivity(a: ScalingAction): Promise<void> {
    const resourceId = `endpoint/${a.endpointName}/variant/${a.variantName}`;
    await this.o.store.collection(scalingActivitiesCollection).insert({
      key: randomUUID(), targetKey: resourceId.toLowerCase(), resourceId, endpointName: a.endpointName,
      startTime: a.startMs / 1000, endTime: a.endMs / 1000,
      description: `Setting desired instance count to ${a.to}.`,
      cause: causeOf(a),
      statusCode: a.error === undefined ? 'Successful' : 'Failed',
      statusMessage: a.error === undefined ? `Successfully set desired instance count to ${a.to}. Change successfully fulfilled by sagemaker.` : `Failed to set desired instance count to ${a.to}: ${a.error}`,
    });
  }

  /**
   * Deletes the targets (and their policies) of endpoints that no longer exist: DeleteEndpoint
   * deregisters them, but targets of endpoints deleted before it did would scale the next endpoint
   * created under the same name, whoever creates it. Run at start. Returns the ResourceIds removed.
   */
  async removeOrphans(): Promise<string[]> {
    const c = this.o.store.collection(scalingCollection);
    const removed: string[] = [];
    for (const r of await this.all()) {
      if (await this.o.endpoints.get(r.endpointName)) continue;
      if (await c.delete(r.key)) {
        await deleteTargetAlarms(this.o.store, [r]);
        removed.push(r.resourceId);
      }
    }
    return removed;
  }

  /**
   * Gives every policy its alarms and removes alarms no policy names. Run at start: policies stored
   * before Loam created alarms get theirs (the autoscaler acts on them), and alarms left by a policy
   * change the server did not finish are deleted. Returns the names of the alarms created and deleted.
   * Another server on the same database (PostgreSQL) may be putting a policy meanwhile: its alarms are
   * stored a moment before the policy names them, so an alarm younger than {@link IN_FLIGHT_SECONDS}
   * is left for the next start; and a target another server changes first is read again.
   */
  async reconcileAlarms(): Promise<{ created: string[]; deleted: string[] }> {
    const c = this.o.store.collection(scalingCollection);
    const created: string[] = [];
    for (const r of await this.all()) {
      if (r.policies.every((p) => p.alarms !== undefined)) continue;
      // Another server may change the target meanwhile (its own reconciliation, a PutScalingPolicy): its
      // record stands, this one's alarms go, and the target is read again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const cur = await c.get(r.key);
        if (!cur || cur.value.policies.every((p) => p.alarms !== undefined)) break;
        const inserts: (() => Promise<void>)[] = [];
        const policies = [];
        const fresh: PolicyAlarm[] = [];
        for (const p of cur.value.policies) {
          if (p.alarms !== undefined) { policies.push(p); continue; }
          const { alarms, insert } = await this.alarmsFor(cur.value, p);
          inserts.push(insert);
          policies.push({ ...p, alarms });
          fresh.push(...alarms);
        }
        try {
          for (const insert of inserts) await insert();
        } catch (e) {
          await deletePolicyAlarms(this.o.store, fresh);
          // At the server's alarm limit: the policies stay without alarms until there is room (next start).
          if (isLoamError(e) && e.code === 'ResourceLimitExceeded') break;
          throw e;
        }
        try {
          await c.update(r.key, cur.version, { ...cur.value, policies });
          created.push(...fresh.map((a) => a.name));
          break;
        } catch (e) {
          await deletePolicyAlarms(this.o.store, fresh);
          if (!isLoamError(e) || e.code !== 'ConflictException') throw e;
        }
      }
    }
    const named = new Set((await this.all()).flatMap((r) => r.policies.flatMap((p) => (p.alarms ?? []).map((a) => a.name))));
    const deleted: string[] = [];
    const alarms = this.o.store.collection(alarmsCollection);
    const settled = this.o.clock.now() / 1000 - IN_FLIGHT_SECONDS;
    for (let token: string | undefined; ;) {
      const p = await alarms.list({ maxResults: 1000, ...(token ? { nextToken: token } : {}) });
      for (const { value: a } of p.items) if (a.managedBy && !named.has(a.name) && a.updatedTime < settled && (await alarms.delete(a.key))) deleted.push(a.name);
      if (!p.nextToken) break;
      token = p.nextToken;
    }
    return { created, deleted };
  }

  /** A policy's alarm records and the function that stores them. */
  private async alarmsFor(target: ScalingRecord, policy: { name: string; arn: string; targetValue: number; disableScaleIn: boolean }, replacing = 0) {
    const ep = await this.o.endpoints.get(target.endpointName);
    const { alarms, records } = policyAlarmRecords({
      partition: this.o.partition, target, endpointName: ep?.name ?? target.endpointName, policy, now: this.o.clock.now() / 1000,
      ...(this.o.alarmPeriodSeconds !== undefined ? { periodSeconds: this.o.alarmPeriodSeconds } : {}),
    });
    // Counted and stored holding PutMetricAlarm's server-wide key: a policy and puts at once cannot each
    // see room for their alarms and together pass the server's limit.
    const max = this.o.maxAlarms ?? DEFAULT_MAX_ALARMS;
    const insert = () => this.o.store.transaction(async (tx) => {
      await tx.lockUntilEnd(ALARM_PUT_LOCK);
      const c = tx.collection(alarmsCollection);
      const stored = await c.count();
      if (stored - replacing + records.length > max) {
        throw new LimitExceededError(`Scaling policy '${policy.name}' on '${target.resourceId}': its ${records.length} alarms would pass this server's limit of ${max} alarms (${stored} stored).`);
      }
      for (const rec of records) await c.insert(rec);
    });
    return { alarms, insert };
  }

  /** Every registered target, page by page. */
  async all(): Promise<ScalingRecord[]> {
    const out: ScalingRecord[] = [];
    for (let token: string | undefined; ;) {
      const p = await this.o.store.collection(scalingCollection).list({ maxResults: 1000, ...(token ? { nextToken: token } : {}) });
      out.push(...p.items.map((i) => i.value));
      if (!p.nextToken) return out;
      token = p.nextToken;
    }
  }

  private noTarget(resourceId: string): NotFoundError {
    return new NotFoundError('Scalable target', resourceId);
  }

  /** Without a single ResourceId the request was authorized on `endpoint/*`: keep what the caller may see endpoint by endpoint. */
  private async visible(records: ScalingRecord[], action: string, ctx: RequestContext, oneResource: boolean): Promise<ScalingRecord[]> {
    return oneResource ? records : this.visibleEndpoints(records, action, ctx);
  }

  private async visibleEndpoints<T extends { readonly endpointName: string }>(records: T[], action: string, ctx: RequestContext): Promise<T[]> {
    const authorize = this.o.authorize;
    if (!authorize) return records;
    // A Deny on one endpoint does not match `endpoint/*`, so each is checked on its own endpoint.
    const may = new Map<string, Promise<boolean>>();
    for (const r of records) {
      if (!may.has(r.endpointName)) {
        may.set(r.endpointName, authorize(ctx.principal, action, resourceArn(this.o.partition, 'endpoint', r.endpointName)).then(() => true, (e: unknown) => {
          if (e instanceof AccessDeniedError) return false;
          throw e;
        }));
      }
    }
    const allowed = await Promise.all(records.map((r) => may.get(r.endpointName) as Promise<boolean>));
    return records.filter((_, i) => allowed[i]);
  }
}

const round = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Application Auto Scaling's Cause: the alarm that triggered the policy, or the capacity bound that moved. */
function causeOf(a: ScalingAction): string {
  if (a.bound !== undefined) return `${a.bound} capacity was set to ${a.to}`;
  const metric = `${round(a.perInstancePerMinute)} invocations per instance per minute against a target of ${a.targetValue}, on ${a.from} instance${a.from === 1 ? '' : 's'}`;
  return a.alarmName === undefined ? `target-tracking policy ${a.policyName}: ${metric}` : `monitor alarm ${a.alarmName} in state ALARM triggered policy ${a.policyName}: ${metric}`;
}
