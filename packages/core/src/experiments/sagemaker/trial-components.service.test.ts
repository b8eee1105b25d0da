import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryExperimentStore } from '@loam/testkit/fakes/memory-experiment-store';
import type { ActionAuthorizer } from '../../kernel/authorizer.js';
import { ManualClock } from '../../kernel/clock.js';
import { ctxOf } from '../../registry/registry.test-support.js';
import { TrackingArtifacts } from '../tracking-artifacts.js';
import { TrackingService } from '../tracking.service.js';
import { TrialComponentsService } from './trial-components.service.js';

const alice = ctxOf('alice');
const partition = { region: 'us-east-1', accountId: '123456789012' };
const allow: ActionAuthorizer = async () => {};

describe('ListTrialComponents', () => {
  it("reads a page's run infos at once, each summary with its own run's: runs of two experiments, a deleted one among them", async () => {
    const store = new MemoryExperimentStore();
    let reads = 0;
    // The port answers run infos in no particular order: here the reverse of the order asked.
    const reversing = new Proxy(store, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop, target);
        if (prop === 'getRunInfo') throw new Error('one run info read per component');
        if (prop !== 'getRunInfos') return typeof v === 'function' ? v.bind(target) : v;
        return async (runIds: readonly string[]) => {
          reads++;
          return (await target.getRunInfos(runIds)).reverse();
        };
      },
    });
    const clock = new ManualClock(1_700_000_000_000);
    const tracking = new TrackingService({ store: reversing, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
    const components = new TrialComponentsService(tracking, allow, partition);
    const other = await store.createExperiment({ name: 'other', artifactRoot: 'r:', tags: [], time: 1 });
    const made = [['a', '0', 'FINISHED', 1_600_000_000_000], ['b', other, 'FAILED', 1_650_000_000_000], ['c', '0', 'RUNNING', 1_700_000_000_000], ['d', other, 'KILLED', 1_750_000_000_000]] as const;
    for (const [name, experimentId, status, startTime] of made) {
      const run = await tracking.createRun({ experimentId, runName: name }, alice.principal);
      await store.updateRunInfo(run.info.runId, { status, startTime, ...(name === 'c' ? { lifecycleStage: 'deleted', deletedTime: 1 } : {}) });
      await store.createTrialComponent({ name, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1, lastModifiedTime: 1 });
    }
    const r = await components.ListTrialComponents({ SortBy: 'Name', SortOrder: 'Ascending' }, alice);
    expect(r.TrialComponentSummaries.map((s) => [s.TrialComponentName, s.Status?.PrimaryStatus, s.StartTime])).toEqual([
      ['a', 'Completed', 1_600_000_000], ['b', 'Failed', 1_650_000_000], ['d', 'Stopped', 1_750_000_000],
    ]);
    expect(reads).toBe(1);
  });
});
