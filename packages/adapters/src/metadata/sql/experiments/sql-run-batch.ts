import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { ValidationError, type DatasetInputRecord, type MetricPoint, type RunBatch } from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { dedupe, storedValue } from './sql-rows.js';
import type { SqlTraits } from './sql-like.js';
import { METRIC_POINT_COLUMNS } from './experiment-migrations.js';

/*
 * Metric points are the hot path (MLflow clients send 1,000 per request): their INSERT text is built
 * once per row count and bound positionally, skipping the query builder. A point is stored once, as
 * MLflow's primary key makes it: the unique index over the point refuses a copy (a retried request,
 * a repeat within one), and only then is the INSERT run again skipping the points already there.
 * `on conflict do nothing` on every INSERT would be simpler, but costs PostgreSQL about a third more
 * CPU per point (speculative insertion) for the rare retry; on SQLite it costs nothing either way.
 */
const POINT = METRIC_POINT_COLUMNS.join(', ');
const metricSql = new Map<string, string>();
function insertMetricsSql(style: SqlTraits['placeholders'], rows: number, skipStored: boolean): string {
  const k = `${style}:${rows}:${skipStored}`;
  let text = metricSql.get(k);
  if (text === undefined) {
    let n = 0;
    const ph = () => (style === 'dollar' ? `$${++n}` : '?');
    const tuples = Array.from({ length: rows }, () => `(${Array.from({ length: 6 }, ph).join(', ')})`);
    text = `insert into mlflow_metrics (${POINT}) values ${tuples.join(', ')}${skipStored ? ` on conflict (${POINT}) do nothing` : ''}`;
    metricSql.set(k, text);
  }
  return text;
}

/** Inserts the points; when one is already stored, none is (the statement fails whole) and they go in again skipping those. */
async function insertPoints(trx: Db, d: SqlDialect, style: SqlTraits['placeholders'], rows: number, params: unknown[]): Promise<void> {
  // Where a failed statement aborts the transaction (PostgreSQL), the first try runs under a savepoint.
  const guard = d.capabilities.statementErrorAbortsTransaction;
  try {
    if (guard) await sql`savepoint loam_points`.execute(trx);
    await trx.executeQuery(CompiledQuery.raw(insertMetricsSql(style, rows, false), params));
    if (guard) await sql`release savepoint loam_points`.execute(trx);
  } catch (e) {
    if (!d.isUniqueViolation(e)) throw e;
    if (guard) await sql`rollback to savepoint loam_points`.execute(trx);
    if (guard) await sql`release savepoint loam_points`.execute(trx);
    await trx.executeQuery(CompiledQuery.raw(insertMetricsSql(style, rows, true), params));
  }
}

/** Rows per INSERT (MLflow's batch limit): 6 columns × 1000 stays under every database's bind-parameter limit. */
const ROWS_PER_INSERT = 1000;

/** The point that wins as "latest": the greatest (step, timestamp, value), NaN counting as 0. */
function later(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return (Number.isNaN(a.value) ? 0 : a.value) > (Number.isNaN(b.value) ? 0 : b.value);
}

