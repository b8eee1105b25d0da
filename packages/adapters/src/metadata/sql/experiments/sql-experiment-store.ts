import { sql } from 'kysely';
import {
  ResourceInUseError, artifactLocationKey, asciiLower, experimentCaseTwinMessage, checkStorableKeyValues, checkStorableText, storableText,
  type DatasetInputRecord, type ExperimentRecord, type ExperimentSearchQuery, type ExperimentStore, type KeyValue, type LifecycleStage,
  type MetricPoint, type NewExperiment, type NewRun, type RunBatch, type RunInfoRecord, type RunRecord, type RunSearchQuery,
} from '@loam/core';
import type { SqlDialect } from '../dialects/sql-dialect.js';
import { unstorable, type SqlTraits } from './sql-like.js';
import { artifactKeyHash, artifactKeyHead, artifactLocationHash, artifactLocationHead, dedupe, headSuccessor, toExperiment, toMetric, toRunInfo, type ExperimentRow, type MetricRow, type RunRow } from './sql-rows.js';
import { searchExperimentRows, searchRunIds } from './sql-search.js';
import { loadRuns } from './sql-run-load.js';
import { ID_COUNTERS } from './experiment-migrations.js';
import { BatchWriter, writeInputs } from './sql-run-batch.js';
import { sqlSageMakerEntities } from './sql-sagemaker-entities.js';

type Db = SqlDialect['db'];

/**
 * The next experiment id or run key. The counter row stays locked until the transaction ends, so
 * concurrent creators take turns instead of computing the same max() + 1; a rollback gives it back.
 */
async function nextId(trx: Db, name: 'experiment_id' | 'run_key'): Promise<number> {
  const r = await sql<{ value: number }>`update ${sql.table(ID_COUNTERS)} set value = value + 1 where name = ${name} returning value`.execute(trx);
  return Number(r.rows[0]!.value);
}

/** The ExperimentStore on SQLite or PostgreSQL (one Kysely instance of its own). */
export class SqlExperimentStore implements ExperimentStore {
  readonly #batches: BatchWriter;
  readonly #sm: ReturnType<typeof sqlSageMakerEntities>;

  constructor(
    private readonly d: SqlDialect,
    private readonly like: SqlTraits,
  ) {
    this.#batches = new BatchWriter(d, like);
    this.#sm = sqlSageMakerEntities(d);
  }

  private get db(): Db {
    return this.d.db;
  }

  private async experimentTags(db: Db, ids: readonly number[]): Promise<Map<number, KeyValue[]>> {
    const out = new Map<number, KeyValue[]>();
    if (ids.length === 0) return out;
    const rows = (await db.selectFrom('mlflow_experiment_tags').select(['experiment_id', 'key', 'value']).where('experiment_id', 'in', [...ids]).orderBy('key').execute()) as {
      experiment_id: number; key: string; value: string;
    }[];
    for (const r of rows) {
      const id = Number(r.experiment_id);
      out.set(id, [...(out.get(id) ?? []), { key: r.key, value: r.value }]);
    }
    return out;
  }

  private async experiments(db: Db, rows: readonly ExperimentRow[]): Promise<ExperimentRecord[]> {
    const tags = await this.experimentTags(db, rows.map((r) => Number(r.experiment_id)));
    return rows.map((r) => toExperiment(r, tags.get(Number(r.experiment_id)) ?? []));
  }

