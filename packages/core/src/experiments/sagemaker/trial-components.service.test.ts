import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { MemoryExperimentStore } from '@loam/testkit/fakes/memory-experiment-store';
import type { ActionAuthorizer } from '../../kernel/authorizer.js';
import { ManualClock } from '../../kernel/clock.js';
import { ctxOf } from '../../registry/registry.test-support.js';
import { TrackingArtifacts } from '../tracking-artifacts.js';
import { TrackingService } from '../tracking.service.js';
import { TrialComponentsService } from './trial-components.service.js';
import { TrialsService } from './trials.service.js';

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

  it('pages by the last summary\'s position: a component deleted or taken out of the trial between two pages moves none past the next (an offset skipped one)', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = new MemoryExperimentStore();
    const tracking = new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
    const components = new TrialComponentsService(tracking, allow, partition);
    const exp = await store.createExperiment({ name: 'exp', artifactRoot: 'r:', tags: [], time: 1 });
    await store.createTrial({ name: 't', experimentId: exp, creationTime: 1, lastModifiedTime: 1 });
    // a..f, created in pairs of one millisecond.
    for (const [i, name] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) {
      const run = await tracking.createRun({ experimentId: exp, runName: name }, alice.principal);
      await store.createTrialComponent({ name, runId: run.info.runId, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 1000 + Math.floor(i / 2), lastModifiedTime: 1 });
      await store.associateTrialComponent('t', name, 1);
    }
    const list = async (q: Partial<Parameters<TrialComponentsService['ListTrialComponents']>[0]>) => {
      const r = await components.ListTrialComponents({ TrialName: 't', MaxResults: 2, ...q }, alice);
      return { names: r.TrialComponentSummaries.map((s) => s.TrialComponentName), next: r.NextToken };
    };
    const byName = await list({ SortBy: 'Name', SortOrder: 'Ascending' });
    expect(byName.names).toEqual(['a', 'b']);
    await store.deleteTrialComponent('a');
    expect((await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: byName.next as string })).names).toEqual(['c', 'd']);
    // By CreationTime (the default, Descending): f, e, then d, c, whatever left the trial meanwhile.
    const byTime = await list({});
    expect(byTime.names).toEqual(['f', 'e']);
    await store.disassociateTrialComponent('t', 'f');
    const second = await list({ NextToken: byTime.next as string });
    expect(second.names).toEqual(['d', 'c']);
    expect((await list({ NextToken: second.next as string })).names).toEqual(['b']);
    // An earlier version's token (an offset) is still served, once: its answer's token is a position.
    const old = await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: Buffer.from(JSON.stringify({ offset: 1 })).toString('base64') });
    expect(old.names).toEqual(['c', 'd']);
    expect((await list({ SortBy: 'Name', SortOrder: 'Ascending', NextToken: old.next as string })).names).toEqual(['e']);
    // A token of another order, or not one issued, is refused naming NextToken.
    for (const NextToken of [byName.next as string, 'not-a-token', Buffer.from(JSON.stringify({ order: 'creationTime:desc', after: { name: 'c' } })).toString('base64')]) {
      await expect(list({ NextToken })).rejects.toMatchObject({ code: 'ValidationException', fields: [{ path: '/NextToken' }] });
    }
  });
});

describe('times of trial components and trials', () => {
  it('come from the injected clock, as their runs\' do: created and updated', async () => {
    // Far from the machine's time, so a stamp taken from it could not pass for the clock's.
    const clock = new ManualClock(1_000_000_000_000);
    const store = new MemoryExperimentStore();
    const tracking = new TrackingService({ store, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
    const components = new TrialComponentsService(tracking, allow, partition);
    const trials = new TrialsService(tracking, allow, partition);
    await store.createExperiment({ name: 'exp', artifactRoot: 'r:', tags: [], time: 1 });

    await components.CreateTrialComponent({ TrialComponentName: 'c' }, alice);
    await trials.CreateTrial({ TrialName: 't', ExperimentName: 'exp' }, alice);
    clock.advance(60_000);
    await components.UpdateTrialComponent({ TrialComponentName: 'c', DisplayName: 'renamed' }, alice);
    await trials.UpdateTrial({ TrialName: 't', DisplayName: 'renamed' }, alice);

    const c = await components.DescribeTrialComponent({ TrialComponentName: 'c' }, alice);
    expect([c.CreationTime, c.LastModifiedTime]).toEqual([1_000_000_000, 1_000_000_060]);
    const t = await trials.DescribeTrial({ TrialName: 't' }, alice);
    expect([t.CreationTime, t.LastModifiedTime]).toEqual([1_000_000_000, 1_000_000_060]);
    expect((await store.getRunInfo((await store.getTrialComponent('c'))!.runId))?.startTime).toBe(1_000_000_000_000);
  });
});
