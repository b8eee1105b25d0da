import { afterEach, describe, expect, it } from 'vitest';
import { operations } from '@loam/contracts';
import { queryInput } from './query-input.js';

// What botocore's query serializer sends for cloudwatch.put_metric_alarm(...) and describe_alarms(...).
describe('queryInput', () => {
  it('rebuilds lists, structures, numbers and booleans from the form by the operation schema', () => {
    const form = new URLSearchParams('Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a&ActionsEnabled=false&MetricName=ModelLatency'
      + '&Dimensions.member.2.Name=VariantName&Dimensions.member.2.Value=AllTraffic&Dimensions.member.1.Name=EndpointName&Dimensions.member.1.Value=ep'
      + '&Period=60&EvaluationPeriods=2&Threshold=1.5&ComparisonOperator=GreaterThanThreshold&ExtendedStatistic=p99');
    expect(queryInput(form, operations.PutMetricAlarm.input)).toEqual({
      AlarmName: 'a', ActionsEnabled: false, MetricName: 'ModelLatency', Period: 60, EvaluationPeriods: 2, Threshold: 1.5, ComparisonOperator: 'GreaterThanThreshold', ExtendedStatistic: 'p99',
      Dimensions: [{ Name: 'EndpointName', Value: 'ep' }, { Name: 'VariantName', Value: 'AllTraffic' }],
    });
  });

  it('keeps text that is not a number or boolean, an empty list, and unknown members (as lists), for validation to name', () => {
    const form = new URLSearchParams('Action=DescribeAlarms&AlarmNames=&MaxRecords=ten&AlarmTypes.member.1=CompositeAlarm');
    expect(queryInput(form, operations.DescribeAlarms.input)).toEqual({ AlarmNames: [], MaxRecords: 'ten', AlarmTypes: ['CompositeAlarm'] });
  });
});

describe('queryInput and prototype names', () => {
  const probe = (): Record<string, unknown> => ({}) as Record<string, unknown>;
  afterEach(() => {
    // The old code wrote these onto Object.prototype: leave no pollution behind for other tests.
    for (const k of ['NextToken', 'polluted', 'X']) delete (Object.prototype as Record<string, unknown>)[k];
  });

  it.each([
    ['__proto__.NextToken=abc', '__proto__'],
    ['AlarmNames.__proto__.polluted=yes', '__proto__'],
    ['constructor.prototype.X=1', 'constructor'],
    ['Dimensions.member.1.__proto__.X=1', '__proto__'],
  ])('refuses %s with InvalidParameterValue naming the member, and Object.prototype stays clean', (key, segment) => {
    const form = new URLSearchParams(`Action=DescribeAlarms&Version=2010-08-01&${key}`);
    let thrown: unknown;
    try {
      queryInput(form, operations.DescribeAlarms.input);
    } catch (e) {
      thrown = e;
    }
    expect(probe()['NextToken']).toBeUndefined();
    expect(probe()['polluted']).toBeUndefined();
    expect(probe()['X']).toBeUndefined();
    expect(thrown).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    expect((thrown as Error).message).toContain(key.split('=')[0]);
    expect((thrown as Error).message).toContain(segment);
  });

  it('a member named like an Object.prototype method is data, not inherited', () => {
    const form = new URLSearchParams('Action=DescribeAlarms&toString=x&AlarmNames.member.1=hasOwnProperty');
    expect(queryInput(form, operations.DescribeAlarms.input)).toEqual({ toString: 'x', AlarmNames: ['hasOwnProperty'] });
  });
});
