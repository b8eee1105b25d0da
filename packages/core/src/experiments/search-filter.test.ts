import { describe, expect, it } from 'vitest';
import { parseExperimentFilter, parseExperimentOrderBy, parseRunFilter, parseRunOrderBy } from './search-filter.js';

describe("MLflow's search grammar", () => {
  it('parses every entity, alias and comparator into clauses', () => {
    expect(parseRunFilter("metrics.rmse < 0.5 AND params.lr = '0.01' and tags.`mlflow.runName` ILIKE \"%best%\" AND attr.status != 'FAILED'")).toEqual([
      { kind: 'metric', key: 'rmse', op: '<', value: 0.5 },
      { kind: 'param', key: 'lr', op: '=', value: '0.01' },
      { kind: 'tag', key: 'mlflow.runName', op: 'ILIKE', value: '%best%' },
      { kind: 'attribute', key: 'status', op: '!=', value: 'FAILED' },
    ]);
    expect(parseRunFilter('metric.acc >= -1e-3 AND created > 5 AND `Run Name` LIKE \'a%\'')).toEqual([
      { kind: 'metric', key: 'acc', op: '>=', value: -0.001 },
      { kind: 'attribute', key: 'start_time', op: '>', value: 5 },
      { kind: 'attribute', key: 'run_name', op: 'LIKE', value: 'a%' },
    ]);
    expect(parseRunFilter("attributes.run_id IN ('a', 'b') AND datasets.name NOT IN ('x') AND tags.\"a b\" = 'c'")).toEqual([
      { kind: 'attribute', key: 'run_id', op: 'IN', value: ['a', 'b'] },
      { kind: 'dataset', key: 'name', op: 'NOT IN', value: ['x'] },
      { kind: 'tag', key: 'a b', op: '=', value: 'c' },
    ]);
    expect(parseRunFilter('  ')).toEqual([]);
    expect(parseRunOrderBy('metrics.`val loss` DESC')).toEqual({ kind: 'metric', key: 'val loss', ascending: false });
    expect(parseRunOrderBy('start_time')).toEqual({ kind: 'attribute', key: 'start_time', ascending: true });
    expect(parseExperimentFilter("name LIKE 'a%' AND tags.team = 'x' AND creation_time > 3")).toEqual([
      { kind: 'attribute', key: 'name', op: 'LIKE', value: 'a%' },
      { kind: 'tag', key: 'team', op: '=', value: 'x' },
      { kind: 'attribute', key: 'creation_time', op: '>', value: 3 },
    ]);
    expect(parseExperimentOrderBy('attributes.last_update_time DESC')).toEqual({ key: 'last_update_time', ascending: false });
  });

  it('refuses what MLflow refuses, naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['metrics.rmse < 0.5 OR metrics.rmse > 1', /'OR' is not supported/],
      ["metrics.rmse = 'x'", /numeric value/],
      ['params.lr = 0.1', /quoted string/],
      ["params.lr > '1'", /not a valid comparator for params/],
      ["colour = 'red'", /invalid attribute key 'colour'/],
      ["things.x = 'y'", /invalid entity type 'things'/],
      ["attributes.status IN ('A')", /only the 'run_id' attribute/],
      ["params.lr = 'unterminated", /unterminated/],
      ['metrics.rmse <', /ended/],
      ['metrics.rmse <> 1', /'<>' is not a comparator/],
      ["params.a = 'x' params.b = 'y'", /expected AND/],
      ['metrics.rmse ~ 1', /unexpected character '~'/],
    ];
    for (const [input, message] of bad) expect(() => parseRunFilter(input), input).toThrow(message);
    for (const input of ['metrics.rmse SIDEWAYS', 'datasets.name', 'attributes.run_id', 'metrics.a ASC extra']) {
      expect(() => parseRunOrderBy(input), input).toThrow(expect.objectContaining({ code: 'ValidationException' }));
    }
    expect(() => parseExperimentFilter("metrics.x > 1")).toThrow(/valid values are attribute and tag/);
  });
});
