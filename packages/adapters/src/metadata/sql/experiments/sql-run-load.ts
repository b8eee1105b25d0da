import type { DatasetInputRecord, KeyValue, MetricPoint, RunRecord } from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { toInput, toMetric, toRunInfo, type InputRow, type MetricRow, type RunRow } from './sql-rows.js';

type Db = SqlDialect['db'];
const CHUNK = 500;

function group<R, K, U>(rows: readonly R[], keyOf: (r: R) => K, map: (r: R) => U): Map<K, U[]> {
  const out = new Map<K, U[]>();
  for (const r of rows) {
    const k = keyOf(r);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(map(r));
  }
  return out;
}

type Keyed<T> = T & { run_key: number };
const kv = (r: KeyValue): KeyValue => ({ key: r.key, value: r.value });
const byRunKey = (r: { run_key: number }): number => Number(r.run_key);

/** Runs with their latest metrics, params, tags and inputs, in the order of `rows`. */
export async function loadRuns(db: Db, rows: readonly RunRow[]): Promise<RunRecord[]> {
  const metrics = new Map<number, MetricPoint[]>();
  const params = new Map<number, KeyValue[]>();
  const tags = new Map<number, KeyValue[]>();
  const inputs = new Map<string, DatasetInputRecord[]>();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const keys = chunk.map((r) => Number(r.run_key));
    const ids = chunk.map((r) => r.run_id);
    const [m, p, t, inp] = await Promise.all([
      db.selectFrom('mlflow_latest_metrics').select(['run_key', 'key', 'step', 'timestamp', 'value', 'is_nan']).where('run_key', 'in', keys).orderBy('run_key').orderBy('key').execute() as Promise<Keyed<MetricRow>[]>,
      db.selectFrom('mlflow_params').select(['run_key', 'key', 'value']).where('run_key', 'in', keys).orderBy('run_key').orderBy('key').execute() as Promise<Keyed<KeyValue>[]>,
      db.selectFrom('mlflow_tags').select(['run_key', 'key', 'value']).where('run_key', 'in', keys).orderBy('run_key').orderBy('key').execute() as Promise<Keyed<KeyValue>[]>,
      db.selectFrom('mlflow_inputs as i').innerJoin('mlflow_datasets as d', 'd.dataset_id', 'i.dataset_id')
        .select(['i.run_id', 'i.tags', 'd.name', 'd.digest', 'd.source_type', 'd.source', 'd.schema', 'd.profile'])
        .where('i.run_id', 'in', ids).orderBy('i.run_id').orderBy('d.name').orderBy('d.digest').execute() as Promise<InputRow[]>,
    ]);
    for (const [k, v] of group(m, byRunKey, toMetric)) metrics.set(k, v);
    for (const [k, v] of group(p, byRunKey, kv)) params.set(k, v);
    for (const [k, v] of group(t, byRunKey, kv)) tags.set(k, v);
    for (const [k, v] of group(inp, (r) => r.run_id, toInput)) inputs.set(k, v);
  }
  return rows.map((r) => ({
    info: toRunInfo(r),
    metrics: metrics.get(Number(r.run_key)) ?? [],
    params: params.get(Number(r.run_key)) ?? [],
    tags: tags.get(Number(r.run_key)) ?? [],
    inputs: inputs.get(r.run_id) ?? [],
  }));
}
