import { describe, expect, it } from 'vitest';
import { searchShapes } from '@loam/contracts';
import { LoamError } from '../kernel/errors.js';
import { compileSearchExpression, type SearchExpression } from './search-expression.js';
import type { SchemaNode } from './search-properties.js';

// Training jobs' search records as Search builds them (a Describe answer with Tags), written out by hand.
const channel = (ChannelName: string, S3Uri: string) => ({ ChannelName, DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri } } });
const jobs = [
  {
    TrainingJobName: 'a', TrainingJobStatus: 'Completed', CreationTime: 1_714_564_800, EnableNetworkIsolation: false, // 2024-05-01T12:00:00Z
    HyperParameters: { eta: '0.3', max_depth: '5', objective: 'binary:logistic' },
    FinalMetricDataList: [{ MetricName: 'validation:auc', Value: 0.91, Timestamp: 1_714_565_000 }, { MetricName: 'train:auc', Value: 0.97, Timestamp: 1_714_565_000 }],
    InputDataConfig: [channel('train', 's3://b/cats/train'), channel('validation', 's3://b/dogs/val')],
    Tags: [{ Key: 'team', Value: 'vision' }, { Key: 'cost.center', Value: '42' }],
  },
  {
    TrainingJobName: 'b', TrainingJobStatus: 'Failed', FailureReason: 'AlgorithmError: bad data', CreationTime: 1_714_651_200, EnableNetworkIsolation: true, // 2024-05-02T12:00:00Z
    HyperParameters: { eta: '0.1', max_depth: '3', objective: 'reg:squarederror' },
    FinalMetricDataList: [{ MetricName: 'validation:auc', Value: 0.7, Timestamp: 1_714_652_000 }],
    InputDataConfig: [channel('train', 's3://b/dogs/train')],
    Tags: [{ Key: 'team', Value: 'nlp' }],
  },
  {
    TrainingJobName: 'c', TrainingJobStatus: 'InProgress', CreationTime: 1_714_737_600, EnableNetworkIsolation: false, // 2024-05-03T12:00:00Z
    HyperParameters: { eta: '0.5' },
    InputDataConfig: [channel('train', 's3://b/cats/more')],
    Tags: [],
  },
];

const props = {
  schema: searchShapes.searchRecordShapes.TrainingJob as unknown as SchemaNode,
  aliases: { Metrics: { list: 'FinalMetricDataList', keyField: 'MetricName', valueField: 'Value' } },
};
const names = (expr: SearchExpression) => {
  const m = compileSearchExpression(props, expr);
  return jobs.filter((j) => m.matches(j)).map((j) => j.TrainingJobName);
};
const refusal = (expr: SearchExpression): { path: string | undefined; message: string } => {
  try {
    compileSearchExpression(props, expr);
  } catch (e) {
    if (e instanceof LoamError) return { path: e.fields?.[0]?.path, message: e.message };
    throw e;
  }
  throw new Error('expected a ValidationException');
};
const f = (Name: string, Operator?: SearchExpression extends { Filters?: (infer F)[] } ? F extends { Operator?: infer O } ? O : never : never, Value?: string) =>
  ({ Name, ...(Operator ? { Operator } : {}), ...(Value !== undefined ? { Value } : {}) });

