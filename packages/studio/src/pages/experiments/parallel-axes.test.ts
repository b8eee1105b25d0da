import { describe, expect, it } from 'vitest';
import { axisOf } from './parallel-axes.js';
import { orderTerm, parseColumn } from './run-columns.js';

describe('parallel-coordinates axes', () => {
  it('scales numbers (also numeric strings, as params are) linearly between min and max', () => {
    const a = axisOf('max_depth', ['3', '5', 7, undefined]);
    expect(a.kind).toBe('number');
    expect([a.position('3'), a.position(5), a.position('7'), a.position(undefined)]).toEqual([0, 0.5, 1, undefined]);
    expect(a.ticks().map((t) => t.text)).toEqual(['3', '5', '7']);
  });
  it('spaces categories evenly in sorted order', () => {
    const a = axisOf('objective', ['reg:squarederror', 'binary:logistic', 'reg:squarederror']);
    expect(a.kind).toBe('category');
    expect(a.categories).toEqual(['binary:logistic', 'reg:squarederror']);
    expect(a.position('reg:squarederror')).toBe(1);
  });
});

describe('run columns', () => {
  it('orders by MLflow terms, quoting keys that are not plain identifiers', () => {
    expect(orderTerm(parseColumn('metrics.train:rmse'), true)).toBe('metrics.`train:rmse` DESC');
    expect(orderTerm(parseColumn('params.eta'), false)).toBe('params.eta ASC');
    expect(parseColumn('tags.loam.training_job_arn')).toMatchObject({ family: 'tags', key: 'loam.training_job_arn' });
  });
});
