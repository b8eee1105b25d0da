import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, TrackingArtifacts, TrackingService, TrialComponentsService, TrialsService, type ActionAuthorizer, type ExperimentStore, type RequestContext } from '@loam/core';
import { MemoryArtifactStore } from '@loam/testkit/fakes/memory-artifact-store';
import { testPostgresUrl, useFreshPostgresSchema } from '../postgres-test-schema.js';
import { openSqlExperimentStore } from './open-sql-experiment-store.js';

/*
 * UpdateTrialComponent merged its Parameters and artifacts into the component as read before the write, so two
 * updates at once lost one's additions; DeleteTrialComponent checked for trials and then deleted, so an
 * AssociateTrialComponent in between was acknowledged and lost (or linked a deleted component). The store now
 * merges, checks and writes under one lock (SqlDialect.lockUntilEnd, in a transaction): checked on SQLite and
 * PostgreSQL through the services.
 */
const partition = { region: 'us-east-1', accountId: '123456789012' };
const allow: ActionAuthorizer = async () => {};
const ctx = { principal: { userName: 'alice', userId: 'id-alice', arn: 'arn:loam:iam::123456789012:user/alice', via: 'token' }, requestId: 'test' } as RequestContext;
const N = 12;

/** The store, with one method's next call held (after the caller's reads, before its write) until `release`. */
function holding(store: ExperimentStore) {
  let held: { method: string; reached: () => void; gate: Promise<void> } | undefined;
  const proxy = new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const h = held;
        if (h && h.method === prop) {
          held = undefined;
          h.reached();
          await h.gate;
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const hold = (method: keyof ExperimentStore) => {
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const atGate = new Promise<void>((r) => (reached = r));
    held = { method, reached, gate };
    return { release, atGate };
  };
  return { proxy, hold };
}

function raceTests(backend: string, open: () => Promise<ExperimentStore>): void {
  describe(`trial component races (${backend})`, () => {
    const stores: ExperimentStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    const setup = async () => {
      const store = await open();
      stores.push(store);
      const { proxy, hold } = holding(store);
      const clock = new ManualClock(1_700_000_000_000);
      const tracking = new TrackingService({ store: proxy, clock, artifacts: new TrackingArtifacts(new MemoryArtifactStore(clock)) });
      const components = new TrialComponentsService(tracking, allow, partition);
      const trials = new TrialsService(tracking, allow, partition);
      // One PostgreSQL schema serves every test: each test's names are its own.
      const prefix = `r${stores.length}`;
      await store.createExperiment({ name: `${prefix}-exp`, artifactRoot: 'r:', tags: [], time: 1 });
      return { hold, components, trials, n: (name: string) => `${prefix}-${name}` };
    };
    const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

    it(`${N} concurrent UpdateTrialComponent calls each keep their Parameters and artifacts`, async () => {
      const { components, n } = await setup();
      const merged = n('merged');
      await components.CreateTrialComponent({ TrialComponentName: merged, Parameters: { base: { StringValue: 'b' } } }, ctx);
      await Promise.all(Array.from({ length: N }, (_, i) => components.UpdateTrialComponent({
        TrialComponentName: merged, Parameters: { [`p${i}`]: { NumberValue: i } },
        InputArtifacts: { [`in${i}`]: { Value: `s3://b/in/${i}` } }, OutputArtifacts: { [`out${i}`]: { Value: `s3://b/out/${i}`, MediaType: 'text/csv' } },
      }, ctx)));
      const d = await components.DescribeTrialComponent({ TrialComponentName: merged }, ctx);
      const want = (f: (i: number) => [string, unknown]) => Object.fromEntries(Array.from({ length: N }, (_, i) => f(i)));
      // Each NumberValue stays a number: the component's list of number-valued keys is merged too.
      expect(d.Parameters).toEqual({ base: { StringValue: 'b' }, ...want((i) => [`p${i}`, { NumberValue: i }]) });
      expect(d.InputArtifacts).toEqual(want((i) => [`in${i}`, { Value: `s3://b/in/${i}` }]));
      expect(d.OutputArtifacts).toEqual(want((i) => [`out${i}`, { Value: `s3://b/out/${i}`, MediaType: 'text/csv' }]));
    });

    it('concurrent updates stop at exactly 60 input artifacts: the rest are refused, none lost', async () => {
      const { components, n } = await setup();
      const full = n('full');
      const start = Object.fromEntries(Array.from({ length: 57 }, (_, i) => [`a${i}`, { Value: `s3://b/a/${i}` }]));
      await components.CreateTrialComponent({ TrialComponentName: full, InputArtifacts: start }, ctx);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => outcome(components.UpdateTrialComponent({ TrialComponentName: full, InputArtifacts: { [`new${i}`]: { Value: `s3://b/new/${i}` } } }, ctx))));
      expect(results.filter((r) => r === 'ok')).toHaveLength(3);
      expect(results.filter((r) => r === 'ValidationException')).toHaveLength(5);
      const d = await components.DescribeTrialComponent({ TrialComponentName: full }, ctx);
      expect(Object.keys(d.InputArtifacts ?? {})).toHaveLength(60);
    });

    it('a DeleteTrialComponent after UpdateTrialComponent read the component makes the update fail (ResourceNotFound), not acknowledged', async () => {
      const { hold, components, n } = await setup();
      await components.CreateTrialComponent({ TrialComponentName: n('u') }, ctx);
      const h = hold('updateTrialComponent');
      const updating = outcome(components.UpdateTrialComponent({ TrialComponentName: n('u'), DisplayName: 'renamed', Status: { PrimaryStatus: 'Completed' } }, ctx));
      await h.atGate;
      await components.DeleteTrialComponent({ TrialComponentName: n('u') }, ctx);
      h.release();
      expect(await updating).toBe('ResourceNotFound');
      await expect(outcome(components.DescribeTrialComponent({ TrialComponentName: n('u') }, ctx))).resolves.toBe('ResourceNotFound');
    });

    it('an AssociateTrialComponent after DeleteTrialComponent checked for trials makes the delete fail; the association stands', async () => {
      const { hold, components, trials, n } = await setup();
      await components.CreateTrialComponent({ TrialComponentName: n('c') }, ctx);
      await trials.CreateTrial({ TrialName: n('t'), ExperimentName: n('exp') }, ctx);
      const h = hold('deleteTrialComponent');
      const deleting = outcome(components.DeleteTrialComponent({ TrialComponentName: n('c') }, ctx));
      await h.atGate;
      await trials.AssociateTrialComponent({ TrialName: n('t'), TrialComponentName: n('c') }, ctx);
      h.release();
      expect(await deleting).toBe('ValidationException');
      expect((await components.DescribeTrialComponent({ TrialComponentName: n('c') }, ctx)).TrialComponentName).toBe(n('c'));
      expect((await trials.ListTrials({ TrialComponentName: n('c') }, ctx)).TrialSummaries.map((t) => t.TrialName)).toEqual([n('t')]);
    });

    it('a DeleteTrialComponent after AssociateTrialComponent read the component makes the association fail (ResourceNotFound); nothing is linked', async () => {
      const { hold, components, trials, n } = await setup();
      await components.CreateTrialComponent({ TrialComponentName: n('c') }, ctx);
      await trials.CreateTrial({ TrialName: n('t'), ExperimentName: n('exp') }, ctx);
      const h = hold('associateTrialComponent');
      const associating = outcome(trials.AssociateTrialComponent({ TrialName: n('t'), TrialComponentName: n('c') }, ctx));
      await h.atGate;
      await components.DeleteTrialComponent({ TrialComponentName: n('c') }, ctx);
      h.release();
      expect(await associating).toBe('ResourceNotFound');
      expect((await components.ListTrialComponents({ TrialName: n('t') }, ctx)).TrialComponentSummaries).toEqual([]);
      await trials.DeleteTrial({ TrialName: n('t') }, ctx);
    });

    it('an AssociateTrialComponent after DeleteTrial checked for components makes the delete fail; the association stands', async () => {
      const { hold, components, trials, n } = await setup();
      await components.CreateTrialComponent({ TrialComponentName: n('c') }, ctx);
      await trials.CreateTrial({ TrialName: n('t'), ExperimentName: n('exp') }, ctx);
      const h = hold('deleteTrial');
      const deleting = outcome(trials.DeleteTrial({ TrialName: n('t') }, ctx));
      await h.atGate;
      await trials.AssociateTrialComponent({ TrialName: n('t'), TrialComponentName: n('c') }, ctx);
      h.release();
      expect(await deleting).toBe('ValidationException');
      expect((await components.ListTrialComponents({ TrialName: n('t') }, ctx)).TrialComponentSummaries.map((c) => c.TrialComponentName)).toEqual([n('c')]);
    });

    it('DeleteTrialComponent and AssociateTrialComponent at once: never both acknowledged, never a link to a deleted component', async () => {
      const { components, trials, n } = await setup();
      await trials.CreateTrial({ TrialName: n('t'), ExperimentName: n('exp') }, ctx);
      for (let i = 0; i < 10; i++) await components.CreateTrialComponent({ TrialComponentName: n(`c${i}`) }, ctx);
      const results = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
        const [deleted, associated] = await Promise.all([
          outcome(components.DeleteTrialComponent({ TrialComponentName: n(`c${i}`) }, ctx)), outcome(trials.AssociateTrialComponent({ TrialName: n('t'), TrialComponentName: n(`c${i}`) }, ctx)),
        ]);
        return { i, deleted, associated };
      }));
      for (const r of results) expect([r.deleted, r.associated].filter((x) => x === 'ok'), `c${r.i}: ${r.deleted} / ${r.associated}`).toHaveLength(1);
      const linked = (await components.ListTrialComponents({ TrialName: n('t'), MaxResults: 100 }, ctx)).TrialComponentSummaries.map((c) => c.TrialComponentName).sort();
      expect(linked).toEqual(results.filter((r) => r.associated === 'ok').map((r) => n(`c${r.i}`)).sort());
      // A link left to a deleted component would show once a component takes its name again.
      for (const r of results) if (r.deleted === 'ok') await components.CreateTrialComponent({ TrialComponentName: n(`c${r.i}`) }, ctx);
      expect((await components.ListTrialComponents({ TrialName: n('t'), MaxResults: 100 }, ctx)).TrialComponentSummaries.map((c) => c.TrialComponentName).sort()).toEqual(linked);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'loam-races-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
raceTests('SQLite file', () => openSqlExperimentStore({ url: `sqlite:${join(dir, `e${files++}.db`)}` }));
const schema = useFreshPostgresSchema();
raceTests('PostgreSQL', () => openSqlExperimentStore({ url: testPostgresUrl, schema }));
