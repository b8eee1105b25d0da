import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ValidationError, type DatasetInputRecord, type MetricPoint, type RunBatch } from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { dedupe, storedValue } from './sql-rows.js';

/** Rows per INSERT: 7 columns × 500 stays under every database's bind-parameter limit. */
const ROWS_PER_INSERT = 500;

/** The point that wins as "latest": the greatest (step, timestamp, value), NaN counting as 0. */
function later(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return (Number.isNaN(a.value) ? 0 : a.value) > (Number.isNaN(b.value) ? 0 : b.value);
}

/** One log-batch in one transaction: params (checked), metrics, latest metrics, tags. */
export async function writeBatch(d: SqlDialect, runId: string, batch: RunBatch): Promise<void> {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = dedupe(batch.tags ?? []);
  await d.db.transaction().execute(async (trx) => {
    if (params.length) {
      const existing = (await trx.selectFrom('mlflow_params').select(['key', 'value']).where('run_id', '=', runId).where('key', 'in', params.map((p) => p.key)).execute()) as { key: string; value: string }[];
      const have = new Map(existing.map((p) => [p.key, p.value]));
      for (const p of params) {
        const old = have.get(p.key);
        if (old !== undefined && old !== p.value) {
          throw new ValidationError(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
            [{ path: '/params', message: `param '${p.key}' already has another value` }],
          );
        }
      }
      const fresh = params.filter((p) => !have.has(p.key));
      if (fresh.length) await trx.insertInto('mlflow_params').values(fresh.map((p) => ({ run_id: runId, key: p.key, value: p.value }))).execute();
    }
    if (metrics.length) {
      const seqRow = (await trx.selectFrom('mlflow_metrics').select(sql<number | null>`max(seq)`.as('s')).where('run_id', '=', runId).executeTakeFirst()) as { s: number | null } | undefined;
      let seq = Number(seqRow?.s ?? 0);
      for (let i = 0; i < metrics.length; i += ROWS_PER_INSERT) {
        const rows = metrics.slice(i, i + ROWS_PER_INSERT).map((m) => sql`(${runId}, ${m.key}, ${m.step}, ${m.timestamp}, ${storedValue(m.value).value}, ${storedValue(m.value).is_nan}, ${++seq})`);
        await sql`insert into mlflow_metrics (run_id, key, step, timestamp, value, is_nan, seq) values ${sql.join(rows)}`.execute(trx);
      }
      const latest = new Map<string, MetricPoint>();
      for (const m of metrics) {
        const cur = latest.get(m.key);
        if (!cur || later(m, cur)) latest.set(m.key, m);
      }
      const lrows = [...latest.values()].map((m) => sql`(${runId}, ${m.key}, ${m.step}, ${m.timestamp}, ${storedValue(m.value).value}, ${storedValue(m.value).is_nan})`);
      for (let i = 0; i < lrows.length; i += ROWS_PER_INSERT) {
        await sql`insert into mlflow_latest_metrics as l (run_id, key, step, timestamp, value, is_nan) values ${sql.join(lrows.slice(i, i + ROWS_PER_INSERT))}
          on conflict (run_id, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
          where excluded.step > l.step or (excluded.step = l.step and (excluded.timestamp > l.timestamp or (excluded.timestamp = l.timestamp and excluded.value > l.value)))`.execute(trx);
      }
    }
    if (tags.length) {
      await sql`insert into mlflow_tags (run_id, key, value) values ${sql.join(tags.map((t) => sql`(${runId}, ${t.key}, ${t.value})`))}
        on conflict (run_id, key) do update set value = excluded.value`.execute(trx);
      const name = tags.find((t) => t.key === 'mlflow.runName');
      if (name) await trx.updateTable('mlflow_runs').set({ run_name: name.value }).where('run_id', '=', runId).execute();
    }
  });
}

/** Dataset inputs: datasets are shared within an experiment by (name, digest); a run records each once. */
export async function writeInputs(d: SqlDialect, runId: string, inputs: readonly DatasetInputRecord[]): Promise<void> {
  await d.db.transaction().execute(async (trx) => {
    const run = (await trx.selectFrom('mlflow_runs').select('experiment_id').where('run_id', '=', runId).executeTakeFirstOrThrow()) as { experiment_id: number };
    for (const input of inputs) {
      const ds = input.dataset;
      let row = (await trx.selectFrom('mlflow_datasets').select('dataset_id').where('experiment_id', '=', run.experiment_id).where('name', '=', ds.name).where('digest', '=', ds.digest).executeTakeFirst()) as { dataset_id: string } | undefined;
      if (!row) {
        row = { dataset_id: randomUUID().replaceAll('-', '') };
        await trx.insertInto('mlflow_datasets').values({
          dataset_id: row.dataset_id, experiment_id: run.experiment_id, name: ds.name, digest: ds.digest, source_type: ds.sourceType, source: ds.source,
          schema: ds.schema ?? null, profile: ds.profile ?? null,
        }).execute();
      }
      const context = input.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? null;
      await trx.insertInto('mlflow_inputs').values({ run_id: runId, dataset_id: row.dataset_id, tags: JSON.stringify(dedupe(input.tags)), context })
        .onConflict((oc) => oc.columns(['run_id', 'dataset_id']).doNothing()).execute();
    }
  });
}
