import { describe, expect, it } from 'vitest';
import { buildExpression, placeErrors, type FilterDraft } from './search-expression.js';
import { nestedLists } from './search-resources.js';

const row = (name: string, operator: FilterDraft['operator'], value = ''): FilterDraft => ({ name, operator, value });

describe('buildExpression', () => {
  it('sends no SearchExpression when every row is empty', () => {
    expect(buildExpression([row('', 'Equals'), row(' ', 'Contains', ' ')], 'And')).toEqual({ rows: [], incomplete: {}, nestedIncomplete: {}, nested: [] });
  });

  it('trims names and values, and joins several filters with the chosen operator', () => {
    const built = buildExpression([row(' TrainingJobStatus ', 'Equals', ' Completed '), row('', 'Equals'), row('HyperParameters.eta', 'LessThan', '0.3')], 'Or');
    expect(built.expression).toEqual({
      Operator: 'Or',
      Filters: [
        { Name: 'TrainingJobStatus', Operator: 'Equals', Value: 'Completed' },
        { Name: 'HyperParameters.eta', Operator: 'LessThan', Value: '0.3' },
      ],
    });
    // The second filter sent came from the third row: the server's /Filters/1 is row 2.
    expect(built.rows).toEqual([0, 2]);
  });

  it('leaves Operator out for one filter (SageMaker defaults to And) and sends Exists without a Value', () => {
    expect(buildExpression([row('Tags.team', 'Exists', 'ignored')], 'Or').expression).toEqual({ Filters: [{ Name: 'Tags.team', Operator: 'Exists' }] });
  });

  it('reports rows that lack a property or a value instead of sending them', () => {
    const built = buildExpression([row('', 'Equals', 'x'), row('ModelName', 'Contains'), row('ModelName', 'NotExists')], 'And');
    expect(built.incomplete).toEqual({ 0: { property: 'Choose a property to filter on.' }, 1: { value: 'Give a value for Contains.' } });
    expect(built.expression).toEqual({ Filters: [{ Name: 'ModelName', Operator: 'NotExists' }] });
    expect(built.rows).toEqual([2]);
  });

  it('sends nested filters as NestedFilters, each property prefixed with its list, combined with the filters by the chosen operator', () => {
    const built = buildExpression([row('TrialComponentName', 'Contains', 'metric')], 'And', [
      { list: 'Metrics', filters: [row('Metrics.MetricName', 'Equals', ' accuracy '), row('Max', 'GreaterThan', '0.9'), row('', 'Equals')] },
      // A nested filter with no complete row is left out, as an empty filter row is.
      { list: 'Metrics', filters: [row('', 'Equals')] },
    ]);
    expect(built.expression).toEqual({
      Operator: 'And',
      Filters: [{ Name: 'TrialComponentName', Operator: 'Contains', Value: 'metric' }],
      NestedFilters: [{ NestedPropertyName: 'Metrics', Filters: [{ Name: 'Metrics.MetricName', Operator: 'Equals', Value: 'accuracy' }, { Name: 'Metrics.Max', Operator: 'GreaterThan', Value: '0.9' }] }],
    });
    expect(buildExpression([], 'Or', [{ list: 'InputDataConfig', filters: [row('ChannelName', 'Equals', 'train')] }]).expression).toEqual({
      NestedFilters: [{ NestedPropertyName: 'InputDataConfig', Filters: [{ Name: 'InputDataConfig.ChannelName', Operator: 'Equals', Value: 'train' }] }],
    });
  });

  it('reports a nested filter row without a value, or rows without a list, by nested filter and row', () => {
    const built = buildExpression([], 'And', [
      { list: 'Metrics', filters: [row('Metrics.Max', 'GreaterThan')] },
      { list: '', filters: [row('', 'Equals'), row('Metrics.Max', 'Exists')] },
    ]);
    expect(built.nestedIncomplete).toEqual({ 0: { 0: { value: 'Give a value for GreaterThan.' } }, 1: { 1: { property: 'Choose the list this nested filter applies to.' } } });
    expect(built.expression).toBeUndefined();
  });

  it("offers the lists of a resource's records to nest filters on: a trial component's Metrics, a training job's input channels", () => {
    expect(nestedLists('ExperimentTrialComponent')[0]).toBe('Metrics');
    expect(nestedLists('TrainingJob')).toContain('InputDataConfig');
    expect(nestedLists('TrainingJob')).not.toContain('Tags');
  });
});

