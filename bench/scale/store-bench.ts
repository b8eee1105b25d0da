/**
 * Metadata store at team scale: the store calls behind ListTrainingJobs (kind filter, CreationTime
 * Descending, StatusEquals, NameContains, a paginator to the end) and behind the lineage recorder's
 * nested-artifact lookup (a `prefix` filter on lineage_artifacts.uri, run for every new artifact).
 *
 * usage (from /work/main), on a copy of a data dir seeded by seed-store.py (see run.sh):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/scale/store-bench.ts <data-dir> [--artifacts 20000]
 * Opening the store runs pending migrations (timed). --artifacts lineage artifacts are added first
 * (as model.tar.gz locations, the shape the recorder writes), if the store holds fewer.
 * Prints one JSON line per measurement with /proc/loadavg.
 */
import { readFileSync } from 'node:fs';
import { silentLogger, lineageArtifactsCollection, jobsCollection, type Filter, type JobRecord } from '@loam/core';
import { openSqlMetadataStore } from '@loam/adapters';
import { allCollections } from '@loam/server';

const dir = process.argv[2] ?? '';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
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

const store = await time('open (migrations)', () => openSqlMetadataStore({ url: `sqlite:${dir}/loam.db`, collections: allCollections, logger: silentLogger }));
const arts = store.collection(lineageArtifactsCollection);
const want = arg('artifacts', 20_000);
const have = await arts.count();
for (let i = have; i < want; i++) {
  const uri = `s3://seed/output/job-${i}/output/model.tar.gz`;
  await arts.insert({ arn: `arn:loam:sagemaker:us-east-1:000000000000:artifact/bench${i}`, uri, artifactType: 'Model', createdAt: Date.now() });
}
const jobs = store.collection(jobsCollection);
const training: Filter<JobRecord> = { field: 'kind', op: 'eq', value: 'training-job' };
const list = (filters: Filter<JobRecord>[], extra: object = {}) => jobs.list({ filters, sortBy: 'creationTime', sortOrder: 'Descending', maxResults: 10, ...extra });
for (let i = 0; i < 3; i++) await time('ListTrainingJobs first page (10, CreationTime Descending)', () => list([training]));
await time('ListTrainingJobs StatusEquals Failed', () => list([training, { field: 'status', op: 'eq', value: 'Failed' }]));
await time('ListTrainingJobs NameContains fraud-0199', () => list([training, { field: 'name', op: 'contains', value: 'fraud-0199' }]));
await time('ListTrainingJobs SortBy Name Ascending', () => jobs.list({ filters: [training], sortBy: 'name', sortOrder: 'Ascending', maxResults: 10 }));
await time('ListTrainingJobs paginator to the end (pages of 100)', async () => {
  let token: string | undefined;
  let n = 0;
  let pages = 0;
  do {
    const p = await list([training], { maxResults: 100, ...(token ? { nextToken: token } : {}) });
    n += p.items.length;
    pages++;
    token = p.nextToken;
  } while (token);
  return { n, pages };
}, (r) => r);
for (let i = 0; i < 3; i++) {
  await time(`lineage artifacts under a prefix (of ${await arts.count()})`, () => arts.list({ filters: [{ field: 'uri', op: 'prefix', value: 's3://seed/output/job-7/' }], maxResults: 1000 }), (p) => ({ found: p.items.length }));
}
await store.close();
