import { sql, type RawBuilder } from 'kysely';
import type { ExperimentSearchQuery, RunFilterClause, RunOrderClause, RunSearchQuery, RunSortValue, ViewType } from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { NEVER, unstorable, numericCondition, stringCondition, type SqlTraits } from './sql-like.js';
import type { ExperimentRow, RunRow } from './sql-rows.js';

type Sql = RawBuilder<unknown>;

function lifecycle(view: ViewType, col: Sql): Sql | undefined {
  if (view === 'ACTIVE_ONLY') return sql`${col} = 'active'`;
  if (view === 'DELETED_ONLY') return sql`${col} = 'deleted'`;
  return undefined;
}

const RUN_COLUMNS: Record<string, string> = {
  run_id: 'run_id', run_name: 'run_name', status: 'status', user_id: 'user_id', artifact_uri: 'artifact_uri', start_time: 'start_time', end_time: 'end_time',
};

/** An IN list without the values no stored text can equal (those holding NUL or an unpaired surrogate). */
function inList(col: Sql, op: 'IN' | 'NOT IN', values: readonly string[]): Sql {
  const storable = values.filter((v) => !unstorable(v));
  if (storable.length === 0) return op === 'IN' ? NEVER : sql`${col} is not null`;
  return op === 'IN' ? sql`${col} in (${sql.join(storable)})` : sql`${col} not in (${sql.join(storable)})`;
}

/*
 * Conditions on metrics, params and tags are `run_key IN (subquery)` rather than EXISTS: each
 * subquery reads only its (key, value, run_key) index, once, and the runs of the experiment are then
 * checked against the resulting set from their own index (experiment, stage, start time, run key)
 * without reading their rows. Ordered by start time, that scan stops as soon as the page is full.
 */
function runCondition(d: SqlDialect, like: SqlTraits, c: RunFilterClause): Sql {
  // A metric, param or tag whose key no database stores (NUL, unpaired surrogate) is never there: a run without it matches nothing.
  if (c.kind !== 'attribute' && c.kind !== 'dataset' && unstorable(c.key)) return NEVER;
  switch (c.kind) {
    case 'metric': {
      const cond = c.op === '!=' ? sql`(m.is_nan = 1 or m.value <> ${c.value})` : sql`m.is_nan = 0 and ${numericCondition(sql`m.value`, c.op, c.value)}`;
      return sql`r.run_key in (select m.run_key from mlflow_latest_metrics m where m.key = ${c.key} and ${cond})`;
    }
    case 'param':
    case 'tag': {
      const table = sql.raw(c.kind === 'param' ? 'mlflow_params' : 'mlflow_tags');
      return sql`r.run_key in (select p.run_key from ${table} p where p.key = ${c.key} and ${stringCondition(d, like, sql`p.value`, c.op, c.value)})`;
    }
    case 'attribute': {
      const col = sql.ref(`r.${RUN_COLUMNS[c.key] as string}`) as unknown as Sql;
      if (c.op === 'IN' || c.op === 'NOT IN') return inList(col, c.op, c.value);
      if (typeof c.value === 'number') return numericCondition(col, c.op as '=', c.value);
      return stringCondition(d, like, col, c.op as '=', c.value as string);
    }
    case 'dataset': {
      const col = sql.raw(c.key === 'context' ? 'i.context' : c.key === 'name' ? 'ds.name' : 'ds.digest');
      let cond: Sql;
      if (c.op === 'IN' || c.op === 'NOT IN') cond = inList(col as unknown as Sql, c.op, c.value);
      else cond = stringCondition(d, like, col as unknown as Sql, c.op, c.value as string);
      return sql`r.run_id in (select i.run_id from mlflow_inputs i join mlflow_datasets ds on ds.dataset_id = i.dataset_id where ${cond})`;
    }
  }
}

/** A term of a run search's order: the rank (0 a value, 1 NaN, 2 none) ascending, then the value in the term's direction. */
function runOrder(o: RunOrderClause, i: number): { join?: Sql; rank: Sql; value: Sql } {
  const alias = sql.raw(`o${i}`);
  if (o.kind === 'attribute') {
    const col = sql.ref(`r.${RUN_COLUMNS[o.key] as string}`) as unknown as Sql;
    return { rank: sql`case when ${col} is null then 2 else 0 end`, value: col };
  }
  const table = sql.raw(o.kind === 'metric' ? 'mlflow_latest_metrics' : o.kind === 'param' ? 'mlflow_params' : 'mlflow_tags');
  // A key no database stores (NUL, unpaired surrogate): every run lacks it.
  const join = sql`left join ${table} ${alias} on ${alias}.run_key = r.run_key and ${unstorable(o.key) ? NEVER : sql`${alias}.key = ${o.key}`}`;
  const rank = o.kind === 'metric'
    ? sql`case when ${alias}.run_key is null then 2 when ${alias}.is_nan = 1 then 1 else 0 end`
    : sql`case when ${alias}.run_key is null then 2 else 0 end`;
  return { join, rank, value: sql`${alias}.value` };
}

/**
 * The runs after `q.after` in the order: greater in the first term (its rank, then, for runs with a value, the
 * value), or equal in it and greater in the next, …, then an earlier start time, then a greater run id.
 */
