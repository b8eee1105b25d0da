/**
 * CloudWatch metric reads over stored endpoint minutes (MetricHistory.minutes, behind GetMetricStatistics
 * and GetMetricData): one variant's minutes over a window, with every variant of the endpoint holding the
 * 15 days of minutes kept.
 *
 * Two stores seeded alike: "before" laid out as endpoint_metric_minutes was (endpointName and minute
 * indexed) and read as MetricHistory read it (the endpoint's minutes in the window, in key order, the
 * variant kept in JavaScript); "after" with today's spec and read. Then "before" is opened with today's
 * spec: the migrations' time on a full table.
 *
 * usage (from /work/main):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/scale/metric-bench.ts <scratch-dir> [--variants 4] [--days 15] [--url postgres://…] [--migrations-only]
 * With --url, both stores are schemas of that PostgreSQL database (dropped first). With --migrations-only,
 * "after" is neither seeded nor read: only "before" opened with today's spec. Prints one JSON line per measurement.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { listAll, metricMinutesCollection, silentLogger, type CollectionSpec, type MetadataStore, type MetricAggregate, type MetricMinuteRecord } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import pg from 'pg';

const dir = process.argv[2] ?? '';
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const VARIANTS = Number(arg('variants', '4'));
const DAYS = Number(arg('days', '15'));
const PG = arg('url', '');
const MIGRATIONS_ONLY = process.argv.includes('--migrations-only');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const print = (o: object) => console.log(JSON.stringify({ ...o, loadavg: load() }));
async function time<T>(what: string, f: () => Promise<T>, extra: (r: T) => object = () => ({})): Promise<T> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await f();
  const c = process.cpuUsage(c0);
  print({ what, ms: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000), ...extra(r) });
  return r;
}

const oldSpec: CollectionSpec<MetricMinuteRecord> = { name: metricMinutesCollection.name, key: 'key', indexes: { endpointName: 'text', minute: 'integer' } };
const open = (name: string, spec: CollectionSpec<MetricMinuteRecord>) => openSqlMetadataStore({
  ...(PG ? { url: PG, schema: `bench_${name}` } : { url: `sqlite:${dir}/${name}.db` }), collections: [spec], logger: silentLogger,
});

/** A busy minute's aggregate: ~20 latency buckets each, as a served model's minutes hold. */
function aggregate(i: number): MetricAggregate {
  const hist = (base: number) => Object.fromEntries(Array.from({ length: 20 }, (_, k) => [base + k, 1 + ((i + k) % 17)]));
  return { invocations: 600, errors4xx: i % 3, errors5xx: i % 7 === 0 ? 1 : 0, latencyCount: 597, modelSumUs: 597 * 2100, overheadSumUs: 597 * 180, modelMinUs: 900, modelMaxUs: 9000, overheadMinUs: 60, overheadMaxUs: 900, modelHist: hist(80), overheadHist: hist(50) };
}

const END = 1_764_000_000; // a minute boundary
const minutes = (DAYS * 86400) / 60;
async function seed(store: MetadataStore): Promise<void> {
  for (let v = 0; v < VARIANTS; v++) {
    for (let i = 0; i < minutes; i += 1000) {
      await store.transaction(async (tx) => {
        const t = tx.collection(metricMinutesCollection);
        for (let j = i; j < Math.min(minutes, i + 1000); j++) {
          const minute = END - (minutes - j) * 60;
          await t.insert({ key: `ep/v${v}/${minute}`, endpointName: 'ep', variantName: `v${v}`, minute, instances: 1, aggregate: aggregate(j) });
        }
      });
    }
  }
}

if (PG) {
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  await client.query('drop schema if exists bench_before cascade; drop schema if exists bench_after cascade');
  await client.end();
} else {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
const before = await open('before', oldSpec);
const after = await open('after', metricMinutesCollection);
await time(`seed before (${VARIANTS} variants x ${minutes} minutes)`, () => seed(before));
if (!MIGRATIONS_ONLY) await time(`seed after (${VARIANTS} variants x ${minutes} minutes)`, () => seed(after));

const readBefore = async (variant: string, from: number, to: number) => {
  const rows = await listAll(before.collection(oldSpec), { filters: [{ field: 'endpointName', op: 'eq', value: 'ep' }, { field: 'minute', op: 'gte', value: from }, { field: 'minute', op: 'lt', value: to }] });
  return rows.filter((r) => r.value.variantName === variant).map((r) => r.value);
};
const readAfter = async (variant: string, from: number, to: number) => {
  const rows = await listAll(after.collection(metricMinutesCollection), {
    filters: [{ field: 'endpointName', op: 'eq', value: 'ep' }, { field: 'variantName', op: 'eq', value: variant }, { field: 'minute', op: 'gte', value: from }, { field: 'minute', op: 'lt', value: to }],
    sortBy: 'minute',
  });
  return rows.map((r) => r.value);
};
const windows: [string, number][] = MIGRATIONS_ONLY ? [] : [[`${DAYS} days`, DAYS * 86400], ['1 day', 86400], ['1 hour', 3600]];
for (const [label, span] of windows) {
  for (let run = 0; run < 3; run++) {
    const v = `v${run % VARIANTS}`;
    const a = await time(`before: one variant, ${label} (run ${run + 1})`, () => readBefore(v, END - span, END), (r) => ({ minutes: r.length }));
    const b = await time(`after: one variant, ${label} (run ${run + 1})`, () => readAfter(v, END - span, END), (r) => ({ minutes: r.length }));
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`different answers for ${label}`);
  }
}
await before.close();
await after.close();
const migrated = await time(`open before with today's spec (migrations over ${VARIANTS * minutes} minutes)`, () => open('before', metricMinutesCollection));
await time(`migrated before: one variant, ${DAYS} days`, async () => (await listAll(migrated.collection(metricMinutesCollection), {
  filters: [{ field: 'endpointName', op: 'eq', value: 'ep' }, { field: 'variantName', op: 'eq', value: 'v1' }, { field: 'minute', op: 'gte', value: END - DAYS * 86400 }, { field: 'minute', op: 'lt', value: END }],
  sortBy: 'minute',
})).length, (n) => ({ minutes: n }));
await migrated.close();
