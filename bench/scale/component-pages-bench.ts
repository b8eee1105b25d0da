/**
 * The store walk behind a trial component Search that filters on a parameter every component has (`Parameters.lr`):
 * every component whose run has `lr`, by name, in store pages of 200, as Search's scan reads them. "offset" pages
 * as the code before the keyset did (`offset` k·200: the store reads, and checks `runHas`' EXISTS on, every row
 * before the page again), "keyset" from the last row's name (`after`). Same store, same process, offset first;
 * the rows read are compared.
 *
 * usage (from /work/main, on the experiment store search-bench.ts seeded):
 *   nice -n 15 node_modules/.bin/tsx --conditions=loam-src bench/scale/component-pages-bench.ts <data-dir> [--runs 3]
 * Prints one JSON line per walk with /proc/loadavg.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSqlExperimentStore } from '@loam/adapters';
import type { TrialComponentRecord } from '@loam/core';

const dir = resolve(process.argv[2] ?? '/tmp/search-bench');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const store = await openSqlExperimentStore({ url: `sqlite:${join(dir, 'experiments.db')}` });
const PAGE = 200;
const runHas = { params: ['lr'] };

async function walk(how: 'offset' | 'keyset'): Promise<string[]> {
  const names: string[] = [];
  let last: TrialComponentRecord | undefined;
  for (let offset = 0; ; offset += PAGE) {
    const rows = await store.listTrialComponents({
      sortBy: 'name', ascending: true, limit: PAGE, runHas,
      ...(how === 'offset' ? { offset } : { offset: 0, ...(last ? { after: { name: last.name } } : {}) }),
    });
    names.push(...rows.map((r) => r.name));
    last = rows[rows.length - 1];
    if (rows.length < PAGE) return names;
  }
}

for (let run = 0; run < RUNS; run++) {
  const answers: string[] = [];
  for (const how of ['offset', 'keyset'] as const) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const names = await walk(how);
    const c = process.cpuUsage(c0);
    answers.push(names.join(','));
    console.log(JSON.stringify({ what: 'components with lr, by name, pages of 200', how, ms: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000), rows: names.length, loadavg: load() }));
  }
  if (new Set(answers).size > 1) console.log(JSON.stringify({ differ: true }));
}
await store.close();