describe('placeErrors', () => {
  it('puts a filter message on the row that filter came from, SortBy on the sort, the rest aside', () => {
    const placed = placeErrors(
      [
        { path: '/SearchExpression/Filters/1/Name', message: 'unknown property' },
        { path: '/SearchExpression/Filters/1/Name', message: 'second message for the same property' },
        { path: '/SortBy', message: 'unknown property' },
        { path: '/NextToken', message: 'not a token of this search' },
        { path: '/SearchExpression/Filters/7/Name', message: 'no such row' },
      ],
      [0, 3],
    );
    expect(placed).toEqual({ rows: { 3: { property: 'unknown property' } }, nested: {}, sortBy: 'unknown property', other: ['not a token of this search', 'no such row'] });
  });

  it('puts a nested filter message on the nested filter and row it came from, a list message on its list', () => {
    // Nested filter 0 had no list (not sent); nested filter 1 went first, its rows 1 and 2 as its Filters 0 and 1.
    const built = buildExpression([], 'And', [
      { list: '', filters: [row('', 'Equals')] },
      { list: 'Metrics', filters: [row('', 'Equals'), row('MetricName', 'Equals', 'acc'), row('Nope', 'Exists')] },
      { list: 'Nope', filters: [row('X', 'Exists')] },
    ]);
    expect(built.nested).toEqual([{ index: 1, rows: [1, 2] }, { index: 2, rows: [0] }]);
    const placed = placeErrors(
      [
        { path: '/SearchExpression/NestedFilters/0/Filters/1/Name', message: "'Nope' is not a property" },
        { path: '/SearchExpression/NestedFilters/1/NestedPropertyName', message: "'Nope' is not a list" },
        { path: '/SearchExpression/NestedFilters/5/Filters/0/Name', message: 'no such nested filter' },
      ],
      built.rows,
      built.nested,
    );
    expect(placed).toEqual({ rows: {}, nested: { 1: { rows: { 2: { property: "'Nope' is not a property" } } }, 2: { list: "'Nope' is not a list", rows: {} } }, other: ['no such nested filter'] });
  });

  it('puts a message about a Value on that row’s value and one about its Name or Operator on its property, top-level and nested', () => {
    const built = buildExpression([row('CreationTime', 'GreaterThan', 'soon'), row('ModelName', 'Equals', 'm')], 'And', [
      { list: 'Metrics', filters: [row('MetricName', 'Equals', 'acc'), row('Max', 'GreaterThan', 'high')] },
    ]);
    const placed = placeErrors(
      [
        { path: '/SearchExpression/Filters/0/Value', message: "'soon' is not a timestamp" },
        { path: '/SearchExpression/Filters/0/Value', message: 'a second message for the same value' },
        { path: '/SearchExpression/Filters/1/Operator', message: 'not an operator here' },
        { path: '/SearchExpression/NestedFilters/0/Filters/1/Value', message: "'high' is not a number" },
        { path: '/SearchExpression/NestedFilters/0/Filters/0/Name', message: 'unknown property' },
        { path: '/SearchExpression/NestedFilters/0/Filters/0/Value', message: 'bad value' },
      ],
      built.rows,
      built.nested,
    );
    expect(placed).toEqual({
      rows: { 0: { value: "'soon' is not a timestamp" }, 1: { property: 'not an operator here' } },
      nested: { 0: { rows: { 1: { value: "'high' is not a number" }, 0: { property: 'unknown property', value: 'bad value' } } } },
      other: [],
    });
  });

  it('places nothing when the error names no field', () => {
    expect(placeErrors(undefined, [0])).toEqual({ rows: {}, nested: {}, other: [] });
  });
});
