import { describe, expect, it } from 'vitest';
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
