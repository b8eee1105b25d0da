import { Type } from '@sinclair/typebox';
import { Input, Output, Timestamp } from './common.js';
import { literals } from './jobs-common.js';
import { metricStatistics, percentilePattern } from './endpoint-alarms.js';

/*
 * CloudWatch's metric reads (GetMetricStatistics, GetMetricData, ListMetrics) over the per-variant metrics
 * Loam records for its endpoints (namespace AWS/SageMaker, dimensions EndpointName and VariantName), with
 * CloudWatch's member names and limits.
 */

const MetricName = Type.String({ minLength: 1, maxLength: 255 });
const Namespace = Type.String({ minLength: 1, maxLength: 255, description: 'AWS/SageMaker holds every metric Loam records; another namespace has no datapoints, as an unknown metric in CloudWatch.' });
const Dimension = Type.Object({ Name: Type.String({ minLength: 1, maxLength: 255 }), Value: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
const Dimensions = Type.Array(Dimension, { maxItems: 30 });
const Percentile = Type.String({ pattern: percentilePattern, description: 'A percentile, p0.0 to p100 (e.g. p99).' });
/** CloudWatch's StandardUnit: a name outside it (`Microsecond`, `count`) is refused as CloudWatch refuses it, not answered with no datapoints. */
export const standardUnits = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits',
  'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second',
  'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
] as const;
const Unit = literals(standardUnits, "A CloudWatch unit; a metric recorded in another unit has no datapoints in this one, as in CloudWatch (ModelLatency and OverheadLatency are 'Microseconds', the counts 'None').");
const Period = Type.Integer({ minimum: 1, description: 'Seconds per datapoint: a multiple of 60 (the metrics are standard resolution).' });

export const GetMetricStatisticsInput = Input({
  Namespace,
  MetricName,
  Dimensions: Type.Optional(Dimensions),
  StartTime: Timestamp,
  EndTime: Timestamp,
  Period,
  Statistics: Type.Optional(Type.Array(literals([...metricStatistics]), { minItems: 1, maxItems: 5 })),
  ExtendedStatistics: Type.Optional(Type.Array(Percentile, { minItems: 1, maxItems: 10 })),
  Unit: Type.Optional(Unit),
});
export const MetricDatapoint = Output({
  Timestamp,
  SampleCount: Type.Optional(Type.Number()),
  Average: Type.Optional(Type.Number()),
  Sum: Type.Optional(Type.Number()),
  Minimum: Type.Optional(Type.Number()),
  Maximum: Type.Optional(Type.Number()),
  Unit: Type.String(),
  ExtendedStatistics: Type.Optional(Type.Record(Type.String(), Type.Number())),
});
export const GetMetricStatisticsOutput = Output({ Label: Type.String(), Datapoints: Type.Array(MetricDatapoint) });

const Metric = Type.Object({ Namespace, MetricName, Dimensions: Type.Optional(Dimensions) }, { additionalProperties: false });
export const MetricDataQuery = Type.Object({
  Id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-z][a-zA-Z0-9_]*$' }),
  MetricStat: Type.Optional(Type.Object({
    Metric,
    Period,
    Stat: Type.String({ minLength: 1, maxLength: 64, description: 'SampleCount, Average, Sum, Minimum, Maximum or a percentile (p99).' }),
    Unit: Type.Optional(Unit),
  }, { additionalProperties: false })),
  Expression: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'Refused: Loam evaluates no metric math.' })),
  Label: Type.Optional(Type.String({ maxLength: 1024 })),
  ReturnData: Type.Optional(Type.Boolean()),
  Period: Type.Optional(Type.Integer({ minimum: 1 })),
  AccountId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
}, { additionalProperties: false });
export const GetMetricDataInput = Input({
  MetricDataQueries: Type.Array(MetricDataQuery, { minItems: 1, maxItems: 500 }),
  StartTime: Timestamp,
  EndTime: Timestamp,
  NextToken: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  ScanBy: Type.Optional(literals(['TimestampDescending', 'TimestampAscending'])),
  MaxDatapoints: Type.Optional(Type.Integer({ minimum: 1, maximum: 100800, description: 'Datapoints per page over every query; 100,800 by default.' })),
  LabelOptions: Type.Optional(Type.Object({ Timezone: Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: false })),
});
const MessageData = Output({ Code: Type.Optional(Type.String()), Value: Type.Optional(Type.String()) });
export const GetMetricDataOutput = Output({
  MetricDataResults: Type.Array(Output({
    Id: Type.String(),
    Label: Type.String(),
    Timestamps: Type.Array(Timestamp),
    Values: Type.Array(Type.Number()),
    StatusCode: literals(['Complete', 'PartialData']),
    Messages: Type.Optional(Type.Array(MessageData)),
  })),
  NextToken: Type.Optional(Type.String()),
  Messages: Type.Optional(Type.Array(MessageData)),
});

export const ListMetricsInput = Input({
  Namespace: Type.Optional(Namespace),
  MetricName: Type.Optional(MetricName),
  Dimensions: Type.Optional(Type.Array(Type.Object({ Name: Type.String({ minLength: 1, maxLength: 255 }), Value: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) }, { additionalProperties: false }), { maxItems: 10 })),
  NextToken: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  RecentlyActive: Type.Optional(Type.Literal('PT3H')),
  IncludeLinkedAccounts: Type.Optional(Type.Boolean()),
  OwningAccount: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
export const ListMetricsOutput = Output({
  Metrics: Type.Array(Output({ Namespace: Type.String(), MetricName: Type.String(), Dimensions: Type.Array(Output({ Name: Type.String(), Value: Type.String() })) })),
  NextToken: Type.Optional(Type.String()),
});
