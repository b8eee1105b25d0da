import { sql, type Expression, type SqlBool } from 'kysely';
import {
  ResourceInUseError, asciiLower, checkStorableText, storableText,
  type ComponentRunKeys, type ExperimentEntityQuery, type ExperimentStore, type MetricSummaryRecord, type TrialComponentPatch, type TrialComponentRecord, type TrialRecord,
} from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { unstorable } from './sql-like.js';

/*
 * SageMaker's trial components, trials and their associations in the experiment store (ADR 0009); the
 * SqlExperimentStore delegates here. A trial component's params, metrics, status and times are its run's.
 */

type Db = SqlDialect['db'];
type Store = Pick<ExperimentStore, 'createTrialComponent' | 'getTrialComponent' | 'trialComponentOfRun' | 'updateTrialComponent' | 'deleteTrialComponent'
  | 'listTrialComponents' | 'createTrial' | 'getTrial' | 'updateTrial' | 'deleteTrial' | 'listTrials' | 'associateTrialComponent' | 'disassociateTrialComponent' | 'metricSummaries'>;

interface ComponentRow {
  name: string; run_id: string; display_name: string | null; status_message: string | null; source_arn: string | null; source_type: string | null;
  number_params: string; input_artifacts: string; output_artifacts: string; metadata: string | null; creation_time: number; last_modified_time: number;
}
interface TrialRow {
  name: string; experiment_id: number; display_name: string | null; source_arn: string | null; source_type: string | null; metadata: string | null;
  creation_time: number; last_modified_time: number;
}

const opt = <K extends string, V>(k: K, v: V | null | undefined) => (v === null || v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

function toComponent(r: ComponentRow): TrialComponentRecord {
  return {
    name: r.name, runId: r.run_id, ...opt('displayName', r.display_name), ...opt('statusMessage', r.status_message), ...opt('sourceArn', r.source_arn), ...opt('sourceType', r.source_type),
    numberParams: JSON.parse(r.number_params) as string[], inputArtifacts: JSON.parse(r.input_artifacts) as TrialComponentRecord['inputArtifacts'],
    outputArtifacts: JSON.parse(r.output_artifacts) as TrialComponentRecord['outputArtifacts'], ...opt('metadata', r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, string>)),
    creationTime: Number(r.creation_time), lastModifiedTime: Number(r.last_modified_time),
  };
}

function toTrial(r: TrialRow): TrialRecord {
  return {
    name: r.name, experimentId: String(r.experiment_id), ...opt('displayName', r.display_name), ...opt('sourceArn', r.source_arn), ...opt('sourceType', r.source_type),
    ...opt('metadata', r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, string>)),
    creationTime: Number(r.creation_time), lastModifiedTime: Number(r.last_modified_time),
  };
}

const sortedKeys = (keys: readonly string[]) => JSON.stringify([...new Set(keys)].sort());

/**
 * The keys `SqlDialect.lockUntilEnd` holds while a component or trial is read and written in one step (an
 * update's merge, a delete's check that no trial holds it, an association's check that both exist). Names
 * as stored, lower-cased as their unique index.
 */
const componentLock = (name: string) => `sm-trial-component:${asciiLower(name)}`;
const trialLock = (name: string) => `sm-trial:${asciiLower(name)}`;

const timeColumn = { creationTime: 'creation_time', lastModifiedTime: 'last_modified_time' } as const;

function page<T>(q: ExperimentEntityQuery, builder: T & { orderBy: (c: string, d: 'asc' | 'desc') => T }, alias: string): T {
  const dir = q.ascending ? 'asc' : 'desc';
  const ordered = q.sortBy === 'name' ? builder.orderBy(`${alias}.name`, dir) : (builder.orderBy(`${alias}.${timeColumn[q.sortBy]}`, dir) as T & { orderBy: (c: string, d: 'asc' | 'desc') => T }).orderBy(`${alias}.name`, dir);
  return ordered;
}

/**
 * The rows after `q.after` in the order. By a time, written `time >= t and (time > t or name > n)` (descending:
 * the mirror) so both dialects read it as a range of the (time, name) index rather than a scan.
 */
