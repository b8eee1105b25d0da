import { describe, expect, it } from 'vitest';
import { keysSeen, valuesAt } from './search-properties.js';
import { nameOf, propertyCatalog, resourceViews, searchableResources } from './search-resources.js';

const job = {
  TrainingJobName: 'churn-xgb',
  TrainingJobStatus: 'Completed',
  HyperParameters: { eta: '0.3', max_depth: '4' },
  FinalMetricDataList: [{ MetricName: 'validation:auc', Value: 0.91 }, { MetricName: 'train:auc', Value: 0.97 }],
  InputDataConfig: [{ ChannelName: 'train' }, { ChannelName: 'validation' }],
  Tags: [{ Key: 'team', Value: 'risk' }],
};
const component = {
  TrialComponentName: 'prep-1',
  Parameters: { lr: { NumberValue: 0.01 }, optimizer: { StringValue: 'adam' } },
  Metrics: [{ MetricName: 'loss', Max: 2, Min: 0.5, Last: 0.6 }],
  Parents: [{ TrialName: 'trial-a', ExperimentName: 'exp' }, { TrialName: 'trial-b', ExperimentName: 'exp' }],
};

describe('property catalog from the search record schemas', () => {
  it('knows every common property it suggests first, for every resource', () => {
    for (const r of searchableResources) {
      const names = propertyCatalog(r).map((p) => p.name);
      expect(names.slice(0, resourceViews[r].common.length), r).toEqual(resourceViews[r].common);
      expect(names, r).toContain(resourceViews[r].name);
      expect(names, r).toContain(resourceViews[r].created);
    }
  });

  it('describes properties by kind: statuses with their choices, timestamps, keyed maps and nested list members', () => {
    const byName = new Map(propertyCatalog('TrainingJob').map((p) => [p.name, p]));
    expect(byName.get('TrainingJobStatus')?.kind).toBe('choice');
    expect(byName.get('TrainingJobStatus')?.choices).toContain('Completed');
    expect(byName.get('CreationTime')?.kind).toBe('timestamp');
    expect(byName.get('HyperParameters.')?.kind).toBe('keyed');
    expect(byName.get('Tags.')?.kind).toBe('keyed');
    expect(byName.get('InputDataConfig.ChannelName')?.kind).toBe('text');
    expect(byName.get('ResourceConfig.InstanceCount')?.kind).toBe('number');
    expect(propertyCatalog('Model').map((p) => p.name)).toContain('Model.Tags.');
  });
});

describe('valuesAt', () => {
  it('reads a property as the server does: tags and metrics by key, maps, lists of members', () => {
    expect(valuesAt(job, 'TrainingJobStatus')).toEqual(['Completed']);
    expect(valuesAt(job, 'HyperParameters.eta')).toEqual(['0.3']);
    expect(valuesAt(job, 'Tags.team')).toEqual(['risk']);
    expect(valuesAt(job, 'Metrics.validation:auc')).toEqual([0.91]);
    expect(valuesAt(job, 'InputDataConfig.ChannelName')).toEqual(['train', 'validation']);
    expect(valuesAt(job, 'Tags.absent')).toEqual([]);
    expect(valuesAt(job, 'Nope.deeper')).toEqual([]);
    expect(valuesAt(component, 'Parameters.lr')).toEqual([0.01]);
    expect(valuesAt(component, 'Parameters.optimizer')).toEqual(['adam']);
    expect(valuesAt(component, 'Metrics.loss.Last')).toEqual([0.6]);
    expect(valuesAt(component, 'Parents.TrialName')).toEqual(['trial-a', 'trial-b']);
    expect(nameOf('Model', { Model: { ModelName: 'm1' } })).toBe('m1');
  });

  it('reads only what a record holds: a hyperparameter named constructor or __proto__ is absent, not Object’s', () => {
    // The server accepts any key under a map property; a column for it shows each result's value or a dash.
    expect(valuesAt(job, 'HyperParameters.constructor')).toEqual([]);
    expect(valuesAt(job, 'HyperParameters.__proto__')).toEqual([]);
    expect(valuesAt(job, 'toString')).toEqual([]);
    expect(valuesAt({ HyperParameters: { constructor: '7' } }, 'HyperParameters.constructor')).toEqual(['7']);
  });

  it('collects the keys the records have under keyed properties, for suggestions', () => {
    expect(keysSeen([job, { HyperParameters: { gamma: '1' } }], ['HyperParameters.', 'Metrics.', 'Tags.'])).toEqual([
      'HyperParameters.eta', 'HyperParameters.gamma', 'HyperParameters.max_depth', 'Metrics.train:auc', 'Metrics.validation:auc', 'Tags.team',
    ]);
    expect(keysSeen([component], ['Parameters.', 'Metrics.'])).toEqual(['Metrics.loss', 'Parameters.lr', 'Parameters.optimizer']);
    expect(keysSeen([{ Model: { Tags: [{ Key: 'stage', Value: 'prod' }] } }], ['Model.Tags.'])).toEqual(['Model.Tags.stage']);
  });
});
