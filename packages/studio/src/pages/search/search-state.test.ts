import { describe, expect, it } from 'vitest';
import { paramsOf, parseSearchParams, stateOf } from './search-state.js';

describe('search URL state', () => {
  it('round-trips a search through its URL form, leaving empty rows out', () => {
    const state = stateOf(parseSearchParams({
      resource: 'Model',
      filters: [{ n: 'Model.ModelName', o: 'Contains', v: 'churn' }, { n: 'Model.Tags.team', o: 'Exists' }],
      match: 'Or',
      sortBy: 'Model.ModelName',
      sortOrder: 'Ascending',
    }));
    expect(state).toEqual({
      resource: 'Model',
      filters: [{ name: 'Model.ModelName', operator: 'Contains', value: 'churn' }, { name: 'Model.Tags.team', operator: 'Exists', value: '' }],
      match: 'Or',
      sortBy: 'Model.ModelName',
      sortOrder: 'Ascending',
    });
    expect(stateOf(parseSearchParams(paramsOf({ ...state, filters: [...state.filters, { name: '', operator: 'Equals', value: '' }] })))).toEqual(state);
  });

  it('keeps nested filters in the URL, leaving out those without a list or a filter', () => {
    const state = stateOf(parseSearchParams({ resource: 'ExperimentTrialComponent', nested: [{ p: 'Metrics', f: [{ n: 'Metrics.MetricName', o: 'Equals', v: 'accuracy' }] }, { p: '', f: [{ n: 'x', o: 'Exists' }] }, { p: 'Metrics', f: [] }, 'junk'] }));
    expect(state.nested).toEqual([{ list: 'Metrics', filters: [{ name: 'Metrics.MetricName', operator: 'Equals', value: 'accuracy' }] }]);
    expect(stateOf(parseSearchParams(paramsOf(state)))).toEqual(state);
    expect(paramsOf({ ...state, nested: [{ list: 'Metrics', filters: [{ name: '', operator: 'Equals', value: '' }] }] }).nested).toBeUndefined();
    // A property typed without its list is kept as sent, with it.
    expect(paramsOf({ ...state, nested: [{ list: 'Metrics', filters: [{ name: ' Max ', operator: 'Exists', value: '' }] }] }).nested).toEqual([{ p: 'Metrics', f: [{ n: 'Metrics.Max', o: 'Exists' }] }]);
  });

  it('drops what it does not understand instead of failing on an edited link', () => {
    expect(parseSearchParams({ resource: 'Pipeline', filters: [{ n: 'A', o: 'Like', v: 'x' }, 'junk', { n: 'B', o: 'In', v: 'x,y' }], match: 'Xor', sortOrder: 'Up', sortBy: '' })).toEqual({
      filters: [{ n: 'B', o: 'In', v: 'x,y' }],
    });
    expect(stateOf({})).toEqual({ resource: 'TrainingJob', filters: [], match: 'And' });
  });
});
