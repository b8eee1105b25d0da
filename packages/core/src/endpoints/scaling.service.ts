import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import type { Principal, RequestContext } from '../kernel/context.js';
import { AccessDeniedError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { scalingCollection, type ScalingRecord } from './endpoint.collections.js';
import type { EndpointStore } from './endpoint-store.js';

type Ops = typeof operations;

export interface ScalingServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly endpoints: EndpointStore;
  readonly maxInstancesPerVariant: number;
  /**
   * The caller's policies: DescribeScalingPolicies without a ResourceId (authorized on `endpoint/*`)
   * lists only the endpoints the caller may describe scaling of one by one.
   */
  readonly authorize?: (principal: Principal, action: string, resource: string) => Promise<void>;
}

function parseResourceId(id: string): { endpointName: string; variantName: string } {
  const [, endpointName, , variantName] = id.split('/') as [string, string, string, string];
  return { endpointName, variantName };
}

/** RegisterScalableTarget, PutScalingPolicy, DeleteScalingPolicy, DescribeScalingPolicies (target tracking on invocations per instance). */
export class ScalingService {
  constructor(private readonly o: ScalingServiceOptions) {}

  /** @throws ResourceNotFound (endpoint or variant), ValidationException (Min > Max, above this server's limit). */
  async RegisterScalableTarget(input: InputOf<Ops['RegisterScalableTarget']>, _ctx: RequestContext): Promise<OutputOf<Ops['RegisterScalableTarget']>> {
    const { endpointName, variantName } = parseResourceId(input.ResourceId);
    const ep = await this.o.endpoints.require(endpointName);
    if (!ep.variants.some((v) => v.VariantName === variantName)) throw new NotFoundError('Variant', `${endpointName}/${variantName}`);
    if (input.MinCapacity < 1) {
      // SageMaker scales to zero only endpoints that host inference components, which Loam does not serve; a
      // variant scaled to 0 instances kept its weight, and its share of invocations waited for an instance.
      throw new ValidationError(`MinCapacity ${input.MinCapacity}: an endpoint variant keeps at least 1 instance (only endpoints with inference components scale to zero).`, [{ path: '/MinCapacity', message: 'at least 1' }]);
    }
    if (input.MinCapacity > input.MaxCapacity) throw new ValidationError(`MinCapacity ${input.MinCapacity} is above MaxCapacity ${input.MaxCapacity}.`, [{ path: '/MinCapacity', message: 'must be ≤ MaxCapacity' }]);
    if (input.MaxCapacity > this.o.maxInstancesPerVariant) {
      throw new ValidationError(`MaxCapacity ${input.MaxCapacity} is above this server's ${this.o.maxInstancesPerVariant} instances per variant.`, [{ path: '/MaxCapacity', message: `at most ${this.o.maxInstancesPerVariant}` }]);
    }
    const c = this.o.store.collection(scalingCollection);
    const key = input.ResourceId.toLowerCase();
    const cur = await c.get(key);
    const record: ScalingRecord = {
      key, resourceId: input.ResourceId, endpointName, variantName, minCapacity: input.MinCapacity, maxCapacity: input.MaxCapacity,
      creationTime: cur?.value.creationTime ?? this.o.clock.now() / 1000, policies: cur?.value.policies ?? [],
    };
    if (cur) await c.update(key, cur.version, record);
    else await c.insert(record);
    return {};
  }

  /** @throws ValidationException when the variant has no scalable target yet. */
  async PutScalingPolicy(input: InputOf<Ops['PutScalingPolicy']>, _ctx: RequestContext): Promise<OutputOf<Ops['PutScalingPolicy']>> {
    const c = this.o.store.collection(scalingCollection);
    const cur = await c.get(input.ResourceId.toLowerCase());
    if (!cur) throw new ValidationError(`No scalable target is registered for '${input.ResourceId}': call RegisterScalableTarget first.`, [{ path: '/ResourceId', message: 'not registered' }]);
    const t = input.TargetTrackingScalingPolicyConfiguration;
    const arn = `arn:loam:autoscaling:${this.o.partition.region}:${this.o.partition.accountId}:scalingPolicy:${input.ResourceId}:policyName/${input.PolicyName}`;
    const policy = {
      name: input.PolicyName, arn, targetValue: t.TargetValue, scaleOutCooldown: t.ScaleOutCooldown ?? 300, scaleInCooldown: t.ScaleInCooldown ?? 300,
      disableScaleIn: t.DisableScaleIn === true, creationTime: this.o.clock.now() / 1000,
    };
    await c.update(cur.value.key, cur.version, { ...cur.value, policies: [...cur.value.policies.filter((p) => p.name !== input.PolicyName), policy] });
    return { PolicyARN: arn };
  }

  async DeleteScalingPolicy(input: InputOf<Ops['DeleteScalingPolicy']>, _ctx: RequestContext): Promise<OutputOf<Ops['DeleteScalingPolicy']>> {
    const c = this.o.store.collection(scalingCollection);
    const cur = await c.get(input.ResourceId.toLowerCase());
    if (!cur?.value.policies.some((p) => p.name === input.PolicyName)) throw new NotFoundError('Scaling policy', `${input.ResourceId}/${input.PolicyName}`);
    await c.update(cur.value.key, cur.version, { ...cur.value, policies: cur.value.policies.filter((p) => p.name !== input.PolicyName) });
    return {};
  }

  async DescribeScalingPolicies(input: InputOf<Ops['DescribeScalingPolicies']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeScalingPolicies']>> {
    let all = (await this.all()).filter((r) => !input.ResourceId || r.key === input.ResourceId.toLowerCase());
    const authorize = this.o.authorize;
    if (!input.ResourceId && authorize) {
      // A Deny on one endpoint does not match `endpoint/*`, so each target is checked on its own endpoint.
      const may = await Promise.all(all.map((r) => authorize(ctx.principal, 'application-autoscaling:DescribeScalingPolicies', resourceArn(this.o.partition, 'endpoint', r.endpointName)).then(() => true, (e: unknown) => {
        if (e instanceof AccessDeniedError) return false;
        throw e;
      })));
      all = all.filter((_, i) => may[i]);
    }
    return {
      ScalableTargets: all.map((r) => ({ ResourceId: r.resourceId, MinCapacity: r.minCapacity, MaxCapacity: r.maxCapacity, CreationTime: r.creationTime })),
      ScalingPolicies: all.flatMap((r) => r.policies.map((p) => ({
        PolicyName: p.name, PolicyARN: p.arn, ResourceId: r.resourceId, PolicyType: 'TargetTrackingScaling', CreationTime: p.creationTime,
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: p.targetValue, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          ScaleOutCooldown: p.scaleOutCooldown, ScaleInCooldown: p.scaleInCooldown, DisableScaleIn: p.disableScaleIn,
        },
      }))),
    };
  }

  async all(): Promise<ScalingRecord[]> {
    const page = await this.o.store.collection(scalingCollection).list({ maxResults: 1000 });
    return page.items.map((i) => i.value);
  }
}
