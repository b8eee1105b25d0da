/**
 * The lineage sync's first pass over a store of training jobs without lineage edges (a store seeded
 * straight into SQLite, or upgraded from before the sync): how long the pass takes, and how long the
 * event loop (so every request) waits meanwhile.
 *
 * Seeds --jobs training jobs (2 channels, a model artifact, 50-point metric series: the shape of
 * seed-store.py's clones) into a fresh SQLite store, copies it once per LineageSync module measured,
 * and runs one pass on each copy while a client lists the first page of training jobs every 50 ms.
 * Reports the pass's time, the longest event-loop stall (perf_hooks histogram, and the longest gap
 * between 10 ms ticks) and the client's slowest and median page.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/scale/lineage-sync-bench.ts <scratch-dir> [--jobs 20000] [--old <lineage-sync.ts of an older commit>] [--batch n]
 * --old: that file copied next to packages/core/src/lineage/lineage-sync.ts (its imports are relative);
 * it is measured first, on its own copy of the same store. Prints one JSON line per measurement.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { jobsCollection, LineageRecorder, LineageSync, silentLogger, systemClock, type JobRecord, type MetadataStore, type Partition } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import { allCollections } from '@loam/server';

const dir = process.argv[2] ?? '';
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const JOBS = Number(arg('jobs') ?? '20000');
const OLD = arg('old');
const BATCH = arg('batch') === undefined ? undefined : Number(arg('batch'));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));
const partition: Partition = { region: 'us-east-1', accountId: '000000000000' };
const T0 = 1_760_000_000;

function job(i: number): JobRecord {
  const name = `xgb-${i % 3 ? 'churn' : 'fraud'}-${String(i).padStart(5, '0')}`;
  const t = T0 + i * ((90 * 86400) / JOBS);
  const series = Array.from({ length: 50 }, (_, s) => [t + s, (0.9 * (s + 1)) / 50, s]);
  return {
    id: `training-job/${name}`, kind: 'training-job', name, arn: `arn:loam:sagemaker:us-east-1:000000000000:training-job/${name}`,
    status: 'Completed', secondaryStatus: 'Completed', phase: 'done', creationTime: t, lastModifiedTime: t + 60, startTime: t + 1, endTime: t + 60,
    request: { TrainingJobName: name, HyperParameters: { num_round: String(50 + (i % 200)), max_depth: String(3 + (i % 8)) } },
    spec: { channels: ['train', 'validation'].map((c) => ({ name: c, s3Uri: `s3://seed/data-${i % 50}/${c}/` })), outputs: [], hyperParameters: { num_round: String(50 + (i % 200)) } },
    modelArtifacts: `s3://seed/output/${name}/output/model.tar.gz`,
    transitions: [], finalMetrics: { 'train:auc': { value: 0.9, time: t + 59 } }, metricSeries: { 'train:auc': { points: series, count: 50 }, 'validation:auc': { points: series, count: 50 } },
    attempts: 1, maxAttempts: 1, eventSeq: {}, exits: {},
  } as unknown as JobRecord;
}

async function seed(store: MetadataStore): Promise<void> {
  for (let i = 0; i < JOBS; i += 1000) {
    await store.transaction(async (tx) => {
      for (let j = i; j < Math.min(JOBS, i + 1000); j++) await tx.collection(jobsCollection).insert(job(j));
    });
  }
}

type SyncClass = typeof LineageSync;
async function measure(label: string, Sync: SyncClass, db: string): Promise<void> {
  const store = await openSqlMetadataStore({ url: `sqlite:${db}`, collections: allCollections, logger: silentLogger });
  const sync = new Sync({ store, partition, clock: systemClock, recorder: new LineageRecorder(store, partition, systemClock), logger: silentLogger, ...(BATCH ? { batchSize: BATCH } : {}) });
  const h = monitorEventLoopDelay({ resolution: 10 });
  let running = true;
  let last = performance.now();
  let gap = 0;
  const gaps: number[] = [];
  const tick = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    gap = Math.max(gap, now - last);
    last = now;
  }, 10);
  const pages: number[] = [];
  const client = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 50));
      if (!running) break;
      const t = performance.now();
      await store.collection(jobsCollection).list({ filters: [{ field: 'kind', op: 'eq', value: 'training-job' }], sortBy: 'creationTime', sortOrder: 'Descending', maxResults: 10 });
      pages.push(performance.now() - t);
    }
  })();
  h.enable();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await sync.syncOnce();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  // A loop held for the whole pass never ran the tick, nor the histogram's own timer: its stall ends now.
  gap = Math.max(gap, performance.now() - last);
  h.disable();
  running = false;
  clearInterval(tick);
  await client;
  pages.sort((a, b) => a - b);
  print({
    what: `${label}: first lineage sync pass over ${JOBS} jobs without edges`, ms: Math.round(ms), cpuMs: Math.round((c.user + c.system) / 1000),
    longestTickGapMs: Math.round(gap), loopDelayMaxMs: h.count > 0 ? Math.round(h.max / 1e6) : null, loopDelayP99Ms: h.count > 0 ? Math.round(h.percentile(99) / 1e6) : null,
    tickGapsOver200ms: gaps.filter((g) => g > 200).length, tickGapsOver100ms: gaps.filter((g) => g > 100).length, clientPages: pages.length,
    clientPageMedianMs: Math.round(pages[Math.floor(pages.length / 2)] ?? NaN), clientPageMaxMs: Math.round(pages[pages.length - 1] ?? NaN),
    edgesOfLastJob: (await store.lineage.edges(job(JOBS - 1).arn, 'upstream')).length + (await store.lineage.edges(job(JOBS - 1).arn, 'downstream')).length,
  });
  await store.close();
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const seeded = `${dir}/seeded.db`;
const store = await openSqlMetadataStore({ url: `sqlite:${seeded}`, collections: allCollections, logger: silentLogger });
const t0 = performance.now();
await seed(store);
print({ what: `seed ${JOBS} training jobs`, ms: Math.round(performance.now() - t0) });
await store.close();
const runs: [string, SyncClass][] = [];
if (OLD) runs.push(['before', ((await import(pathToFileURL(resolve(OLD)).href)) as { LineageSync: SyncClass }).LineageSync]);
runs.push([OLD ? 'after' : 'this build', LineageSync]);
for (const [label, Sync] of runs) {
  const db = `${dir}/${label.replace(/ /g, '-')}.db`;
  copyFileSync(seeded, db);
  await measure(label, Sync, db);
}
