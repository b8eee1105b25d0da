import type { DatasetInputRecord, KeyValue, MetricPoint, RunRecord } from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { toInput, toMetric, toRunInfo, type InputRow, type MetricRow, type RunRow } from './sql-rows.js';

type Db = SqlDialect['db'];
const CHUNK = 500;

function group<T extends { run_id: string }, U>(rows: readonly T[], map: (r: T) => U): Map<string, U[]> {
  const out = new Map<string, U[]>();
  for (const r of rows) {
    let list = out.get(r.run_id);
    if (!list) out.set(r.run_id, (list = []));
    list.push(map(r));
  }
  return out;
}

/** Runs with their latest metrics, params, tags and inputs, in the order of `rows`. */
export async function loadRuns(db: Db, rows: readonly RunRow[]): Promise<RunRecord[]> {
  const metrics = new Map<string, MetricPoint[]>();
  const params = new Map<string, KeyValue[]>();
  const tags = new Map<string, KeyValue[]>();
  const inputs = new Map<string, DatasetInputRecord[]>();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const ids = rows.slice(i, i + CHUNK).map((r) => r.run_id);
    const [m, p, t, inp] = await Promise.all([
      db.selectFrom('mlflow_latest_metrics').select(['run_id', 'key', 'step', 'timestamp', 'value', 'is_nan']).where('run_id', 'in', ids).orderBy('run_id').orderBy('key').execute() as Promise<MetricRow[]>,
      db.selectFrom('mlflow_params').select(['run_id', 'key', 'value']).where('run_id', 'in', ids).orderBy('run_id').orderBy('key').execute() as Promise<(KeyValue & { run_id: string })[]>,
      db.selectFrom('mlflow_tags').select(['run_id', 'key', 'value']).where('run_id', 'in', ids).orderBy('run_id').orderBy('key').execute() as Promise<(KeyValue & { run_id: string })[]>,
      db.selectFrom('mlflow_inputs as i').innerJoin('mlflow_datasets as d', 'd.dataset_id', 'i.dataset_id')
        .select(['i.run_id', 'i.tags', 'd.name', 'd.digest', 'd.source_type', 'd.source', 'd.schema', 'd.profile'])
        .where('i.run_id', 'in', ids).orderBy('i.run_id').orderBy('d.name').orderBy('d.digest').execute() as Promise<InputRow[]>,
    ]);
    for (const [k, v] of group(m, toMetric)) metrics.set(k, v);
    for (const [k, v] of group(p, (r) => ({ key: r.key, value: r.value }))) params.set(k, v);
    for (const [k, v] of group(t, (r) => ({ key: r.key, value: r.value }))) tags.set(k, v);
    for (const [k, v] of group(inp, toInput)) inputs.set(k, v);
  }
  return rows.map((r) => ({
    info: toRunInfo(r),
    metrics: metrics.get(r.run_id) ?? [],
    params: params.get(r.run_id) ?? [],
    tags: tags.get(r.run_id) ?? [],
    inputs: inputs.get(r.run_id) ?? [],
  }));
}