describe('search expressions over training job records', () => {
  it('Equals and NotEquals on an enum; NotEquals needs the property', () => {
    expect(names({ Filters: [f('TrainingJobStatus', 'Equals', 'Completed')] })).toEqual(['a']);
    expect(names({ Filters: [f('TrainingJobStatus', 'NotEquals', 'Completed')] })).toEqual(['b', 'c']);
    expect(names({ Filters: [f('FailureReason', 'NotEquals', 'x')] })).toEqual(['b']);
    expect(names({ Filters: [f('TrainingJobStatus', 'Equals', 'completed')] })).toEqual([]);
  });

  it('no Operator: Equals with a Value, Exists without; NotExists', () => {
    expect(names({ Filters: [f('TrainingJobStatus', undefined, 'Failed')] })).toEqual(['b']);
    expect(names({ Filters: [f('FailureReason')] })).toEqual(['b']);
    expect(names({ Filters: [f('FailureReason', 'NotExists')] })).toEqual(['a', 'c']);
    expect(names({ Filters: [f('FinalMetricDataList', 'Exists')] })).toEqual(['a', 'b']);
  });

  it('hyperparameters compare as numbers when both are; an integer Value truncates them', () => {
    expect(names({ Filters: [f('HyperParameters.eta', 'LessThan', '0.4')] })).toEqual(['a', 'b']);
    expect(names({ Filters: [f('HyperParameters.eta', 'GreaterThanOrEqualTo', '0.30')] })).toEqual(['a', 'c']);
    expect(names({ Filters: [f('HyperParameters.eta', 'Equals', '0.30')] })).toEqual(['a']);
    expect(names({ Filters: [f('HyperParameters.eta', 'Equals', '0')] })).toEqual(['a', 'b', 'c']);
    expect(names({ Filters: [f('HyperParameters.max_depth', 'GreaterThan', '3')] })).toEqual(['a']);
    expect(names({ Filters: [f('HyperParameters.objective', 'Contains', 'BINARY')] })).toEqual(['a']);
  });

  it('Metrics.<name> is a final metric value; Tags.<key> a tag value (dots allowed in the key)', () => {
    expect(names({ Filters: [f('Metrics.validation:auc', 'GreaterThan', '0.9')] })).toEqual(['a']);
    expect(names({ Filters: [f('Metrics.validation:auc', 'LessThanOrEqualTo', '0.91')] })).toEqual(['a', 'b']);
    expect(names({ Filters: [f('Metrics.train:auc')] })).toEqual(['a']);
    expect(names({ Filters: [f('Tags.team', 'In', 'nlp, audio')] })).toEqual(['b']);
    expect(names({ Filters: [f('Tags.team', 'Contains', 'VIS')] })).toEqual(['a']);
    expect(names({ Filters: [f('Tags.cost.center', 'Equals', '42')] })).toEqual(['a']);
    expect(names({ Filters: [f('Tags.team', 'NotExists')] })).toEqual(['c']);
  });

  it('timestamps take ISO 8601 (UTC without a zone) or epoch seconds; booleans true/false', () => {
    expect(names({ Filters: [f('CreationTime', 'GreaterThan', '2024-05-01T12:00:00')] })).toEqual(['b', 'c']);
    expect(names({ Filters: [f('CreationTime', 'GreaterThanOrEqualTo', '2024-05-02T14:00:00+02:00')] })).toEqual(['b', 'c']);
    expect(names({ Filters: [f('CreationTime', 'LessThan', '1714651200')] })).toEqual(['a']);
    expect(names({ Filters: [f('EnableNetworkIsolation', 'Equals', 'TRUE')] })).toEqual(['b']);
  });

  it('a filter on a list member holds for any element; NestedFilters need one element to satisfy them all', () => {
    const train = f('InputDataConfig.ChannelName', 'Equals', 'train');
    const dogs = f('InputDataConfig.DataSource.S3DataSource.S3Uri', 'Contains', 'dogs');
    expect(names({ Filters: [train, dogs] })).toEqual(['a', 'b']);
    expect(names({ NestedFilters: [{ NestedPropertyName: 'InputDataConfig', Filters: [train, dogs] }] })).toEqual(['b']);
  });

  it('Or, And and sub-expressions', () => {
    expect(names({ Operator: 'Or', Filters: [f('TrainingJobStatus', 'Equals', 'Failed'), f('Tags.team', 'Equals', 'vision')] })).toEqual(['a', 'b']);
    expect(names({
      Filters: [f('HyperParameters.eta', 'GreaterThan', '0.2')],
      SubExpressions: [{ Operator: 'Or', Filters: [f('TrainingJobStatus', 'Equals', 'InProgress'), f('Metrics.validation:auc', 'GreaterThan', '0.95')] }],
    })).toEqual(['c']);
  });

  it('reports whether tags are read, so they are fetched only then', () => {
    expect(compileSearchExpression(props, { Filters: [f('TrainingJobStatus', 'Equals', 'Failed')] }).readsTags).toBe(false);
    expect(compileSearchExpression(props, { SubExpressions: [{ Filters: [f('Tags.team')] }] }).readsTags).toBe(true);
  });

  it('refuses a bad expression naming the part that is wrong', () => {
    expect(refusal({ Filters: [f('TrainingJobStatus'), f('Nope', 'Equals', 'x')] })).toMatchObject({ path: '/SearchExpression/Filters/1/Name', message: expect.stringContaining("'Nope' is not a property") });
    expect(refusal({ Filters: [f('TrainingJobName', 'GreaterThan', 'a')] }).path).toBe('/SearchExpression/Filters/0/Operator');
    expect(refusal({ Filters: [f('CreationTime', 'Contains', '2024')] }).path).toBe('/SearchExpression/Filters/0/Operator');
    expect(refusal({ Filters: [f('InputDataConfig', 'Equals', 'x')] }).path).toBe('/SearchExpression/Filters/0/Operator');
    expect(refusal({ Filters: [f('CreationTime', 'GreaterThan', 'yesterday')] }).path).toBe('/SearchExpression/Filters/0/Value');
    expect(refusal({ Filters: [f('Metrics.validation:auc', 'GreaterThan', 'high')] }).path).toBe('/SearchExpression/Filters/0/Value');
    expect(refusal({ Filters: [f('EnableNetworkIsolation', 'Equals', 'yes')] }).path).toBe('/SearchExpression/Filters/0/Value');
    expect(refusal({ Filters: [f('FailureReason', 'Exists', 'x')] }).path).toBe('/SearchExpression/Filters/0/Value');
    expect(refusal({ Filters: [f('FailureReason', 'Equals')] }).path).toBe('/SearchExpression/Filters/0/Value');
    expect(refusal({ SubExpressions: [{}] }).path).toBe('/SearchExpression/SubExpressions/0');
    expect(refusal({ NestedFilters: [{ NestedPropertyName: 'HyperParameters', Filters: [f('HyperParameters.eta')] }] }).path).toBe('/SearchExpression/NestedFilters/0/NestedPropertyName');
    expect(refusal({ NestedFilters: [{ NestedPropertyName: 'InputDataConfig', Filters: [f('ChannelName')] }] }).path).toBe('/SearchExpression/NestedFilters/0/Filters/0/Name');
  });

  it('allows 50 parts in all, not 51', () => {
    const twenty = Array.from({ length: 20 }, () => f('TrainingJobStatus'));
    const ten = Array.from({ length: 10 }, () => f('TrainingJobStatus'));
    expect(names({ Filters: twenty, SubExpressions: [{ Filters: twenty }, { Filters: [...ten].slice(0, 8) }] })).toEqual(['a', 'b', 'c']);
    expect(refusal({ Filters: twenty, SubExpressions: [{ Filters: twenty }, { Filters: [...ten].slice(0, 9) }] }).message).toMatch(/more than 50/);
  });
});
