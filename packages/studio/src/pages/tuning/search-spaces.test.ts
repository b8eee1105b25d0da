import { describe, expect, it } from 'vitest';
import { objectiveOf, searchSpaces } from './search-spaces.js';

const ranges = { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5' }] };
const objective = { Type: 'Maximize', MetricName: 'validation:auc' };

describe("a tuning job's search spaces", () => {
  it('one TrainingJobDefinition: the config holds the ranges and the objective', () => {
    const job = { HyperParameterTuningJobConfig: { HyperParameterTuningJobObjective: objective, ParameterRanges: ranges }, TrainingJobDefinition: { StaticHyperParameters: { num_round: '5' } } };
    expect(searchSpaces(job)).toEqual([{ objective, ranges, statics: { num_round: '5' } }]);
    expect(objectiveOf(job)).toEqual(objective);
  });

  it('TrainingJobDefinitions: each definition holds its own ranges, objective and static hyperparameters (the config has none)', () => {
    const other = { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '4' }] };
    const job = {
      HyperParameterTuningJobConfig: {},
      TrainingJobDefinitions: [
        { DefinitionName: 'd1', TuningObjective: objective, HyperParameterRanges: ranges, StaticHyperParameters: { num_round: '5' } },
        { DefinitionName: 'd2', TuningObjective: objective, HyperParameterRanges: other },
      ],
    };
    expect(searchSpaces(job)).toEqual([
      { label: 'Definition d1', objective, ranges, statics: { num_round: '5' } },
      { label: 'Definition d2', objective, ranges: other, statics: {} },
    ]);
    // A maximized objective stays maximized: the trials' best-first order and the chart read it.
    expect(objectiveOf(job)).toEqual(objective);
  });
});
