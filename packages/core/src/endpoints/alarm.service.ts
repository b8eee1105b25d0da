import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import type { RequestContext } from '../kernel/context.js';
import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import { LimitExceededError, ValidationError } from '../kernel/errors.js';
import type { Partition } from '../kernel/names.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { alarmsCollection, type AlarmRecord } from './endpoint.collections.js';
import { alarmArn } from './target-tracking-alarms.js';

type Ops = typeof operations;
/** The key PutMetricAlarm holds (MetadataStore.lockUntilEnd) while it counts the server's alarms and adds one. */
export const ALARM_PUT_LOCK = 'cloudwatch-alarms:put';
/** How many alarms a server keeps, PutMetricAlarm's and target-tracking policies' together. */
export const DEFAULT_MAX_ALARMS = 1000;
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The live state of alarms, kept by whoever evaluates them (the server's alarm evaluator). */
export interface AlarmStateSource {
  stateOf(alarmName: string): { readonly value: AlarmStateValue; readonly reason: string; readonly time: number } | undefined;
}

export interface AlarmServiceOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly partition: Partition;
  readonly states: () => AlarmStateSource;
  readonly maxAlarms?: number;
  /**
   * The caller's policies. DescribeAlarms and DeleteAlarms are authorized on `*` (they name no alarm, or
   * several): with this, each alarm is checked on its own ARN, as CloudWatch authorizes them (`alarm*`),
   * so a Deny on an alarm hides it and keeps it from being deleted.
   */
  readonly authorize?: ActionAuthorizer;
}

/** PutMetricAlarm, DescribeAlarms, DeleteAlarms: alarms over endpoint metrics, named in AutoRollbackConfiguration. */
export class AlarmService {
  constructor(private readonly o: AlarmServiceOptions) {}

  /** The alarm's ARN: the same function names a target-tracking policy's alarms. */
  arnOf(name: string): string {
    return alarmArn(this.o.partition, name);
  }