function after(q: ExperimentEntityQuery, alias: string): Expression<SqlBool> | undefined {
  const a = q.after;
  if (!a) return undefined;
  const [op, opOrEq] = q.ascending ? [sql.raw('>'), sql.raw('>=')] : [sql.raw('<'), sql.raw('<=')];
  const name = sql.ref(`${alias}.name`);
  if (q.sortBy === 'name') return sql<SqlBool>`${name} ${op} ${a.name}`;
  if (a.time === undefined) throw new TypeError(`A position in an order by ${q.sortBy} needs its time.`);
  const time = sql.ref(`${alias}.${timeColumn[q.sortBy]}`);
  return sql<SqlBool>`(${time} ${opOrEq} ${a.time} and (${time} ${op} ${a.time} or ${name} ${op} ${a.name}))`;
}

/** The query of a `listTrialComponents` page (its plan is checked by component-order-plans.test.ts). */
export function componentListQuery(db: Db, q: Parameters<ExperimentStore['listTrialComponents']>[0]) {
  let b = db.selectFrom('sm_trial_components as c').selectAll('c');
  if (q.trialName !== undefined) b = b.where('c.name', 'in', db.selectFrom('sm_trial_links').select('component_name').where('trial_name', '=', q.trialName));
  if (q.experimentId !== undefined) {
    b = b.where('c.name', 'in', db.selectFrom('sm_trial_links as l').innerJoin('sm_trials as t', 't.name', 'l.trial_name').select('l.component_name').where('t.experiment_id', '=', Number(q.experimentId)));
  }
  if (q.sourceArn !== undefined) b = b.where('c.source_arn', '=', q.sourceArn);
  if (q.createdAfter !== undefined) b = b.where('c.creation_time', '>', q.createdAfter);
  if (q.createdBefore !== undefined) b = b.where('c.creation_time', '<', q.createdBefore);
  const from = after(q, 'c');
  if (from) b = b.where(from);
  for (const cond of runHas(q.runHas)) b = b.where(cond);
  return page(q, b, 'c').limit(q.limit).offset(q.offset);
}

/** The query of a `listTrials` page (its plan is checked by trial-order-plans.test.ts). */
export function trialListQuery(db: Db, q: Parameters<ExperimentStore['listTrials']>[0]) {
  let b = db.selectFrom('sm_trials as t').selectAll('t');
  if (q.experimentId !== undefined) b = b.where('t.experiment_id', '=', Number(q.experimentId));
  if (q.componentName !== undefined) b = b.where('t.name', 'in', db.selectFrom('sm_trial_links').select('trial_name').where('component_name', '=', q.componentName));
  if (q.createdAfter !== undefined) b = b.where('t.creation_time', '>', q.createdAfter);
  if (q.createdBefore !== undefined) b = b.where('t.creation_time', '<', q.createdBefore);
  const from = after(q, 't');
  if (from) b = b.where(from);
  return page(q, b, 't').limit(q.limit).offset(q.offset);
}

/**
 * The conditions `listTrialComponents`' `runHas` puts on a component (`c`): an indexed lookup by the run's key
 * and the param or metric key each (mlflow_params' and mlflow_metrics_history's leading columns). A key no
 * store can hold (U+0000) is no run's: PostgreSQL refuses it as a parameter, so it is not sent.
 */
function runHas(keys: ComponentRunKeys | undefined): Expression<SqlBool>[] {
  const never = sql<SqlBool>`1 = 0`;
  const ofRun = (table: 'mlflow_params' | 'mlflow_metrics', key: string) => (unstorable(key) ? never
    : sql<SqlBool>`exists (select 1 from ${sql.table(table)} x where x.run_key = (select r.run_key from mlflow_runs r where r.run_id = c.run_id) and x.key = ${key})`);
  const types = keys?.paramsAlsoOfSourceTypes ?? [];
  const unlessJob = (has: Expression<SqlBool>) => (types.length === 0 ? has : sql<SqlBool>`(${has} or c.source_type in (${sql.join(types)}))`);
  return [...(keys?.params ?? []).map((k) => unlessJob(ofRun('mlflow_params', k))), ...(keys?.metrics ?? []).map((k) => ofRun('mlflow_metrics', k))];
}

