import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryExperimentStore } from '@loam/testkit/fakes/memory-experiment-store';
import { createMemoryMetadataStore } from '@loam/testkit/fakes/memory-metadata-store';
import { SageMakerExperimentsService } from '../experiments/sagemaker/sagemaker-experiments.service.js';
import { TrialComponentsService } from '../experiments/sagemaker/trial-components.service.js';
import { TrialsService } from '../experiments/sagemaker/trials.service.js';
import { TrackingAccess } from '../experiments/tracking-access.js';
import { TrackingArtifacts } from '../experiments/tracking-artifacts.js';
import { TrackingService } from '../experiments/tracking.service.js';
import type { ActionAuthorizer } from '../kernel/authorizer.js';
import { ManualClock } from '../kernel/clock.js';
import { ctxOf } from '../registry/registry.test-support.js';
import { experimentSearchSources } from './experiment-sources.js';
import { OneByOneSearchService } from './search-tags-one-by-one.test-support.js';
import { SearchService } from './search.service.js';

// Tags.<key> filters on experiments, trials and trial components (sources reading the experiment store, in store
// order and sorted here) answer with the store's targeted tag reads as with each candidate's tags read alone.

const alice = ctxOf('alice');
const partition = { region: 'us-east-1', accountId: '123456789012' };
const allow: ActionAuthorizer = async () => {};

/** 9 experiments, 12 trials, 15 components, a second apart, tagged team a|b|A|none and env on some. */
async function services() {
  const clock = new ManualClock(1_700_000_000_000);
  const tracking = new TrackingService({ store: new MemoryExperimentStore(), clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
  const store = createMemoryMetadataStore({ collections: [] });
  const experiments = new SageMakerExperimentsService(tracking, new TrackingAccess(tracking, allow, partition), allow, partition, store.tags);
  const trials = new TrialsService(tracking, allow, partition, store.tags);
  const components = new TrialComponentsService(tracking, allow, partition, store.tags);
  const tags = (i: number) => {
    const team = ['a', 'b', 'A', undefined][i % 4];
    const t = [...(team === undefined ? [] : [{ Key: 'team', Value: team }]), ...(i % 3 === 0 ? [{ Key: 'env', Value: 'prod' }] : [])];
    return t.length ? { Tags: t } : {};
  };
  for (let i = 0; i < 9; i++) {
    clock.advance(1000);
    await experiments.CreateExperiment({ ExperimentName: `e${i}`, ...tags(i) });
  }
  for (let i = 0; i < 12; i++) {
    clock.advance(i % 4 === 0 ? 0 : 1000);
    await trials.CreateTrial({ TrialName: `t${String(i).padStart(2, '0')}`, ExperimentName: `e${i % 9}`, ...tags(i + 1) }, alice);
  }
  for (let i = 0; i < 15; i++) {
    clock.advance(1000);
    await components.CreateTrialComponent({ TrialComponentName: `c${String(i).padStart(2, '0')}`, Parameters: { lr: { NumberValue: (i * 7) % 10 } }, ...tags(i + 2) }, alice);
  }
  const sources = experimentSearchSources({ tracking, partition, authorize: allow });
  return { targeted: new SearchService({ store, sources }), oneByOne: new OneByOneSearchService({ store, sources }) };
}

type Input = Parameters<SearchService['Search']>[0];

async function walk(search: SearchService, input: Input): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  do {
    const r = await search.Search({ ...input, ...(token ? { NextToken: token } : {}) }, alice);
    out.push(r);
    token = r.NextToken;
  } while (token && out.length < 50);
  return out;
}

const f = (Name: string, Operator?: string, Value?: string) => ({ Name, ...(Operator ? { Operator } : {}), ...(Value === undefined ? {} : { Value }) }) as never;

describe('Search by tags of experiments, trials and trial components', () => {
  it('answers as reading each candidate\'s tags alone: every page, token and TotalHits', async () => {
    const { targeted, oneByOne } = await services();
    const expressions: Input['SearchExpression'][] = [
      { Filters: [f('Tags.team', 'Equals', 'a')] },
      { Filters: [f('Tags.team', 'NotEquals', 'a')] },
      { Filters: [f('Tags.team', 'NotExists')] },
      { Filters: [f('Tags.team', 'Contains', 'a'), f('Tags.env', 'Exists')] },
      { Filters: [f('Tags.team', 'In', 'b,A')] },
      { Operator: 'Or', Filters: [f('Tags.team', 'Equals', 'b'), f('Tags.env', 'Equals', 'prod')] },
    ];
    let found = 0;
    for (const Resource of ['Experiment', 'ExperimentTrial', 'ExperimentTrialComponent'] as const) {
      const named = Resource === 'Experiment' ? 'ExperimentName' : Resource === 'ExperimentTrial' ? 'TrialName' : 'TrialComponentName';
      for (const SearchExpression of expressions) {
        for (const sort of [{}, { SortBy: 'CreationTime', SortOrder: 'Ascending' }, { SortBy: named }] as const) {
          const input = { Resource, MaxResults: 2, SearchExpression, ...sort } as Input;
          const want = await walk(oneByOne, input);
          found += (want as { Results: unknown[] }[]).reduce((n, p) => n + p.Results.length, 0);
          expect(await walk(targeted, input), JSON.stringify(input)).toEqual(want);
        }
      }
    }
    // The comparison is not between two empty answers.
    expect(found).toBeGreaterThan(100);
  }, 60_000);
});