  async createExperiment(e: NewExperiment): Promise<string> {
    storableText.experiment(e);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          await this.nameFree(trx, e.name);
          const id = await nextId(trx, 'experiment_id');
          const location = e.artifactLocation ?? `${e.artifactRoot}/${id}`;
          await trx.insertInto('mlflow_experiments').values({
            experiment_id: id, name: e.name, artifact_location: location, artifact_location_hash: artifactLocationHash(location), artifact_location_head: artifactLocationHead(location),
            lifecycle_stage: 'active',
            creation_time: e.time, last_update_time: e.time,
          }).execute();
          if (e.tags.length) await trx.insertInto('mlflow_experiment_tags').values(dedupe(e.tags).map((t) => ({ experiment_id: id, key: t.key, value: t.value }))).execute();
          return String(id);
        });
      } catch (err) {
        // Two creators raced for the same name: the name check above decides on retry.
        if (this.d.isUniqueViolation(err) && attempt < 5) continue;
        throw err;
      }
    }
  }

  async ensureDefaultExperiment(artifactRoot: string, time: number): Promise<void> {
    const exists = await this.db.selectFrom('mlflow_experiments').select('experiment_id').where('experiment_id', '=', 0).executeTakeFirst();
    if (exists) return;
    try {
      await this.db.insertInto('mlflow_experiments').values({
        experiment_id: 0, name: 'Default', artifact_location: `${artifactRoot}/0`, artifact_location_hash: artifactLocationHash(`${artifactRoot}/0`),
        artifact_location_head: artifactLocationHead(`${artifactRoot}/0`),
        lifecycle_stage: 'active', creation_time: time, last_update_time: time,
      }).execute();
    } catch (err) {
      if (!this.d.isUniqueViolation(err)) throw err;
    }
  }

  async getExperiment(experimentId: string): Promise<ExperimentRecord | undefined> {
    if (!/^\d{1,15}$/.test(experimentId)) return undefined;
    const row = (await this.db.selectFrom('mlflow_experiments').selectAll().where('experiment_id', '=', Number(experimentId)).executeTakeFirst()) as ExperimentRow | undefined;
    return row ? (await this.experiments(this.db, [row]))[0] : undefined;
  }

  async getExperimentByName(name: string): Promise<ExperimentRecord | undefined> {
    if (unstorable(name)) return undefined;
    const row = (await this.db.selectFrom('mlflow_experiments').selectAll().where('name', '=', name).executeTakeFirst()) as ExperimentRow | undefined;
    return row ? (await this.experiments(this.db, [row]))[0] : undefined;
  }

  async getExperimentByNameInAnyCase(name: string): Promise<ExperimentRecord | undefined> {
    if (unstorable(name)) return undefined;
    const row = (await this.db.selectFrom('mlflow_experiments').selectAll().where(sql`lower(name)`, '=', asciiLower(name)).executeTakeFirst()) as ExperimentRow | undefined;
    return row ? (await this.experiments(this.db, [row]))[0] : undefined;
  }

  async renameExperiment(experimentId: string, name: string, time: number): Promise<void> {
    checkStorableText('Experiment name', name);
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.nameFree(trx, name, Number(experimentId));
        await trx.updateTable('mlflow_experiments').set({ name, last_update_time: time }).where('experiment_id', '=', Number(experimentId)).execute();
      });
    } catch (err) {
      // Another writer took the name (in some case) between the check and the update: index mlflow_experiments_by_lower_name.
      if (this.d.isUniqueViolation(err)) throw new ResourceInUseError(`Experiment(name=${name}) already exists.`);
      throw err;
    }
  }

  /**
   * Throws ResourceInUse when an experiment other than `except` holds the name in any letter case (ASCII, as
   * the index on lower(name) folds): SageMaker's ARN of an experiment holds its name lower-cased (ADR 0009).
   */
  private async nameFree(db: Db, name: string, except?: number): Promise<void> {
    const held = (await db.selectFrom('mlflow_experiments').select(['experiment_id', 'name']).where(sql`lower(name)`, '=', asciiLower(name)).executeTakeFirst()) as { experiment_id: number; name: string } | undefined;
    if (!held || Number(held.experiment_id) === except) return;
    throw new ResourceInUseError(held.name === name ? `Experiment(name=${name}) already exists.` : experimentCaseTwinMessage(name, held.name));
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, time: number): Promise<void> {
    const id = Number(experimentId);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('mlflow_experiments').set({ lifecycle_stage: stage, last_update_time: time }).where('experiment_id', '=', id).execute();
      if (stage === 'deleted') {
        await trx.updateTable('mlflow_runs').set({ lifecycle_stage: 'deleted', deleted_time: time }).where('experiment_id', '=', id).where('lifecycle_stage', '=', 'active').execute();
      } else {
        await trx.updateTable('mlflow_runs').set({ lifecycle_stage: 'active', deleted_time: null }).where('experiment_id', '=', id).where('lifecycle_stage', '=', 'deleted').execute();
      }
    });
  }

  async setExperimentTags(experimentId: string, tags: readonly KeyValue[], time: number): Promise<void> {
    checkStorableKeyValues('Experiment tag', tags);
    const id = Number(experimentId);
    await this.db.transaction().execute(async (trx) => {
      for (const t of dedupe(tags)) {
        await trx.insertInto('mlflow_experiment_tags').values({ experiment_id: id, key: t.key, value: t.value })
          .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: t.value })).execute();
      }
      await trx.updateTable('mlflow_experiments').set({ last_update_time: time }).where('experiment_id', '=', id).execute();
    });
  }

  async searchExperiments(query: ExperimentSearchQuery): Promise<ExperimentRecord[]> {
    const rows = await searchExperimentRows(this.d, this.like, query);
    return this.experiments(this.db, rows);
  }

  async experimentsByArtifactLocation(keys: readonly string[]): Promise<ExperimentRecord[]> {
    const wanted = new Set(keys);
    const hashes = [...wanted].map(artifactKeyHash);
    const rows: ExperimentRow[] = [];
    // A key of 1024 bytes has up to ~500 folders; bound the parameters of one statement.
    for (let i = 0; i < hashes.length; i += 500) {
      rows.push(...((await this.db.selectFrom('mlflow_experiments').selectAll().where('artifact_location_hash', 'in', hashes.slice(i, i + 500)).execute()) as ExperimentRow[]));
    }
    // The location itself is compared too: a hash collision can never add an experiment.
    const found = rows.filter((r) => wanted.has(artifactLocationKey(r.artifact_location) as string));
    found.sort((a, b) => Number(a.experiment_id) - Number(b.experiment_id));
    return this.experiments(this.db, found);
  }

  async experimentsByArtifactLocationPrefix(prefix: string): Promise<ExperimentRecord[]> {
    // No stored key holds U+0000 or an unpaired surrogate, so none starts with a prefix holding one.
    if (unstorable(prefix)) return [];
    const head = artifactKeyHead(prefix);
    const upper = headSuccessor(head);
    let query = this.db.selectFrom('mlflow_experiments').selectAll().where('artifact_location_head', '>=', head);
    if (upper !== undefined) query = query.where('artifact_location_head', '<', upper);
    const rows = (await query.execute()) as ExperimentRow[];
    // The head is the key's first 256 code points: the whole key is compared here.
    const found = rows.filter((r) => artifactLocationKey(r.artifact_location)?.startsWith(prefix) === true);
    found.sort((a, b) => Number(a.experiment_id) - Number(b.experiment_id));
    return this.experiments(this.db, found);
  }

  async createRun(run: NewRun): Promise<void> {
    storableText.run(run);
    const i = run.info;
    await this.db.transaction().execute(async (trx) => {
      const runKey = await nextId(trx, 'run_key');
      await trx.insertInto('mlflow_runs').values({
        run_id: i.runId, run_key: runKey, experiment_id: Number(i.experimentId), run_name: i.runName, user_id: i.userId, status: i.status, start_time: i.startTime,
        end_time: i.endTime ?? null, lifecycle_stage: i.lifecycleStage, artifact_uri: i.artifactUri, deleted_time: i.deletedTime ?? null,
      }).execute();
      const tags = dedupe(run.tags);
      if (tags.length) await trx.insertInto('mlflow_tags').values(tags.map((t) => ({ run_key: runKey, key: t.key, value: t.value }))).execute();
    });
  }

  async getRunInfo(runId: string): Promise<RunInfoRecord | undefined> {
    if (unstorable(runId)) return undefined;
    const row = (await this.db.selectFrom('mlflow_runs').selectAll().where('run_id', '=', runId).executeTakeFirst()) as RunRow | undefined;
    return row ? toRunInfo(row) : undefined;
  }

  async getRunInfos(runIds: readonly string[]): Promise<RunInfoRecord[]> {
    const ids = [...new Set(runIds)].filter((id) => !unstorable(id));
    const out: RunInfoRecord[] = [];
    // In chunks, under SQLite's and PostgreSQL's bound on a statement's parameters.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = (await this.db.selectFrom('mlflow_runs').selectAll().where('run_id', 'in', ids.slice(i, i + 500)).execute()) as RunRow[];
      out.push(...rows.map(toRunInfo));
    }
    return out;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    if (unstorable(runId)) return undefined;
    const row = (await this.db.selectFrom('mlflow_runs').selectAll().where('run_id', '=', runId).executeTakeFirst()) as RunRow | undefined;
    return row ? (await loadRuns(this.db, [row]))[0] : undefined;
  }

  async updateRunInfo(runId: string, patch: Parameters<ExperimentStore['updateRunInfo']>[1]): Promise<void> {
    const set: Record<string, unknown> = {};
    if (patch.status !== undefined) set['status'] = patch.status;
    if (patch.startTime !== undefined) set['start_time'] = patch.startTime;
    if (patch.endTime !== undefined) set['end_time'] = patch.endTime;
    if (patch.lifecycleStage !== undefined) set['lifecycle_stage'] = patch.lifecycleStage;
    if (patch.deletedTime !== undefined) set['deleted_time'] = patch.deletedTime;
    if (patch.clearDeletedTime) set['deleted_time'] = null;
    checkStorableText('Run name', patch.runName);
    if (unstorable(runId)) return;
    await this.db.transaction().execute(async (trx) => {
      if (patch.runName !== undefined) {
        set['run_name'] = patch.runName;
        await sql`insert into mlflow_tags (run_key, key, value) select run_key, 'mlflow.runName', ${patch.runName} from mlflow_runs where run_id = ${runId}
          on conflict (run_key, key) do update set value = excluded.value`.execute(trx);
      }
      if (Object.keys(set).length) await trx.updateTable('mlflow_runs').set(set).where('run_id', '=', runId).execute();
    });
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    storableText.batch(batch);
    if (unstorable(runId)) return;
    return this.#batches.write(runId, batch);
  }

  async deleteRunTag(runId: string, key: string): Promise<boolean> {
    if (unstorable(runId) || unstorable(key)) return false;
    const r = await this.db.deleteFrom('mlflow_tags').where('run_key', '=', sql<number>`(select run_key from mlflow_runs where run_id = ${runId})`).where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async logInputs(runId: string, inputs: readonly DatasetInputRecord[]): Promise<void> {
    storableText.inputs(inputs);
    if (unstorable(runId)) return;
    return writeInputs(this.d, runId, inputs);
  }

  async metricHistory(runId: string, key: string, page: { offset: number; limit: number }): Promise<MetricPoint[]> {
    if (unstorable(runId) || unstorable(key)) return [];
    const rows = (await this.db.selectFrom('mlflow_metrics as m').innerJoin('mlflow_runs as r', 'r.run_key', 'm.run_key')
      .select(['m.key', 'm.step', 'm.timestamp', 'm.value', 'm.is_nan'])
      .where('r.run_id', '=', runId).where('m.key', '=', key).orderBy('m.step').orderBy('m.timestamp').orderBy('m.value').orderBy('m.is_nan')
      .limit(page.limit).offset(page.offset).execute()) as MetricRow[];
    return rows.map(toMetric);
  }

  async searchRuns(query: RunSearchQuery): Promise<RunRecord[]> {
    const rows = await searchRunIds(this.d, this.like, query);
    return loadRuns(this.db, rows);
  }

  // SageMaker's trial components, trials and associations (sql-sagemaker-entities.ts).
  metricSummaries: ExperimentStore['metricSummaries'] = (runId) => this.#sm.metricSummaries(runId);
  createTrialComponent: ExperimentStore['createTrialComponent'] = (c) => this.#sm.createTrialComponent(c);
  getTrialComponent: ExperimentStore['getTrialComponent'] = (name) => this.#sm.getTrialComponent(name);
  trialComponentOfRun: ExperimentStore['trialComponentOfRun'] = (runId) => this.#sm.trialComponentOfRun(runId);
  updateTrialComponent: ExperimentStore['updateTrialComponent'] = (name, patch) => this.#sm.updateTrialComponent(name, patch);
  deleteTrialComponent: ExperimentStore['deleteTrialComponent'] = (name, options) => this.#sm.deleteTrialComponent(name, options);
  listTrialComponents: ExperimentStore['listTrialComponents'] = (q) => this.#sm.listTrialComponents(q);
  createTrial: ExperimentStore['createTrial'] = (t) => this.#sm.createTrial(t);
  getTrial: ExperimentStore['getTrial'] = (name) => this.#sm.getTrial(name);
  updateTrial: ExperimentStore['updateTrial'] = (name, patch) => this.#sm.updateTrial(name, patch);
  deleteTrial: ExperimentStore['deleteTrial'] = (name, options) => this.#sm.deleteTrial(name, options);
  listTrials: ExperimentStore['listTrials'] = (q) => this.#sm.listTrials(q);
  associateTrialComponent: ExperimentStore['associateTrialComponent'] = (t, c, time) => this.#sm.associateTrialComponent(t, c, time);
  disassociateTrialComponent: ExperimentStore['disassociateTrialComponent'] = (t, c) => this.#sm.disassociateTrialComponent(t, c);

  close(): Promise<void> {
    return this.d.destroy();
  }
}