function runsAfter(q: RunSearchQuery, terms: readonly { rank: Sql; value: Sql }[]): Sql | undefined {
  const a = q.after;
  if (!a) return undefined;
  if (a.values.length !== q.orderBy.length) throw new TypeError(`A run position holds ${a.values.length} values for ${q.orderBy.length} order terms.`);
  const steps: { greater: Sql; equal: Sql }[] = q.orderBy.map((o, i) => {
    const t = terms[i] as { rank: Sql; value: Sql };
    const v = a.values[i] as RunSortValue;
    const rank = 'value' in v ? 0 : 'nan' in v ? 1 : 2;
    if (!('value' in v)) return { greater: sql`${t.rank} > ${rank}`, equal: sql`${t.rank} = ${rank}` };
    const op = sql.raw(o.ascending ? '>' : '<');
    return { greater: sql`(${t.rank} > 0 or (${t.rank} = 0 and ${t.value} ${op} ${v.value}))`, equal: sql`(${t.rank} = 0 and ${t.value} = ${v.value})` };
  });
  steps.push({ greater: sql`r.start_time < ${a.startTime}`, equal: sql`r.start_time = ${a.startTime}` }, { greater: sql`r.run_id > ${a.runId}`, equal: sql`1 = 0` });
  const branches = steps.map((s, i) => sql.join([...steps.slice(0, i).map((e) => e.equal), s.greater], sql` and `));
  return sql`(${sql.join(branches.map((b) => sql`(${b})`), sql` or `)})`;
}

/** The page of runs a search selects, in order (their data is loaded separately). */
export async function searchRunIds(d: SqlDialect, like: SqlTraits, q: RunSearchQuery): Promise<RunRow[]> {
  const ids = q.experimentIds.filter((id) => /^\d{1,15}$/.test(id)).map(Number);
  if (ids.length === 0 || q.limit <= 0) return [];
  const where: Sql[] = [sql`r.experiment_id in (${sql.join(ids)})`];
  const lc = lifecycle(q.view, sql`r.lifecycle_stage`);
  if (lc) where.push(lc);
  for (const c of q.filter) where.push(runCondition(d, like, c));
  const joins: Sql[] = [];
  const order: Sql[] = [];
  const terms = q.orderBy.map((o, i) => {
    const part = runOrder(o, i);
    if (part.join) joins.push(part.join);
    order.push(part.rank, sql`${part.value} ${sql.raw(o.ascending ? 'asc' : 'desc')}`);
    return part;
  });
  order.push(sql`r.start_time desc`, sql`r.run_id asc`);
  const from = runsAfter(q, terms);
  if (from) where.push(from);
  const query = sql<RunRow>`select r.* from mlflow_runs r ${sql.join(joins, sql` `)} where ${sql.join(where, sql` and `)}
    order by ${sql.join(order)} limit ${q.limit} offset ${q.offset}`;
  return (await query.execute(d.db)).rows;
}

const EXPERIMENT_ORDER: Record<string, string> = { name: 'e.name', experiment_id: 'e.experiment_id', creation_time: 'e.creation_time', last_update_time: 'e.last_update_time' };

/**
 * The experiments after `q.after` in the order (every order key is a column no row leaves empty): those greater in
 * the first key, or equal in it and greater in the next, …, or equal in all and of a greater id.
 */
function experimentsAfter(q: ExperimentSearchQuery): Sql | undefined {
  const a = q.after;
  if (!a) return undefined;
  if (a.values.length !== q.orderBy.length) throw new TypeError(`An experiment position holds ${a.values.length} values for ${q.orderBy.length} order keys.`);
  const keys = [...q.orderBy.map((o, i) => ({ col: sql.raw(EXPERIMENT_ORDER[o.key] as string), op: sql.raw(o.ascending ? '>' : '<'), v: a.values[i] })), { col: sql.raw('e.experiment_id'), op: sql.raw('>'), v: Number(a.experimentId) }];
  const branches = keys.map((k, i) => sql.join([...keys.slice(0, i).map((e) => sql`${e.col} = ${e.v}`), sql`${k.col} ${k.op} ${k.v}`], sql` and `));
  return sql`(${sql.join(branches.map((b) => sql`(${b})`), sql` or `)})`;
}

export async function searchExperimentRows(d: SqlDialect, like: SqlTraits, q: ExperimentSearchQuery): Promise<ExperimentRow[]> {
  const where: Sql[] = [sql`1 = 1`];
  const lc = lifecycle(q.view, sql`e.lifecycle_stage`);
  if (lc) where.push(lc);
  for (const c of q.filter) {
    if (c.kind === 'tag') {
      if (unstorable(c.key)) where.push(NEVER);
      else where.push(sql`exists (select 1 from mlflow_experiment_tags t where t.experiment_id = e.experiment_id and t.key = ${c.key} and ${stringCondition(d, like, sql`t.value`, c.op, c.value)})`);
    } else if (c.key === 'name') where.push(stringCondition(d, like, sql`e.name`, c.op, c.value));
    else where.push(numericCondition(sql.ref(`e.${c.key}`) as unknown as Sql, c.op, c.value));
  }
  const from = experimentsAfter(q);
  if (from) where.push(from);
  const order = q.orderBy.map((o) => sql`${sql.raw(EXPERIMENT_ORDER[o.key] as string)} ${sql.raw(o.ascending ? 'asc' : 'desc')}`);
  order.push(sql`e.experiment_id asc`);
  const query = sql<ExperimentRow>`select e.* from mlflow_experiments e where ${sql.join(where, sql` and `)} order by ${sql.join(order)} limit ${q.limit} offset ${q.offset}`;
  return (await query.execute(d.db)).rows;
}