  /**
   * @throws ValidationException (no EndpointName dimension, percentile on a count metric, an alarm a
   * target-tracking policy owns), ResourceLimitExceeded.
   */
  async PutMetricAlarm(input: InputOf<Ops['PutMetricAlarm']>, _ctx: RequestContext): Promise<OutputOf<Ops['PutMetricAlarm']>> {
    const dims = input.Dimensions ?? [];
    const ep = dims.find((d) => d.Name === 'EndpointName');
    const variant = dims.find((d) => d.Name === 'VariantName');
    if (!ep) {
      // CloudWatch takes an alarm on any metric; SageMaker publishes these only per endpoint (and variant),
      // so there is no series without an EndpointName for the alarm to watch, in CloudWatch or in Loam.
      throw new ValidationError(
        `Alarm '${input.AlarmName}': Loam records AWS/SageMaker ${input.MetricName} per endpoint, and has no such metric without an EndpointName dimension (give Dimensions EndpointName, and optionally VariantName).`,
        [{ path: '/Dimensions', message: 'EndpointName required' }],
      );
    }
    if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
      throw new ValidationError(`Alarm '${input.AlarmName}' needs exactly one of Statistic and ExtendedStatistic.`, [{ path: '/Statistic', message: 'give exactly one of Statistic, ExtendedStatistic' }]);
    }
    if (input.ExtendedStatistic && !/Latency$/.test(input.MetricName)) {
      throw new ValidationError(`ExtendedStatistic (percentiles) applies to ModelLatency and OverheadLatency, not ${input.MetricName}.`, [{ path: '/ExtendedStatistic', message: 'latency metrics only' }]);
    }
    if ((input.DatapointsToAlarm ?? input.EvaluationPeriods) > input.EvaluationPeriods) {
      throw new ValidationError('DatapointsToAlarm cannot exceed EvaluationPeriods.', [{ path: '/DatapointsToAlarm', message: `at most ${input.EvaluationPeriods}` }]);
    }
    const key = input.AlarmName;
    const record: AlarmRecord = {
      key, name: input.AlarmName, arn: this.arnOf(input.AlarmName), endpointName: ep.Value, ...(variant ? { variantName: variant.Value } : {}),
      request: { Namespace: 'AWS/SageMaker', ...input }, updatedTime: this.o.clock.now() / 1000,
    };
    // Read, counted and written holding one server-wide key: puts at once cannot each see room for one more
    // alarm, and two puts of one new name store it once (the second replaces it).
    await this.o.store.transaction(async (tx) => {
      await tx.lockUntilEnd(ALARM_PUT_LOCK);
      const c = tx.collection(alarmsCollection);
      const existing = await c.get(key);
      if (existing?.value.managedBy) throw managed(existing.value, 'replaced');
      if (existing) await c.update(key, existing.version, record);
      else {
        if ((await c.count()) >= (this.o.maxAlarms ?? DEFAULT_MAX_ALARMS)) throw new LimitExceededError(`Alarm '${input.AlarmName}': this server keeps at most ${this.o.maxAlarms ?? DEFAULT_MAX_ALARMS} alarms.`);
        await c.insert(record);
      }
    });
    return {};
  }

  /** Alarms the caller may describe (each on its own ARN), filtered by name, prefix and state. */
  async DescribeAlarms(input: InputOf<Ops['DescribeAlarms']>, ctx: RequestContext): Promise<OutputOf<Ops['DescribeAlarms']>> {
    const all = await this.list();
    const names = input.AlarmNames ? new Set(input.AlarmNames) : undefined;
    const wanted = all.filter((a) => (!names || names.has(a.name)) && (!input.AlarmNamePrefix || a.name.startsWith(input.AlarmNamePrefix)));
    const allowed = await Promise.all(wanted.map((a) => isAllowed(this.o.authorize, ctx.principal, 'cloudwatch:DescribeAlarms', this.arnOf(a.name))));
    const out = wanted
      .filter((_, i) => allowed[i])
      .map((a) => this.describe(a))
      .filter((a) => !input.StateValue || a.StateValue === input.StateValue);
    return { MetricAlarms: out };
  }

  /**
   * Deletes the alarms named; each is checked on its own ARN first, and one the caller may not delete
   * refuses the request before any is deleted. @throws AccessDeniedException naming the alarm.
   */
  async DeleteAlarms(input: InputOf<Ops['DeleteAlarms']>, ctx: RequestContext): Promise<OutputOf<Ops['DeleteAlarms']>> {
    for (const n of input.AlarmNames) await this.o.authorize?.(ctx.principal, 'cloudwatch:DeleteAlarms', this.arnOf(n));
    for (const n of input.AlarmNames) {
      const a = await this.get(n);
      if (a?.managedBy) throw managed(a, 'deleted');
    }
    for (const n of input.AlarmNames) await this.o.store.collection(alarmsCollection).delete(n);
    return {};
  }

  /** Every alarm (a server keeps few; the evaluator reads them all each second from its cache). */
  async list(): Promise<AlarmRecord[]> {
    const out: AlarmRecord[] = [];
    let token: string | undefined;
    do {
      const page = await this.o.store.collection(alarmsCollection).list({ maxResults: 1000, ...(token ? { nextToken: token } : {}) });
      out.push(...page.items.map((i) => i.value));
      token = page.nextToken;
    } while (token);
    return out;
  }

  async get(name: string): Promise<AlarmRecord | undefined> {
    return (await this.o.store.collection(alarmsCollection).get(name))?.value;
  }

  private describe(a: AlarmRecord): OutputOf<Ops['DescribeAlarms']>['MetricAlarms'][number] {
    const s = this.o.states().stateOf(a.name);
    const r = a.request as Record<string, unknown>;
    return {
      ...(r as object),
      AlarmName: a.name, AlarmArn: a.arn, Namespace: 'AWS/SageMaker', AlarmConfigurationUpdatedTimestamp: a.updatedTime,
      StateValue: s?.value ?? 'INSUFFICIENT_DATA', StateReason: s?.reason ?? 'Not evaluated yet.', ...(s ? { StateUpdatedTimestamp: s.time } : {}),
    } as OutputOf<Ops['DescribeAlarms']>['MetricAlarms'][number];
  }
}

/**
 * A target-tracking policy's alarm: Application Auto Scaling asks that it not be edited or deleted, since
 * the policy scales on it; Loam refuses both, so the policy keeps working, and says what to do instead.
 */
function managed(a: AlarmRecord, what: 'replaced' | 'deleted'): ValidationError {
  const m = a.managedBy as NonNullable<AlarmRecord['managedBy']>;
  return new ValidationError(
    `Alarm '${a.name}' belongs to the target-tracking scaling policy '${m.policyName}' of ${m.resourceId} and cannot be ${what}: change the policy with PutScalingPolicy, or remove it (and its alarms) with DeleteScalingPolicy.`,
    [{ path: what === 'deleted' ? '/AlarmNames' : '/AlarmName', message: 'owned by a target-tracking scaling policy' }],
  );
}
