import { describe, expect, it } from 'vitest';
import { parseUrlSearch, stringifyUrlSearch } from '../../app/url-search.js';
import { buildExpression } from './search-expression.js';
import { paramsOf, parseSearchParams, readSearchParams, stateOf } from './search-state.js';

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

  it('searches for a link’s unquoted 20-digit value exactly, not for the nearest JavaScript number', () => {
    const link = `?resource=ExperimentTrialComponent&filters=${encodeURIComponent('[{"n":"DisplayName","o":"Equals","v":12345678901234567890}]')}`;
    const state = stateOf(parseSearchParams(parseUrlSearch(link)));
    expect(state.filters).toEqual([{ name: 'DisplayName', operator: 'Equals', value: '12345678901234567890' }]);
    expect(buildExpression(state.filters, state.match).expression).toEqual({ Filters: [{ Name: 'DisplayName', Operator: 'Equals', Value: '12345678901234567890' }] });
    // Written back into the URL (quoted), it reads the same.
    expect(stateOf(parseSearchParams(parseUrlSearch(stringifyUrlSearch(paramsOf(state)))))).toEqual(state);
    // So are a fraction and an exponent with more digits than a number keeps (sent as 12345678901234567000 and 0.1).
    const fractions = `?filters=${encodeURIComponent('[{"n":"DisplayName","o":"Equals","v":12345678901234567890.5},{"n":"Tags.x","o":"Equals","v":0.10000000000000000001},{"n":"Metrics.m","o":"GreaterThan","v":0.5}]')}`;
    expect(stateOf(parseSearchParams(parseUrlSearch(fractions))).filters.map((f) => f.value)).toEqual(['12345678901234567890.5', '0.10000000000000000001', '0.5']);
  });

  it('drops what it does not understand instead of failing on an edited link', () => {
    expect(parseSearchParams({ resource: 'Pipeline', filters: [{ n: 'A', o: 'Like', v: 'x' }, 'junk', { n: 'B', o: 'In', v: 'x,y' }], match: 'Xor', sortOrder: 'Up', sortBy: '' })).toEqual({
      filters: [{ n: 'B', o: 'In', v: 'x,y' }],
    });
    expect(stateOf({})).toEqual({ resource: 'TrainingJob', filters: [], match: 'And' });
  });

  it('names every part of a link it leaves out', () => {
    const { params, ignored } = readSearchParams({
      resource: 'Pipeline',
      filters: [{ n: 'A', o: 'Like', v: 'x' }, 'junk', { n: 'B', o: 'In', v: 'x,y' }, { o: 'Equals' }, { n: 'C', o: 'Equals', v: { deep: 1 } }],
      nested: [{ p: 'Metrics', f: [{ n: 'Metrics.Max', o: 'Bigger', v: '1' }, { n: 'Metrics.MetricName', o: 'Equals', v: 'acc' }] }, { f: [] }, { p: 'Metrics', f: [] }, 7],
      match: 'Xor',
      sortOrder: 'Up',
      utm: 'mail',
    });
    expect(params).toEqual({ filters: [{ n: 'B', o: 'In', v: 'x,y' }, { n: 'C', o: 'Equals' }], nested: [{ p: 'Metrics', f: [{ n: 'Metrics.MetricName', o: 'Equals', v: 'acc' }] }] });
    expect(ignored).toEqual([
      "resource 'Pipeline': not a resource Search finds (searching training jobs instead)",
      "filter 1 on 'A': operator 'Like' is not one of Equals, NotEquals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, Contains, Exists, NotExists, In",
      "filter 2: 'junk' is not a filter (n, o and v)",
      'filter 4: it names no property (n)',
      `filter 5 on 'C': its value {"deep":1} (searched without a value)`,
      "nested filter 1 filter 1 on 'Metrics.Max': operator 'Bigger' is not one of Equals, NotEquals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, Contains, Exists, NotExists, In",
      'nested filter 2: it names no list property (p)',
      "nested filter 3 on 'Metrics': it has no filters (f)",
      'nested filter 4: 7 is not a nested filter (p and f)',
      "match 'Xor': only And or Or (matching all filters)",
      "sortOrder 'Up': only Ascending or Descending",
      'utm: not part of a search',
    ]);
  });

  it('cuts long names, keys and values short in what it names, never within a character', () => {
    const long = 'x'.repeat(5000);
    const { ignored } = readSearchParams({ filters: [{ n: long, o: 'Like' }], nested: [{ p: long }], [long]: '1', match: `${'y'.repeat(55)}${'😀'.repeat(5)}` });
    expect(ignored).toEqual([
      `filter 1 on '${'x'.repeat(56)}…: operator 'Like' is not one of Equals, NotEquals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, Contains, Exists, NotExists, In`,
      `nested filter 1 on '${'x'.repeat(56)}…: it has no filters (f)`,
      `match '${'y'.repeat(55)}😀…: only And or Or (matching all filters)`,
      `${'x'.repeat(57)}…: not part of a search`,
    ]);
  });

  it('reads a value written without quotes, and a filter list that is not JSON as nothing, named', () => {
    expect(readSearchParams({ resource: 'Model', filters: [{ n: 'Model.X', o: 'GreaterThan', v: 5 }] })).toEqual({ params: { resource: 'Model', filters: [{ n: 'Model.X', o: 'GreaterThan', v: '5' }] }, ignored: [] });
    expect(readSearchParams({ filters: '[{"n":"A"' }).ignored).toEqual([`filters: '[{"n":"A"' is not a list of filters`]);
    expect(readSearchParams(paramsOf(stateOf({ resource: 'Model', filters: [{ n: 'A', o: 'Exists' }], match: 'Or', sortBy: 'A', sortOrder: 'Ascending' }))).ignored).toEqual([]);
  });
});