export function sqlSageMakerEntities(d: SqlDialect): Store {
  const db = (): Db => d.db;
  const inUse = async <T>(message: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      if (d.isUniqueViolation(err)) throw new ResourceInUseError(message);
      throw err;
    }
  };
  return {
    async metricSummaries(runId: string): Promise<MetricSummaryRecord[]> {
      if (unstorable(runId)) return [];
      // Sums of w = (value - min) / (max - min), halved first so nothing overflows (PostgreSQL refuses an
      // overflow, SQLite turns it to Infinity) and w in [0, 1] keeps the spread of values far from zero.
      const agg = (await sql<Aggregate>`
        select m.key as key, count(*) as count, sum(case when m.is_nan = 0 then 1 else 0 end) as n, min(b.lo) as min, min(b.hi) as max,
          sum(case when m.is_nan = 0 and b.hi > b.lo then (m.value * 0.5 - b.lo * 0.5) / (b.hi * 0.5 - b.lo * 0.5) end) as w,
          sum(case when m.is_nan = 0 and b.hi > b.lo then ((m.value * 0.5 - b.lo * 0.5) / (b.hi * 0.5 - b.lo * 0.5)) * ((m.value * 0.5 - b.lo * 0.5) / (b.hi * 0.5 - b.lo * 0.5)) end) as ww
        from mlflow_metrics m join mlflow_runs r on r.run_key = m.run_key
        join (select m2.key as key, min(m2.value) as lo, max(m2.value) as hi from mlflow_metrics m2 join mlflow_runs r2 on r2.run_key = m2.run_key
              where r2.run_id = ${runId} and m2.is_nan = 0 group by m2.key) b on b.key = m.key
        where r.run_id = ${runId} group by m.key
        union all
        select m.key as key, count(*) as count, 0 as n, null as min, null as max, null as w, null as ww
        from mlflow_metrics m join mlflow_runs r on r.run_key = m.run_key where r.run_id = ${runId}
        group by m.key having sum(case when m.is_nan = 0 then 1 else 0 end) = 0
        order by key`.execute(db())).rows;
      const latest = (await db().selectFrom('mlflow_latest_metrics as l').innerJoin('mlflow_runs as r', 'r.run_key', 'l.run_key')
        .select(['l.key', 'l.value', 'l.is_nan', 'l.timestamp']).where('r.run_id', '=', runId).execute()) as { key: string; value: number; is_nan: number; timestamp: number }[];
      const last = new Map(latest.map((l) => [l.key, l]));
      return agg.map((a) => summary(a, last.get(a.key)));
    },

    async createTrialComponent(c: TrialComponentRecord): Promise<void> {
      storableText.trialComponent(c);
      await inUse(`Trial component '${c.name}' already exists, or run ${c.runId} is already a trial component.`, () => db().insertInto('sm_trial_components').values({
        name: c.name, run_id: c.runId, display_name: c.displayName ?? null, status_message: c.statusMessage ?? null, source_arn: c.sourceArn ?? null, source_type: c.sourceType ?? null,
        number_params: sortedKeys(c.numberParams), input_artifacts: JSON.stringify(c.inputArtifacts), output_artifacts: JSON.stringify(c.outputArtifacts),
        metadata: c.metadata ? JSON.stringify(c.metadata) : null, creation_time: c.creationTime, last_modified_time: c.lastModifiedTime,
      }).execute());
    },

    async getTrialComponent(name: string): Promise<TrialComponentRecord | undefined> {
      if (unstorable(name)) return undefined;
      // Case-insensitive, as SageMaker's names (index sm_trial_components_by_lower_name, experiments:0007).
      const r = (await db().selectFrom('sm_trial_components').selectAll().where(sql`lower(name)`, '=', asciiLower(name)).executeTakeFirst()) as ComponentRow | undefined;
      return r && toComponent(r);
    },

    async trialComponentOfRun(runId: string): Promise<TrialComponentRecord | undefined> {
      if (unstorable(runId)) return undefined;
      const r = (await db().selectFrom('sm_trial_components').selectAll().where('run_id', '=', runId).executeTakeFirst()) as ComponentRow | undefined;
      return r && toComponent(r);
    },

    async updateTrialComponent(name: string, patch: TrialComponentPatch | ((current: TrialComponentRecord) => TrialComponentPatch)): Promise<boolean> {
            if (typeof patch !== 'function') storableText.trialComponentPatch(patch);
      if (unstorable(name)) return false;
      return db().transaction().execute(async (trx) => {
        await d.lockUntilEnd(trx, componentLock(name));
        const row = (await trx.selectFrom('sm_trial_components').selectAll().where('name', '=', name).executeTakeFirst()) as ComponentRow | undefined;
        if (!row) return false;
        const p = typeof patch === 'function' ? patch(toComponent(row)) : patch;
        if (typeof patch === 'function') storableText.trialComponentPatch(p);
        const set: Record<string, unknown> = { last_modified_time: p.lastModifiedTime };
        if (p.displayName !== undefined) set['display_name'] = p.displayName;
        if (p.statusMessage !== undefined) set['status_message'] = p.statusMessage;
        if (p.numberParams !== undefined) set['number_params'] = sortedKeys(p.numberParams);
        if (p.inputArtifacts !== undefined) set['input_artifacts'] = JSON.stringify(p.inputArtifacts);
        if (p.outputArtifacts !== undefined) set['output_artifacts'] = JSON.stringify(p.outputArtifacts);
        await trx.updateTable('sm_trial_components').set(set).where('name', '=', name).execute();
        const runKey = sql<number>`(select run_key from mlflow_runs where run_id = ${row.run_id})`;
        const gone = [...(p.removeParams ?? []), ...(p.setParams ?? []).map((x) => x.key)].filter((k) => !unstorable(k));
        for (let i = 0; i < gone.length; i += 500) await trx.deleteFrom('mlflow_params').where('run_key', '=', runKey).where('key', 'in', gone.slice(i, i + 500)).execute();
        const params = [...new Map((p.setParams ?? []).map((x) => [x.key, x.value]))];
        // An upsert: MLflow's log-param of the same key on the run, committed after the delete above (PostgreSQL
        // reads committed rows per statement), is replaced by this value, as if it came first; an insert failed.
        for (const [key, value] of params) {
          await sql`insert into mlflow_params (run_key, key, value) select run_key, ${key}, ${value} from mlflow_runs where run_id = ${row.run_id}
            on conflict (run_key, key) do update set value = excluded.value`.execute(trx);
        }
        return true;
      });
    },

    async deleteTrialComponent(name: string, options?: { readonly unlessInTrial?: boolean }): Promise<'deleted' | 'in-trial' | 'absent'> {
      if (unstorable(name)) return 'absent';
      return db().transaction().execute(async (trx) => {
        // Held against associateTrialComponent, so the check below stays true until the delete commits.
        await d.lockUntilEnd(trx, componentLock(name));
        if (options?.unlessInTrial && (await trx.selectFrom('sm_trial_links').select('trial_name').where('component_name', '=', name).limit(1).executeTakeFirst())) return 'in-trial';
        await trx.deleteFrom('sm_trial_links').where('component_name', '=', name).execute();
        const r = await trx.deleteFrom('sm_trial_components').where('name', '=', name).executeTakeFirst();
        return Number(r.numDeletedRows) > 0 ? 'deleted' : 'absent';
      });
    },

    async listTrialComponents(q) {
      if ([q.trialName, q.sourceArn].some((v) => v !== undefined && unstorable(v))) return [];
      const rows = (await componentListQuery(db(), q).execute()) as ComponentRow[];
      return rows.map(toComponent);
    },

    async createTrial(t: TrialRecord): Promise<void> {
      storableText.trial(t);
      await inUse(`Trial '${t.name}' already exists.`, () => db().insertInto('sm_trials').values({
        name: t.name, experiment_id: Number(t.experimentId), display_name: t.displayName ?? null, source_arn: t.sourceArn ?? null, source_type: t.sourceType ?? null,
        // A trial's tags are the shared tag table's, as every resource's (the column 0006 made is gone: 0009).
        metadata: t.metadata ? JSON.stringify(t.metadata) : null, creation_time: t.creationTime, last_modified_time: t.lastModifiedTime,
      }).execute());
    },

    async getTrial(name: string): Promise<TrialRecord | undefined> {
      if (unstorable(name)) return undefined;
      const r = (await db().selectFrom('sm_trials').selectAll().where(sql`lower(name)`, '=', asciiLower(name)).executeTakeFirst()) as TrialRow | undefined;
      return r && toTrial(r);
    },

    async updateTrial(name, p): Promise<void> {
      checkStorableText('Trial display name', p.displayName);
      if (unstorable(name)) return;
      await db().updateTable('sm_trials').set({ last_modified_time: p.lastModifiedTime, ...(p.displayName !== undefined ? { display_name: p.displayName } : {}) }).where('name', '=', name).execute();
    },

    async deleteTrial(name: string, options?: { readonly unlessHoldingComponent?: boolean }): Promise<'deleted' | 'holds-component' | 'absent'> {
      if (unstorable(name)) return 'absent';
      return db().transaction().execute(async (trx) => {
        // Held against associateTrialComponent, so the check below stays true until the delete commits.
        await d.lockUntilEnd(trx, trialLock(name));
        // A component whose run MLflow deleted is gone from every view and holds nothing back.
        if (options?.unlessHoldingComponent && (await trx.selectFrom('sm_trial_links as l').innerJoin('sm_trial_components as c', 'c.name', 'l.component_name')
          .innerJoin('mlflow_runs as r', 'r.run_id', 'c.run_id').select('l.component_name').where('l.trial_name', '=', name).where('r.lifecycle_stage', '=', 'active').limit(1).executeTakeFirst())) {
          return 'holds-component';
        }
        await trx.deleteFrom('sm_trial_links').where('trial_name', '=', name).execute();
        const r = await trx.deleteFrom('sm_trials').where('name', '=', name).executeTakeFirst();
        return Number(r.numDeletedRows) > 0 ? 'deleted' : 'absent';
      });
    },

    async listTrials(q) {
      if (q.componentName !== undefined && unstorable(q.componentName)) return [];
      const rows = (await trialListQuery(db(), q).execute()) as TrialRow[];
      return rows.map(toTrial);
    },

    async associateTrialComponent(trialName: string, componentName: string, time: number): Promise<boolean> {
      storableText.association(trialName, componentName);
      return db().transaction().execute(async (trx) => {
        // The component's lock, then the trial's (no other transaction takes both): a delete of either waits, or is waited for.
        await d.lockUntilEnd(trx, componentLock(componentName));
        await d.lockUntilEnd(trx, trialLock(trialName));
        if (!(await trx.selectFrom('sm_trial_components').select('name').where('name', '=', componentName).executeTakeFirst())) return false;
        if (!(await trx.selectFrom('sm_trials').select('name').where('name', '=', trialName).executeTakeFirst())) return false;
        await trx.insertInto('sm_trial_links').values({ trial_name: trialName, component_name: componentName, creation_time: time })
          .onConflict((oc) => oc.columns(['trial_name', 'component_name']).doNothing()).execute();
        return true;
      });
    },

    async disassociateTrialComponent(trialName: string, componentName: string): Promise<boolean> {
      if (unstorable(trialName) || unstorable(componentName)) return false;
      const r = await db().deleteFrom('sm_trial_links').where('trial_name', '=', trialName).where('component_name', '=', componentName).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

interface Aggregate { key: string; count: number; n: number; min: number | null; max: number | null; w: number | null; ww: number | null }

/**
 * Average and sample standard deviation from the sums of w = (v - min) / (max - min): v = min + 2h·w with
 * h = max/2 - min/2, so neither overflows where the answer does not. None when a bound is infinite.
 */
function moments(a: Aggregate): { avg?: number; stdDev?: number } {
  const n = Number(a.n);
  const lo = Number(a.min);
  const hi = Number(a.max);
  if (n === 0 || a.min === null || !Number.isFinite(lo) || !Number.isFinite(hi)) return {};
  if (hi === lo) return { avg: lo, stdDev: 0 };
  const h = hi * 0.5 - lo * 0.5;
  const w = Number(a.w);
  const variance = n > 1 ? Math.max(0, (Number(a.ww) - (w * w) / n) / (n - 1)) : 0;
  return { avg: lo + 2 * h * (w / n), stdDev: 2 * h * Math.sqrt(variance) };
}

function summary(a: Aggregate, last: { value: number; is_nan: number; timestamp: number } | undefined): MetricSummaryRecord {
  const { avg, stdDev } = moments(a);
  return {
    key: a.key, count: Number(a.count), ...opt('min', a.min === null ? null : Number(a.min)), ...opt('max', a.max === null ? null : Number(a.max)), ...opt('avg', avg),
    ...opt('stdDev', stdDev),
    last: last ? (Number(last.is_nan) ? NaN : Number(last.value)) : NaN, lastTimestamp: last ? Number(last.timestamp) : 0,
  };
}