type Db = SqlDialect['db'];

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Pending {
  readonly runId: string;
  readonly batch: RunBatch;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit: batches that arrive while a transaction is writing wait for it and then go in
 * together, each under its own savepoint, so one durable commit (one fsync) serves them all while
 * each batch still succeeds or fails whole.
 */
export class BatchWriter {
  #pending: Pending[] = [];
  #draining = false;

  constructor(
    private readonly d: SqlDialect,
    private readonly traits: SqlTraits,
  ) {}

  write(runId: string, batch: RunBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ runId, batch, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      // On SQLite a transaction runs without yielding to I/O, so batches join a group only if the
      // requests already received are let through first: wait for the event loop's next turn
      // before each group (without this every group held one batch and paid its own fsync).
      for (;;) {
        await nextTurn();
        if (this.#pending.length === 0) break;
        const group = this.#pending.splice(0, 64);
        const failed = new Map<number, unknown>();
        try {
          await this.d.db.transaction().execute(async (trx) => {
            if (group.length === 1) return writeBatch(trx, this.d, this.traits, group[0]!.runId, group[0]!.batch);
            for (const [i, g] of group.entries()) {
              await sql`savepoint loam_batch`.execute(trx);
              try {
                await writeBatch(trx, this.d, this.traits, g.runId, g.batch);
              } catch (e) {
                failed.set(i, e);
                await sql`rollback to savepoint loam_batch`.execute(trx);
              }
              await sql`release savepoint loam_batch`.execute(trx);
            }
          });
        } catch (e) {
          for (const g of group) g.reject(e);
          continue;
        }
        group.forEach((g, i) => (failed.has(i) ? g.reject(failed.get(i)) : g.resolve()));
      }
    } finally {
      this.#draining = false;
    }
  }
}

/** One log-batch inside the caller's transaction: params (checked), metrics, latest metrics, tags. */
async function writeBatch(trx: Db, d: SqlDialect, traits: SqlTraits, runId: string, batch: RunBatch): Promise<void> {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = dedupe(batch.tags ?? []);
  if (!metrics.length && !params.length && !tags.length) return;
  const { run_key: key } = (await trx.selectFrom('mlflow_runs').select('run_key').where('run_id', '=', runId).executeTakeFirstOrThrow()) as { run_key: number };
  const runKey = Number(key);
  if (params.length) {
    // Inserted first, a key already stored skipped; only the skipped keys' values are read and compared. A
    // read first and an insert after failed (a unique violation, 500) when another writer committed the key in
    // between: UpdateTrialComponent's upsert of the run's Parameters from another PostgreSQL session. On a
    // conflict PostgreSQL waits for that writer and skips the key, whose stored value is then read afresh. A
    // skipped key gone by then (UpdateTrialComponent's ParametersToRemove committed in between) is inserted
    // again, as if this log came after the removal; it was answered 200 and not stored.
    let pending = params.map((p) => ({ run_key: runKey, key: p.key, value: p.value }));
    while (pending.length) {
      const inserted = new Set<string>();
      for (let i = 0; i < pending.length; i += ROWS_PER_INSERT) {
        const got = (await trx.insertInto('mlflow_params').values(pending.slice(i, i + ROWS_PER_INSERT)).onConflict((oc) => oc.columns(['run_key', 'key']).doNothing()).returning('key').execute()) as { key: string }[];
        for (const r of got) inserted.add(r.key);
      }
      const skipped = pending.filter((p) => !inserted.has(p.key));
      if (!skipped.length) break;
      const stored = (await trx.selectFrom('mlflow_params').select(['key', 'value']).where('run_key', '=', runKey).where('key', 'in', [...new Set(skipped.map((p) => p.key))]).execute()) as { key: string; value: string }[];
      const have = new Map(stored.map((p) => [p.key, p.value]));
      for (const p of skipped) {
        const old = have.get(p.key);
        if (old !== undefined && old !== p.value) {
          throw new ValidationError(
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
            [{ path: '/params', message: `param '${p.key}' already has another value` }],
          );
        }
      }
      pending = skipped.filter((p) => !have.has(p.key));
    }
  }
  if (metrics.length) {
    for (let i = 0; i < metrics.length; i += ROWS_PER_INSERT) {
      const part = metrics.slice(i, i + ROWS_PER_INSERT);
      const params: unknown[] = [];
      for (const m of part) {
        const v = storedValue(m.value);
        params.push(runKey, m.key, m.step, m.timestamp, v.value, v.is_nan);
      }
      await insertPoints(trx, d, traits.placeholders, part.length, params);
    }
    const latest = new Map<string, MetricPoint>();
    for (const m of metrics) {
      const cur = latest.get(m.key);
      if (!cur || later(m, cur)) latest.set(m.key, m);
    }
    const lrows = [...latest.values()].map((m) => sql`(${runKey}, ${m.key}, ${m.step}, ${m.timestamp}, ${storedValue(m.value).value}, ${storedValue(m.value).is_nan})`);
    for (let i = 0; i < lrows.length; i += ROWS_PER_INSERT) {
      await sql`insert into mlflow_latest_metrics as l (run_key, key, step, timestamp, value, is_nan) values ${sql.join(lrows.slice(i, i + ROWS_PER_INSERT))}
        on conflict (run_key, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
        where excluded.step > l.step or (excluded.step = l.step and (excluded.timestamp > l.timestamp or (excluded.timestamp = l.timestamp and excluded.value > l.value)))`.execute(trx);
    }
  }
  if (tags.length) {
    await sql`insert into mlflow_tags (run_key, key, value) values ${sql.join(tags.map((t) => sql`(${runKey}, ${t.key}, ${t.value})`))}
      on conflict (run_key, key) do update set value = excluded.value`.execute(trx);
    const name = tags.find((t) => t.key === 'mlflow.runName');
    if (name) await trx.updateTable('mlflow_runs').set({ run_name: name.value }).where('run_key', '=', runKey).execute();
  }
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
